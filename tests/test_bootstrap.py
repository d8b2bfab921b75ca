"""`bootstrap` is idempotent on AWS and refuses credentials of the wrong account (issue 14,
defect 12). AWS answers an update that changes nothing with a ValidationError, "No updates are to
be performed", so a second run must not update, and must treat that answer as "unchanged"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from scripts.bootstrap import ADMIN_STACK, check_caller, deploy_stack, full_parameters
from scripts.errors import DeploymentError, WrongAccount
from templates_py.bootstrap import build_administration_role

TEMPLATE = build_administration_role().to_dict()
GIVEN = {"TargetAccountIds": "123456789012,234567890123",
         "AdministrationRoleName": "AWSCloudFormationStackSetAdministrationRole",
         "ExecutionRoleName": "AWSCloudFormationStackSetExecutionRole"}


def _stack(parameters: dict[str, str], tags: dict[str, str]) -> dict:
    """DescribeStacks as AWS answers it: every parameter, defaulted ones included."""
    return {"Stacks": [{
        "StackName": ADMIN_STACK, "StackId": f"arn:aws:cloudformation:us-east-1:111122223333:stack/{ADMIN_STACK}/1",
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC), "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]}


def _deployed() -> dict:
    return {"TemplateBody": json.dumps(TEMPLATE, indent=2, sort_keys=True)}


@pytest.fixture
def cfn():
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_the_stack_has_six_parameters_and_all_are_compared() -> None:
    assert len(full_parameters(TEMPLATE, GIVEN)) == 6


def test_a_second_run_leaves_a_matching_stack_alone(cfn) -> None:
    client, stub = cfn
    stub.add_response("describe_stacks", _stack(full_parameters(TEMPLATE, GIVEN), {"ManagedBy": "payctl"}))
    stub.add_response("get_template", _deployed())
    assert deploy_stack(client, ADMIN_STACK, TEMPLATE, GIVEN, print) == "unchanged"


@pytest.mark.parametrize(("parameters", "tags"), [
    ({**full_parameters(TEMPLATE, GIVEN), "CostCenter": "elsewhere"}, {"ManagedBy": "payctl"}),
    (full_parameters(TEMPLATE, GIVEN), {}),
])
def test_a_differing_parameter_or_tag_updates_the_stack(cfn, parameters: dict, tags: dict) -> None:
    client, stub = cfn
    stub.add_response("describe_stacks", _stack(parameters, tags))
    stub.add_response("get_template", _deployed())
    stub.add_response("update_stack", {"StackId": "id"})
    stub.add_response("describe_stacks", {"Stacks": [{**_stack(parameters, tags)["Stacks"][0],
                                                      "StackStatus": "UPDATE_COMPLETE"}]})
    assert deploy_stack(client, ADMIN_STACK, TEMPLATE, GIVEN, print) == "updated"


def test_no_updates_to_be_performed_is_unchanged_not_a_failure(cfn) -> None:
    client, stub = cfn
    stub.add_response("describe_stacks", _stack({}, {}))
    stub.add_response("get_template", _deployed())
    stub.add_client_error("update_stack", "ValidationError", "No updates are to be performed.")
    assert deploy_stack(client, ADMIN_STACK, TEMPLATE, GIVEN, print) == "unchanged"


def test_other_update_errors_still_fail(cfn) -> None:
    client, stub = cfn
    stub.add_response("describe_stacks", _stack({}, {}))
    stub.add_response("get_template", _deployed())
    stub.add_client_error("update_stack", "ValidationError", "Stack is in UPDATE_IN_PROGRESS state")
    with pytest.raises(DeploymentError, match="UPDATE_IN_PROGRESS"):
        deploy_stack(client, ADMIN_STACK, TEMPLATE, GIVEN, print)


def test_the_caller_must_be_the_admin_account() -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    identity = {"UserId": "AIDA", "Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/x"}
    with Stubber(sts) as stub:
        stub.add_response("get_caller_identity", identity)
        with pytest.raises(WrongAccount) as refused:
            check_caller(sts, "111122223333")
        stub.add_response("get_caller_identity", {**identity, "Account": "111122223333"})
        assert check_caller(sts, "111122223333") == "111122223333"
    assert refused.value.exit_code == 2
    assert "999999999999" in str(refused.value) and "111122223333" in str(refused.value)
    assert "\n" not in str(refused.value)

"""`bootstrap` is idempotent on AWS and refuses credentials of the wrong account (issue 14,
defect 12). AWS answers an update that changes nothing with a ValidationError, "No updates are to
be performed", so a second run must not update, and must treat that answer as "unchanged"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from scripts.actions.bootstrap import (
    ADMIN_STACK,
    TEMPLATE_BODY_BYTES,
    check_caller,
    deploy_stack,
    full_parameters,
)
from scripts.errors import DeploymentError, WrongAccount
from templates_py.bootstrap import build_administration_role, policy_chars

TEMPLATE = build_administration_role(["123456789012", "234567890123"]).to_dict()
GIVEN = {"AdministrationRoleName": "AWSCloudFormationStackSetAdministrationRole",
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


def test_the_stack_has_five_parameters_and_all_are_compared() -> None:
    assert len(full_parameters(TEMPLATE, GIVEN)) == 5


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


def _fleet(count: int) -> list[str]:
    return [f"{900000000000 + n:012d}" for n in range(count)]


def test_a_fleet_of_two_thousand_accounts_fits_the_quotas_of_iam_and_cloudformation() -> None:
    """2,000 stack instances per StackSet is the quota a fleet grows to (AWS CloudFormation
    quotas). A parameter value holds 4,096 bytes (~315 ids), so the ids are in the template:
    each managed policy must stay within IAM's 6,144 characters (whitespace not counted), the
    role within its 10 managed policies, and the request within the 51,200-byte TemplateBody."""
    accounts = _fleet(2000)
    template = build_administration_role(accounts).to_dict()
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    allowed = [a for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]
               for a in s["Condition"]["StringEquals"]["aws:ResourceAccount"]]
    assert sorted(allowed) == accounts
    # the ARN's Fn::Sub grows by the partition's length at most once per statement
    assert all(policy_chars(p["Properties"]["PolicyDocument"]) + 100 <= 6144 for p in policies)
    assert len(template["Resources"]["AdministrationRole"]["Properties"]["ManagedPolicyArns"]) \
        == len(policies) <= 10
    assert "TargetAccountIds" not in template["Parameters"]
    assert len(json.dumps(template, separators=(",", ":")).encode()) <= TEMPLATE_BODY_BYTES


def test_a_fleet_beyond_what_one_role_can_list_is_refused() -> None:
    with pytest.raises(ValueError, match="managed policies"):
        build_administration_role(_fleet(5000))


def test_a_template_over_the_body_quota_is_refused_before_any_call(cfn) -> None:
    client, _stub = cfn  # no responses queued: any call would fail the test
    huge = {"Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle",
                                   "Metadata": {"padding": "x" * TEMPLATE_BODY_BYTES}}}}
    with pytest.raises(DeploymentError, match="51,200-byte TemplateBody quota"):
        deploy_stack(client, ADMIN_STACK, huge, {}, print)

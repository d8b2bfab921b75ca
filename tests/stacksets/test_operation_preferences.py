"""Operation preferences reach AWS as configured, and the concurrency they give follows AWS's rule:
under STRICT_FAILURE_TOLERANCE (AWS's default) concurrency is at most FailureToleranceCount + 1,
so the shipped settings send SOFT_FAILURE_TOLERANCE to run every account of an operation at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from scripts.config.reader import load_deployment
from scripts.errors import ConfigError
from scripts.plan.decide import DesiredStackSet, Target, plan_stack_set
from scripts.stacksets.deployer import StackSetDeployer, concurrent_accounts
from scripts.stacksets.operations import OperationWaiter
from tests.paramfiles import edit

PARAMS = Path(__file__).resolve().parents[2] / "params"
TEMPLATE = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
TARGETS = tuple(Target("dev", f"1000000000{n:02d}", "us-east-1", {}) for n in range(10))


def test_shipped_settings_run_every_account_of_an_operation_at_once() -> None:
    prefs = load_deployment(PARAMS / "deployment.yaml").operation_preferences
    assert prefs["concurrency_mode"] == "SOFT_FAILURE_TOLERANCE"
    assert concurrent_accounts(prefs, 10) == 10


@pytest.mark.parametrize(("mode", "percentage", "tolerance", "accounts", "expected"), [
    ("STRICT_FAILURE_TOLERANCE", 100, 0, 10, 1),    # the defect: one account at a time
    ("STRICT_FAILURE_TOLERANCE", 100, 2, 10, 3),
    ("STRICT_FAILURE_TOLERANCE", 20, 5, 10, 2),
    ("SOFT_FAILURE_TOLERANCE", 100, 0, 10, 10),
    ("SOFT_FAILURE_TOLERANCE", 25, 0, 10, 2),       # rounded down
    ("SOFT_FAILURE_TOLERANCE", 1, 0, 10, 1),        # never zero
])
def test_concurrency_follows_the_api_reference(mode: str, percentage: int, tolerance: int,
                                               accounts: int, expected: int) -> None:
    prefs = {"concurrency_mode": mode, "max_concurrent_percentage": percentage,
             "failure_tolerance_count": tolerance}
    assert concurrent_accounts(prefs, accounts) == expected


def test_concurrency_mode_is_optional_and_defaults_to_aws_default(tmp_path: Path) -> None:
    path = tmp_path / "deployment.yaml"
    path.write_text((PARAMS / "deployment.yaml").read_text())
    edit(path, "operation_preferences.concurrency_mode", KeyError)
    prefs = load_deployment(path).operation_preferences
    assert prefs["concurrency_mode"] == "STRICT_FAILURE_TOLERANCE"


def test_an_unknown_concurrency_mode_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deployment.yaml"
    path.write_text((PARAMS / "deployment.yaml").read_text())
    edit(path, "operation_preferences.concurrency_mode", "FAST")
    with pytest.raises(ConfigError, match=r"operation_preferences\.concurrency_mode: 'FAST' is not one of"):
        load_deployment(path)


@pytest.mark.parametrize("mode", ["SOFT_FAILURE_TOLERANCE", "STRICT_FAILURE_TOLERANCE"])
def test_every_operation_sends_the_configured_concurrency_mode(mode: str) -> None:
    settings = load_deployment(PARAMS / "deployment.yaml")
    settings = replace(settings, operation_preferences={**settings.operation_preferences,
                                                        "concurrency_mode": mode})
    client = boto3.client("cloudformation", region_name="us-east-1")
    expected = {"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 100,
                "FailureToleranceCount": 0, "ConcurrencyMode": mode}
    desired = DesiredStackSet("demo", TEMPLATE, {}, {}, "d", TARGETS)
    done = {"StackSetOperation": {"OperationId": "op-1", "StackSetId": "demo:1",
                                  "Action": "CREATE", "Status": "SUCCEEDED"}}
    with Stubber(client) as stub:
        stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
        stub.add_response("create_stack_instances", {"OperationId": "op-1"}, {
            "StackSetName": "demo", "Accounts": [t.account for t in TARGETS],
            "Regions": ["us-east-1"], "ParameterOverrides": [], "OperationPreferences": expected,
            "OperationId": "op-1"})
        stub.add_response("describe_stack_set_operation", done)
        stub.add_response("list_stack_set_operation_results", {"Summaries": []})
        stub.add_response("delete_stack_instances", {"OperationId": "op-2"}, {
            "StackSetName": "demo", "Accounts": ANY, "Regions": ANY, "RetainStacks": False,
            "OperationPreferences": expected, "OperationId": "op-2"})
        stub.add_response("describe_stack_set_operation", done)
        stub.add_response("list_stack_set_operation_results", {"Summaries": []})
        waiter = OperationWaiter(client, timeout=60, on_progress=lambda *a: None, names={},
                                 sleep=lambda s: None)
        ids = iter(["op-1", "op-2"])
        deployer = StackSetDeployer(client, settings, waiter, lambda action, envs: next(ids),
                                    template_url=lambda n, b: "unused", say=lambda m: None)
        deployer.apply(desired, plan_stack_set(desired, None))
        deployer.delete_instances("demo", list(TARGETS))
        stub.assert_no_pending_responses()

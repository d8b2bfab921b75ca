"""Faults the emulator cannot produce, scripted with botocore's Stubber: a FAILED operation,
another operation holding the StackSet, and Ctrl-C while waiting."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from scripts.config.reader import Deployment, StackSetSpec
from scripts.plan.decide import DesiredStackSet, Target, plan_stack_set
from scripts.stacksets.deployer import StackSetDeployer
from scripts.stacksets.operations import OperationFailed, OperationInterrupted, OperationWaiter, delays

SETTINGS = Deployment("111122223333", "us-east-1", "SELF_MANAGED",
                      "AWSCloudFormationStackSetAdministrationRole",
                      "AWSCloudFormationStackSetExecutionRole", "artifacts",
                      (StackSetSpec("demo", "payment-platform"),),
                      {"region_concurrency": "PARALLEL", "max_concurrent_percentage": 100,
                       "failure_tolerance_count": 0})
DEV = Target("dev", "123456789012", "us-east-1", {"Environment": "dev"})
PRD = Target("prod", "345678901234", "us-east-1", {"Environment": "prod"})
NAMES = {DEV.account: "dev", PRD.account: "prod"}
TEMPLATE = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}


@pytest.fixture
def cfn() -> Iterator[tuple[object, Stubber]]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def deployer(client: object, sleeps: list[float], interrupt: bool = False,
             names: dict[str, str] = NAMES) -> StackSetDeployer:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if interrupt:
            raise KeyboardInterrupt

    waiter = OperationWaiter(client, timeout=600, on_progress=lambda *a: None, names=names,
                             sleep=sleep)
    ids = iter(f"op-{n}" for n in range(1, 10))
    return StackSetDeployer(client, SETTINGS, waiter, lambda action, envs: next(ids),
                            template_url=lambda name, body: "unused", say=lambda m: None,
                            sleep=sleep)


def desired(*targets: Target) -> DesiredStackSet:
    return DesiredStackSet("demo", TEMPLATE, {"Environment": "dev"}, {}, "d", targets or (DEV, PRD))


def operation(status: str) -> dict:
    return {"StackSetOperation": {"OperationId": "op-1", "StackSetId": "demo:1",
                                  "Action": "CREATE", "Status": status}}


def results(*rows: tuple[str, str, str]) -> dict:
    return {"Summaries": [{"Account": a, "Region": "us-east-1", "Status": s, "StatusReason": r}
                          for a, s, r in rows]}


def test_failed_operation_names_each_failed_account_with_its_reason(cfn) -> None:
    client, stub = cfn
    stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
    stub.add_response("create_stack_instances", {"OperationId": "op-1"})
    stub.add_response("describe_stack_set_operation", operation("RUNNING"))
    stub.add_response("list_stack_set_operation_results", results((DEV.account, "RUNNING", "")))
    stub.add_response("describe_stack_set_operation", operation("FAILED"))
    stub.add_response("list_stack_set_operation_results", results(
        (DEV.account, "SUCCEEDED", ""),
        (PRD.account, "FAILED", "ResourceLogicalId:AuditLogBucket, Bucket already exists")))
    sleeps: list[float] = []
    with pytest.raises(OperationFailed) as failure:
        deployer(client, sleeps).apply(desired(), plan_stack_set(desired(), None))
    message = str(failure.value)
    assert message.splitlines()[0] == "demo: operation op-1 FAILED"
    assert message.splitlines()[1:] == [
        f"  prod ({PRD.account} us-east-1): FAILED: ResourceLogicalId:AuditLogBucket, "
        "Bucket already exists",
        f"  dev ({DEV.account} us-east-1): SUCCEEDED",
        "  retry only these: payctl deploy prod"]
    assert failure.value.exit_code == 1
    assert sleeps == [2.0]


def test_failure_tolerance_exceeded_reports_the_cancelled_accounts_too(cfn) -> None:
    """With failure_tolerance_count 0, CloudFormation cancels the accounts not yet started once
    one fails: those are left behind as much as the failed one, and the retry names both."""
    client, stub = cfn
    stg = Target("staging", "234567890123", "us-east-1", {"Environment": "staging"})
    stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
    stub.add_response("create_stack_instances", {"OperationId": "op-1"})
    stub.add_response("describe_stack_set_operation", operation("FAILED"))
    stub.add_response("list_stack_set_operation_results", results(
        (DEV.account, "SUCCEEDED", ""),
        (stg.account, "FAILED", "ResourceLogicalId:PaymentsTable, Limit exceeded"),
        (PRD.account, "CANCELLED", "Cancelled since failure tolerance has exceeded")))
    want = desired(DEV, stg, PRD)
    with pytest.raises(OperationFailed) as failure:
        deployer(client, [], names={**NAMES, stg.account: "staging"}).apply(
            want, plan_stack_set(want, None))
    lines = str(failure.value).splitlines()
    assert lines[1:3] == [
        f"  staging ({stg.account} us-east-1): FAILED: ResourceLogicalId:PaymentsTable, "
        "Limit exceeded",
        f"  prod ({PRD.account} us-east-1): CANCELLED: Cancelled since failure tolerance has "
        "exceeded"]
    assert f"  dev ({DEV.account} us-east-1): SUCCEEDED" in lines
    assert lines[-1] == "  retry only these: payctl deploy staging prod"
    assert failure.value.exit_code == 1


def test_operation_in_progress_waits_for_the_other_operation_then_retries(cfn) -> None:
    client, stub = cfn
    busy = {"service_error_code": "OperationInProgressException",
            "service_message": "Another Operation on StackSet demo is in progress"}
    stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
    stub.add_client_error("create_stack_instances", **busy)
    stub.add_response("list_stack_set_operations", {"Summaries": [
        {"OperationId": "someone-elses", "Status": "RUNNING", "Action": "UPDATE"}]})
    stub.add_response("describe_stack_set_operation", operation("SUCCEEDED"),
                      {"StackSetName": "demo", "OperationId": "someone-elses"})
    stub.add_response("list_stack_set_operation_results", results())
    stub.add_response("create_stack_instances", {"OperationId": "op-1"})
    stub.add_response("describe_stack_set_operation", operation("SUCCEEDED"),
                      {"StackSetName": "demo", "OperationId": "op-1"})
    stub.add_response("list_stack_set_operation_results", results((DEV.account, "SUCCEEDED", "")))
    ops = deployer(client, []).apply(desired(DEV), plan_stack_set(desired(DEV), None))
    assert ops == ["op-1"]


def test_operation_in_progress_retries_are_bounded(cfn) -> None:
    client, stub = cfn
    busy = {"service_error_code": "OperationInProgressException", "service_message": "busy"}
    stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
    for attempt in range(4):
        stub.add_client_error("create_stack_instances", **busy)
        if attempt < 3:
            stub.add_response("list_stack_set_operations", {"Summaries": []})
    sleeps: list[float] = []
    with pytest.raises(Exception, match="demo: OperationInProgressException: busy"):
        deployer(client, sleeps).apply(desired(), plan_stack_set(desired(), None))
    assert len(sleeps) == 3


def test_ctrl_c_while_waiting_leaves_the_operation_and_says_how_to_resume(cfn) -> None:
    client, stub = cfn
    stub.add_response("create_stack_set", {"StackSetId": "demo:1"})
    stub.add_response("create_stack_instances", {"OperationId": "op-1"})
    stub.add_response("describe_stack_set_operation", operation("RUNNING"))
    stub.add_response("list_stack_set_operation_results", results((DEV.account, "RUNNING", "")))
    with pytest.raises(OperationInterrupted) as stop:
        deployer(client, [], interrupt=True).apply(desired(), plan_stack_set(desired(), None))
    assert "keeps running" in str(stop.value)
    assert "--resume demo:op-1" in str(stop.value)
    assert (stop.value.stack_set, stop.value.operation_id) == ("demo", "op-1")
    assert stop.value.exit_code == 130


def test_backoff_polls_a_twenty_minute_operation_tens_of_times_not_hundreds() -> None:
    waited, polls = 0.0, 0
    for delay in delays():
        polls += 1
        waited += delay
        if waited >= 20 * 60:
            break
    assert 30 <= polls <= 60

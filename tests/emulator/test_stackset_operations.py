"""StackSet operations: asynchronous, one at a time or queued, as the API reference describes.

Each test quotes the sentence of the CloudFormation API reference (botocore's service model
carries it) or the StackSets user guide that it checks.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from conformance import Cloud, StackSets, slow_template, unique, wait_operation, wait_until


def create_instances(cloud: Cloud, name: str, accounts: list[str] | None = None,
                     **preferences: object) -> str:
    return cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=accounts or cloud.accounts, Regions=[cloud.region],
        OperationPreferences=preferences or {"MaxConcurrentPercentage": 100,
                                             "FailureToleranceCount": 1,
                                             "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"})["OperationId"]


def statuses(cloud: Cloud, name: str, operation_id: str) -> dict[str, str]:
    results = cloud.cfn.list_stack_set_operation_results(StackSetName=name, OperationId=operation_id)
    return {r["Account"]: r["Status"] for r in results["Summaries"]}


def test_an_operation_returns_at_once_and_runs_in_the_background(cloud: Cloud, stack_sets: StackSets) -> None:
    """CreateStackInstances returns an OperationId; StackSetOperation.Status "RUNNING: The
    operation is currently being performed." Timestamps are the real clock's: "CreationTimestamp:
    The time at which the operation was initiated." """
    name = stack_sets.create(slow_template())
    asked = datetime.now(UTC)
    operation_id = create_instances(cloud, name)

    first = cloud.cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)
    assert first["StackSetOperation"]["Status"] in ("QUEUED", "RUNNING")
    assert "EndTimestamp" not in first["StackSetOperation"]
    done = wait_operation(cloud, name, operation_id)

    assert done["Status"] == "SUCCEEDED"
    assert abs(done["CreationTimestamp"] - asked) < timedelta(minutes=1)
    assert done["CreationTimestamp"] <= done["EndTimestamp"] <= datetime.now(UTC) + timedelta(seconds=5)


def test_managed_execution_is_reported_as_requested(cloud: Cloud, stack_sets: StackSets) -> None:
    """ManagedExecution.Active: "When false (default), StackSets performs one operation at a time
    in request order." DescribeStackSet reports what CreateStackSet set."""
    managed, plain = stack_sets.create(managed=True), stack_sets.create()
    assert cloud.cfn.describe_stack_set(StackSetName=managed)["StackSet"]["ManagedExecution"] == {"Active": True}
    assert cloud.cfn.describe_stack_set(StackSetName=plain)["StackSet"]["ManagedExecution"] == {"Active": False}


def test_a_second_operation_is_refused_while_one_runs(cloud: Cloud, stack_sets: StackSets) -> None:
    """OperationInProgressException: "Another operation is currently in progress for this
    StackSet. Only one operation can be performed for a stack set at a given time." """
    name = stack_sets.create(slow_template())
    first = create_instances(cloud, name)

    with pytest.raises(ClientError) as refused:
        cloud.cfn.update_stack_set(StackSetName=name, TemplateBody=slow_template(links=31))

    assert refused.value.response["Error"]["Code"] == "OperationInProgressException"
    assert wait_operation(cloud, name, first)["Status"] == "SUCCEEDED"


def test_managed_execution_queues_every_incoming_operation_in_request_order(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """ManagedExecution.Active: "If there are already running or queued operations,
    CloudFormation queues all incoming operations even if they are non-conflicting ... After
    conflicting operations finish, CloudFormation starts queued operations in request order."
    The slow template keeps the first running while the second is looked at: a one-log-group
    stack can finish before that, and the second then rightly runs at once."""
    name = stack_sets.create(slow_template(), managed=True)
    first = create_instances(cloud, name, [cloud.accounts[0]])
    second = create_instances(cloud, name, [cloud.accounts[1]])

    queued = cloud.cfn.describe_stack_set_operation(StackSetName=name, OperationId=second)
    assert queued["StackSetOperation"]["Status"] == "QUEUED"
    done = [wait_operation(cloud, name, op) for op in (first, second)]

    assert [d["Status"] for d in done] == ["SUCCEEDED", "SUCCEEDED"]
    assert done[0]["EndTimestamp"] <= done[1]["EndTimestamp"]


def _max_running(cloud: Cloud, name: str, operation_id: str) -> int:
    """The most accounts seen RUNNING at once while the operation ran."""
    most = 0
    while True:
        seen = statuses(cloud, name, operation_id)
        most = max(most, sum(s == "RUNNING" for s in seen.values()))
        status = cloud.cfn.describe_stack_set_operation(
            StackSetName=name, OperationId=operation_id)["StackSetOperation"]["Status"]
        if status in ("SUCCEEDED", "FAILED", "STOPPED"):
            return most
        time.sleep(cloud.poll_interval() / 2)


def test_strict_failure_tolerance_runs_failure_tolerance_plus_one_accounts(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """ConcurrencyMode STRICT_FAILURE_TOLERANCE: "The initial actual concurrency is set to the
    lower of either the value of the MaxConcurrentCount, or the value of FailureToleranceCount
    +1 ... This is the default behavior." So 100% at once with a tolerance of 0 runs one
    account at a time. (The slow template keeps each account RUNNING long enough to be seen.)"""
    name = stack_sets.create(slow_template())
    operation_id = create_instances(cloud, name, MaxConcurrentPercentage=100, FailureToleranceCount=0)
    assert _max_running(cloud, name, operation_id) == 1


def test_soft_failure_tolerance_runs_max_concurrent_accounts(cloud: Cloud, stack_sets: StackSets) -> None:
    """SOFT_FAILURE_TOLERANCE: "This allows StackSet operations to run at the concurrency level
    set by the MaxConcurrentCount value, or MaxConcurrentPercentage, regardless of the number of
    failures." (The slow template keeps each account RUNNING long enough to be seen.)"""
    name = stack_sets.create(slow_template())
    operation_id = create_instances(cloud, name, MaxConcurrentPercentage=100, FailureToleranceCount=0,
                                    ConcurrencyMode="SOFT_FAILURE_TOLERANCE")
    assert _max_running(cloud, name, operation_id) == 2


def test_operation_preferences_are_returned(cloud: Cloud, stack_sets: StackSets) -> None:
    """StackSetOperation.OperationPreferences: "The preferences for how CloudFormation performs
    this StackSet operation." StatusDetails counts the failed instances."""
    name = stack_sets.create()
    preferences = {"RegionConcurrencyType": "PARALLEL", "MaxConcurrentCount": 2,
                   "FailureToleranceCount": 1, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}
    operation_id = create_instances(cloud, name, **preferences)
    done = wait_operation(cloud, name, operation_id)
    for key, value in preferences.items():
        assert done["OperationPreferences"][key] == value
    assert done["StatusDetails"] == {"FailedStackInstancesCount": 0}


def _squat(cloud: Cloud, account: str) -> str:
    """A log group name that already exists in `account`, so a stack naming it fails there."""
    taken = f"/conformance/{unique('taken')}"
    cloud.client("logs", account).create_log_group(logGroupName=taken)
    return taken


def test_past_the_failure_tolerance_the_remaining_accounts_are_cancelled(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """FailureToleranceCount: "The number of accounts per Region this operation can fail in before
    CloudFormation stops the operation in that Region." StackSetOperation.Status FAILED: "The
    operation exceeded the specified failure tolerance." Result CANCELLED: "the failure tolerance
    of the StackSet operation has been exceeded." """
    failing, other = cloud.accounts
    taken = _squat(cloud, failing)
    name = stack_sets.create(Parameters=[{"ParameterKey": "Name", "ParameterValue": taken}])
    operation_id = create_instances(cloud, name, [failing, other],
                                    MaxConcurrentCount=1, FailureToleranceCount=0)

    done = wait_operation(cloud, name, operation_id)

    assert done["Status"] == "FAILED"
    seen = statuses(cloud, name, operation_id)
    assert seen[failing] == "FAILED"
    # The order of accounts within a Region is not documented: the other account (where the
    # name is free) either ran first and succeeded, or was cancelled once the tolerance was
    # exceeded.
    assert seen[other] in ("CANCELLED", "SUCCEEDED")
    if seen[other] == "CANCELLED":
        instance = cloud.cfn.describe_stack_instance(StackSetName=name, StackInstanceAccount=other,
                                                     StackInstanceRegion=cloud.region)["StackInstance"]
        assert instance["StackInstanceStatus"]["DetailedStatus"] == "CANCELLED"


def test_a_succeeded_operation_may_carry_failed_accounts_within_the_tolerance(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """Status SUCCEEDED: "The operation completed creating or updating all the specified stacks
    without exceeding the failure tolerance for the operation." """
    failing, other = cloud.accounts
    taken = _squat(cloud, failing)
    name = stack_sets.create(Parameters=[{"ParameterKey": "Name", "ParameterValue": taken}])
    operation_id = create_instances(cloud, name, [failing, other],
                                    MaxConcurrentCount=1, FailureToleranceCount=1)

    done = wait_operation(cloud, name, operation_id)

    assert done["Status"] == "SUCCEEDED"
    assert done["StatusDetails"]["FailedStackInstancesCount"] == 1
    assert statuses(cloud, name, operation_id) == {failing: "FAILED", other: "SUCCEEDED"}


def test_a_failed_stack_leaves_an_outdated_instance_with_the_reason(cloud: Cloud, stack_sets: StackSets) -> None:
    """StackInstance.Status OUTDATED: "The associated stack failed during a CreateStackSet or
    UpdateStackSet operation." DetailedStatus FAILED: "The operation in the specified account and
    Region failed." LastOperationId: "The last unique ID of a StackSet operation performed on a
    stack instance." """
    failing = cloud.accounts[0]
    taken = _squat(cloud, failing)
    name = stack_sets.create(Parameters=[{"ParameterKey": "Name", "ParameterValue": taken}])
    operation_id = create_instances(cloud, name, [failing])
    wait_operation(cloud, name, operation_id)

    instance = cloud.cfn.describe_stack_instance(StackSetName=name, StackInstanceAccount=failing,
                                                 StackInstanceRegion=cloud.region)["StackInstance"]
    assert instance["Status"] == "OUTDATED"
    assert instance["StackInstanceStatus"]["DetailedStatus"] == "FAILED"
    assert instance["StatusReason"]
    assert instance["LastOperationId"] == operation_id


def test_regions_run_one_at_a_time_in_region_order(cloud: Cloud, stack_sets: StackSets) -> None:
    """RegionConcurrencyType: "could be in parallel or one Region at a time"; RegionOrder: "The
    order of the Regions where you want to perform the stack operation." """
    name = stack_sets.create()
    first, second = "us-west-2", cloud.region
    operation_id = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[cloud.accounts[0]], Regions=[second, first],
        OperationPreferences={"RegionConcurrencyType": "SEQUENTIAL", "RegionOrder": [first, second],
                              "MaxConcurrentCount": 1})["OperationId"]
    wait_operation(cloud, name, operation_id)
    # The stacks' own times, not the order a poll happens to see: a loaded machine can let both
    # Regions finish between two polls.
    started, finished = {}, {}
    for region in (first, second):
        stack_id = cloud.cfn.describe_stack_instance(
            StackSetName=name, StackInstanceAccount=cloud.accounts[0],
            StackInstanceRegion=region)["StackInstance"]["StackId"]
        cfn = cloud.session_in(cloud.accounts[0]).client(
            "cloudformation", region_name=region, endpoint_url=cloud.endpoint_url)
        started[region] = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["CreationTime"]
        finished[region] = max(e["Timestamp"] for e in cfn.describe_stack_events(
            StackName=stack_id)["StackEvents"])
    assert finished[first] <= started[second]


def test_a_repeated_operation_id_is_the_same_operation(cloud: Cloud, stack_sets: StackSets) -> None:
    """OperationId: "The operation ID also functions as an idempotency token, to ensure that
    CloudFormation performs the StackSet operation only once, even if you retry the request
    multiple times." OperationIdAlreadyExistsException: "The specified operation ID already
    exists." """
    name = stack_sets.create()
    request = {"StackSetName": name, "Accounts": [cloud.accounts[0]], "Regions": [cloud.region],
               "OperationId": "conformance-retry-1"}
    first = cloud.cfn.create_stack_instances(**request)["OperationId"]
    again = cloud.cfn.create_stack_instances(**request)["OperationId"]
    wait_operation(cloud, name, first)

    assert first == again == "conformance-retry-1"
    listed = cloud.cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
    assert [o["OperationId"] for o in listed] == [first]
    with pytest.raises(ClientError) as refused:
        cloud.cfn.create_stack_instances(**{**request, "Accounts": [cloud.accounts[1]]})
    assert refused.value.response["Error"]["Code"] == "OperationIdAlreadyExistsException"


def test_stopping_an_operation_cancels_what_has_not_started(cloud: Cloud, stack_sets: StackSets) -> None:
    """StopStackSetOperation: "StackSets will cancel all the unstarted stack instance deployments
    and wait for those are in-progress to complete." Status STOPPED: "The user has canceled the
    operation." """
    name = stack_sets.create(template=slow_template())
    operation_id = create_instances(cloud, name, MaxConcurrentCount=1, FailureToleranceCount=0)
    wait_until(cloud, lambda: "RUNNING" in statuses(cloud, name, operation_id).values(), "a running account")

    cloud.cfn.stop_stack_set_operation(StackSetName=name, OperationId=operation_id)
    done = wait_operation(cloud, name, operation_id)

    assert done["Status"] == "STOPPED"
    assert sorted(statuses(cloud, name, operation_id).values()) == ["CANCELLED", "SUCCEEDED"]

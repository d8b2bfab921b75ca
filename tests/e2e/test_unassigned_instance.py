"""An instance added without parameter overrides (as from the console) runs on the StackSet's own
values and creates nothing but the placeholder (issue 14, defect 4)."""

from __future__ import annotations

import time
import uuid

from emulated import Platform


def test_an_instance_without_overrides_deploys_nothing(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    assert fresh.payctl("deploy", "dev", "--no-manifests").exit_code == 0
    staging = fresh.config.environments["staging"].account_id
    cfn = fresh.aws().client("cloudformation")
    operation = cfn.create_stack_instances(
        StackSetName="payment-platform", Accounts=[staging], Regions=["us-east-1"],
        OperationId=f"console-{uuid.uuid4()}")["OperationId"]
    while (status := cfn.describe_stack_set_operation(
            StackSetName="payment-platform", OperationId=operation)["StackSetOperation"]["Status"]) in (
            "QUEUED", "RUNNING"):
        time.sleep(0.05)
    assert status == "SUCCEEDED"
    stack_id = cfn.describe_stack_instance(StackSetName="payment-platform", StackInstanceAccount=staging,
                                           StackInstanceRegion="us-east-1")["StackInstance"]["StackId"]

    stack = fresh.client("cloudformation", "staging")
    resources = stack.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in resources] == ["UnassignedPlaceholder"]
    assert fresh.client("dynamodb", "staging").list_tables()["TableNames"] == []
    assert fresh.client("lambda", "staging").list_functions()["Functions"] == []

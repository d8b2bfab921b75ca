"""When the template gains a parameter, UpdateStackSet comes first and updates every instance
(naming no accounts), and only then do instances get overrides for it. The CreateStackInstances
docs: "You can only override the parameter values that are specified in the stack set"; the
UpdateStackInstances docs: "If you add a parameter to a template, before you can override the
parameter value specified in the stack set you must first use UpdateStackSet to update all stack
instances with the updated template and parameter value specified in the stack set."
(issue 14, defect 4)"""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from scripts.config.reader import Deployment, StackSetSpec
from scripts.plan.decide import DeployedInstance, DeployedStackSet, DesiredStackSet, Target, plan_stack_set
from scripts.stacksets.deployer import StackSetDeployer
from scripts.stacksets.operations import OperationWaiter

SETTINGS = Deployment("111122223333", "us-east-1", "SELF_MANAGED",
                      "AWSCloudFormationStackSetAdministrationRole",
                      "AWSCloudFormationStackSetExecutionRole", "artifacts",
                      (StackSetSpec("demo", "payment-platform"),),
                      {"region_concurrency": "PARALLEL", "max_concurrent_percentage": 100,
                       "failure_tolerance_count": 0, "concurrency_mode": "SOFT_FAILURE_TOLERANCE"})
OLD = {"Parameters": {"Environment": {"Type": "String", "Default": "unassigned"}},
       "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
NEW = {**OLD, "Parameters": {**OLD["Parameters"], "Size": {"Type": "Number", "Default": "1"}}}
DEV = Target("dev", "123456789012", "us-east-1", {"Environment": "dev", "Size": "2"})
PROD = Target("prod", "345678901234", "us-east-1", {"Environment": "prod", "Size": "8"})
DEPLOYED = DeployedStackSet("demo", OLD, {"Environment": "unassigned"}, {}, {
    DEV.key: DeployedInstance(DEV.account, DEV.region, "CURRENT", {"Environment": "dev"})})
DONE = {"StackSetOperation": {"OperationId": "op", "StackSetId": "demo:1", "Action": "UPDATE",
                              "Status": "SUCCEEDED"}}


def _run(desired: DesiredStackSet) -> list[tuple[str, dict]]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    calls: list[tuple[str, dict]] = []
    client.meta.events.register("provide-client-params.cloudformation.*",
                                lambda params, model, **_: calls.append((model.name, params)))
    plan = plan_stack_set(desired, DEPLOYED)
    writes = (["UpdateStackSet"] + (["CreateStackInstances"] if plan.create_instances else [])
              + (["UpdateStackInstances"] if plan.update_instances else []))
    with Stubber(client) as stub:
        for write in writes:
            name = {"UpdateStackSet": "update_stack_set",
                    "CreateStackInstances": "create_stack_instances",
                    "UpdateStackInstances": "update_stack_instances"}[write]
            stub.add_response(name, {"OperationId": "op"})
            stub.add_response("describe_stack_set_operation", DONE)
            stub.add_response("list_stack_set_operation_results", {"Summaries": []})
        waiter = OperationWaiter(client, timeout=60, on_progress=lambda *a: None, names={},
                                 sleep=lambda s: None)
        ids = iter(f"op-{n}" for n in range(1, 10))
        deployer = StackSetDeployer(client, SETTINGS, waiter, lambda action, envs: next(ids),
                                    template_url=lambda n, b: "unused", say=lambda m: None)
        deployer.apply(desired, plan)
        stub.assert_no_pending_responses()
    return [(name, params) for name, params in calls if not name.startswith(("Describe", "List"))]


def test_a_new_instance_after_a_new_parameter_waits_for_the_stack_set_update() -> None:
    desired = DesiredStackSet("demo", NEW, {"Environment": "unassigned", "Size": "1"}, {}, "d", (PROD,))
    calls = _run(desired)
    assert [name for name, _ in calls] == ["UpdateStackSet", "CreateStackInstances"]
    update = calls[0][1]
    assert "Accounts" not in update and "Regions" not in update  # every instance, as AWS requires
    assert {"ParameterKey": "Size", "ParameterValue": "1"} in update["Parameters"]
    assert {"ParameterKey": "Size", "ParameterValue": "8"} in calls[1][1]["ParameterOverrides"]


def test_existing_instances_get_the_new_parameter_after_the_stack_set_update() -> None:
    desired = DesiredStackSet("demo", NEW, {"Environment": "unassigned", "Size": "1"}, {}, "d", (DEV, PROD))
    calls = _run(desired)
    assert [name for name, _ in calls] == ["UpdateStackSet", "CreateStackInstances",
                                           "UpdateStackInstances"]
    assert "Accounts" not in calls[0][1]
    assert calls[2][1]["Accounts"] == [DEV.account]
    assert {"ParameterKey": "Size", "ParameterValue": "2"} in calls[2][1]["ParameterOverrides"]


def test_without_a_new_parameter_a_stack_set_update_names_only_the_selected_instances() -> None:
    changed = {**OLD, "Description": "changed"}
    desired = DesiredStackSet("demo", changed, {"Environment": "unassigned"}, {}, "d",
                              (Target("dev", DEV.account, DEV.region, {"Environment": "dev"}),))
    calls = _run(desired)
    assert [name for name, _ in calls] == ["UpdateStackSet"]
    assert calls[0][1]["Accounts"] == [DEV.account]

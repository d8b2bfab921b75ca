"""The one comparison behind deploy's no-op detection (and plan): desired vs deployed."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from scripts.actions.desired import desired_stack_sets, placeholder_parameters
from scripts.cli.support import ROOT
from scripts.config.reader import load_config
from scripts.plan.decide import DeployedInstance, DeployedStackSet, DesiredStackSet, Target, plan_stack_set
from scripts.plan.report import report
from templates_py import STACKSET_TEMPLATES

TEMPLATE = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
DEV = Target("dev", "123456789012", "us-east-1", {"Environment": "dev", "Memory": "512"})
STG = Target("staging", "234567890123", "us-east-1", {"Environment": "staging", "Memory": "1024"})
PRD = Target("prod", "345678901234", "us-east-1", {"Environment": "prod", "Memory": "2048"})


def desired(*targets: Target, template: dict = TEMPLATE) -> DesiredStackSet:
    return DesiredStackSet("demo", template, {"Environment": "dev", "Memory": "512"},
                           {"Project": "p"}, "description v1", targets)


def deployed(*targets: Target, status: str = "CURRENT", template: dict = TEMPLATE,
             overrides: dict | None = None) -> DeployedStackSet:
    return DeployedStackSet("demo", template, {"Environment": "dev", "Memory": "512"},
                            {"Project": "p"},
                            {t.key: DeployedInstance(t.account, t.region, status,
                                                     overrides or t.overrides) for t in targets})


def test_missing_stack_set_is_created_with_every_instance() -> None:
    plan = plan_stack_set(desired(DEV, STG), None)
    assert plan.create_stack_set
    assert [g.accounts for g in plan.create_instances] == [[DEV.account], [STG.account]]


def test_identical_state_is_an_empty_plan() -> None:
    assert plan_stack_set(desired(DEV, STG, PRD), deployed(DEV, STG, PRD)).empty


def test_description_alone_is_not_a_change() -> None:
    want = desired(DEV)
    want = DesiredStackSet(want.name, want.template, want.parameters, want.tags, "v2 at abc", want.targets)
    assert plan_stack_set(want, deployed(DEV)).empty


def test_parameter_change_in_one_environment_updates_only_that_instance() -> None:
    bigger = Target("prod", PRD.account, PRD.region, {**PRD.overrides, "Memory": "3008"})
    plan = plan_stack_set(desired(DEV, STG, bigger), deployed(DEV, STG, PRD))
    assert not plan.update_stack_set and not plan.create_instances
    assert [g.accounts for g in plan.update_instances] == [[PRD.account]]
    assert [(c.subject, c.old, c.new, c.environment) for c in plan.changes] == [
        ("Memory", "2048", "3008", "prod")]


def test_template_change_updates_the_stack_set_for_selected_instances_only() -> None:
    changed = {"Resources": {**TEMPLATE["Resources"], "Other": TEMPLATE["Resources"]["Handle"]}}
    plan = plan_stack_set(desired(DEV, template=changed), deployed(DEV, STG, template=TEMPLATE))
    assert [t.environment for t in plan.update_stack_set] == ["dev"]
    assert plan.update_instances == ()


def test_new_environment_is_added_and_shares_one_call_with_equal_overrides() -> None:
    twin = Target("dev", "999999999999", "us-east-1", dict(DEV.overrides))
    plan = plan_stack_set(desired(DEV, twin, PRD), deployed(PRD))
    assert [sorted(g.accounts) for g in plan.create_instances] == [[DEV.account, twin.account]]


def test_outdated_instance_is_retried() -> None:
    plan = plan_stack_set(desired(DEV), deployed(DEV, status="OUTDATED"))
    assert [g.accounts for g in plan.update_instances] == [[DEV.account]]
    assert plan.changes[0].kind == "status"


def test_stack_set_parameters_are_valid_placeholders_independent_of_environments() -> None:
    """The StackSet's own values come from the template, so editing one environment's file
    never changes them (which would update every account), and each satisfies its constraints."""
    config = load_config(ROOT / "params")
    templates = {name: json.loads((ROOT / "build" / "templates" / f"{name}.json").read_text())
                 for name in STACKSET_TEMPLATES}
    for template in templates.values():
        for key, value in placeholder_parameters(template).items():
            spec = template["Parameters"][key]
            assert value in spec.get("AllowedValues", [value]), key
            assert re.fullmatch(spec.get("AllowedPattern", ".*"), value), key
            if spec["Type"] == "Number":
                assert spec.get("MinValue", 0) <= float(value) <= spec.get("MaxValue", 1e9), key
    envs = list(config.environments.values())
    before = desired_stack_sets(config, envs, templates, {}, "d")
    envs[0] = replace(envs[0], values={**envs[0].values, "LambdaMemorySize": "4096"})
    after = desired_stack_sets(config, envs, templates, {}, "d")
    assert [s.parameters for s in before] == [s.parameters for s in after]
    assert after[0].targets[0].overrides["LambdaMemorySize"] == "4096"
    assert [t.overrides for t in before[0].targets[1:]] == [t.overrides for t in after[0].targets[1:]]


def test_resources_an_endpoint_skipped_are_found_and_conditional_ones_ignored() -> None:
    from scripts.build.manifest import MANIFEST_METADATA, missing_resources

    template = {
        "Metadata": {MANIFEST_METADATA: {
            "AlarmArn": {"LogicalId": "Alarm", "Type": "AWS::CloudWatch::Alarm", "Kind": "arn"},
            "TableName": {"LogicalId": "Table", "Type": "AWS::DynamoDB::Table", "Kind": "name"},
            "ZoneId": {"LogicalId": "Zone", "Type": "AWS::Route53::HostedZone", "Kind": "id"}}},
        "Outputs": {"AlarmArn": {"Value": "x"}, "TableName": {"Value": "y"},
                    "ZoneId": {"Value": "z", "Condition": "EdgeOn"}}}
    assert missing_resources(template, {"TableName": "t"}) == [("Alarm", "AWS::CloudWatch::Alarm")]
    assert missing_resources(template, {"TableName": "t", "AlarmArn": "a"}) == []


TABLE = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
                                 "Properties": {"TableName": "payments"}}}}
RENAMED = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
                                   "Properties": {"TableName": "payments-v2"}}}}


def test_an_outdated_instance_is_judged_by_the_template_its_stack_runs() -> None:
    """`deploy dev --allow-data-loss` left the StackSet on the new template and prod OUTDATED,
    still running the old one: the StackSet's template equals the desired one, yet redeploying
    prod replaces its table."""
    have = deployed(DEV, PRD, template=RENAMED)
    have.instances[PRD.key] = replace(have.instances[PRD.key], status="OUTDATED", template=TABLE)
    have.instances[DEV.key] = replace(have.instances[DEV.key], template=RENAMED)

    plan = plan_stack_set(desired(PRD, template=RENAMED), have)

    assert [g.accounts for g in plan.update_instances] == [[PRD.account]]
    assert [(env, r.logical_id, r.replacement) for env, r in plan.data_loss_by_instance] == [
        ("prod", "Table", "True")]
    assert [r.logical_id for r in plan.data_loss] == ["Table"]
    assert plan_stack_set(desired(DEV, template=RENAMED), have).data_loss == []


def test_an_inoperable_instance_is_recovered_and_created_again_never_updated() -> None:
    have = deployed(DEV, STG)
    have.instances[DEV.key] = replace(have.instances[DEV.key], status="INOPERABLE",
                                      stack_id="arn:stack/dev", status_reason="DELETE_FAILED")

    plan = plan_stack_set(desired(DEV, STG), have)

    assert plan.update_instances == () and not plan.update_stack_set
    assert [(r.target.environment, r.stack_id) for r in plan.recover_instances] == [
        ("dev", "arn:stack/dev")]
    assert [g.accounts for g in plan.create_instances] == [[DEV.account]]
    assert not plan.empty


def test_each_account_of_an_environment_is_reported_as_itself() -> None:
    # An environment spread over several accounts (`additional_account_ids`): the JSON, text and
    # markdown plans name every account whose overrides change or that is retried, not the
    # environment's last account once per change.
    twin = Target("dev", "999999999999", "us-east-1", dict(DEV.overrides))
    bigger = [Target("dev", t.account, t.region, {**t.overrides, "Memory": "1024"}) for t in (DEV, twin)]
    third = Target("dev", "888888888888", "us-east-1", dict(DEV.overrides))
    was = deployed(DEV, twin)
    was = replace(was, instances={**was.instances, third.key: DeployedInstance(
        third.account, third.region, "OUTDATED", third.overrides)})
    doc = report([(desired(*bigger, third), plan_stack_set(desired(*bigger, third), was))])
    (s,) = doc["stack_sets"]
    assert [(o["account"], o["key"], o["new"]) for o in s["parameter_overrides"]] == [
        (DEV.account, "Memory", "1024"), (twin.account, "Memory", "1024")]
    assert [(r["account"], r["status"]) for r in s["retry_instances"]] == [(third.account, "OUTDATED")]


def test_a_renamed_role_updates_the_stack_set_for_its_instances() -> None:
    """UpdateStackSet switches the StackSet to the roles it names, so a rename is a StackSet
    change (redeploying the selected instances through the new role), shown with both names."""
    old_roles = {"AdministrationRole": "Admin", "ExecutionRole": "Exec"}
    want = replace(desired(DEV, STG), roles={**old_roles, "ExecutionRole": "PaymentsExec"})
    have = replace(deployed(DEV, STG), roles=old_roles)

    plan = plan_stack_set(want, have)

    assert [(c.kind, c.subject, c.old, c.new) for c in plan.changes] == [
        ("role", "ExecutionRole", "Exec", "PaymentsExec")]
    assert [t.environment for t in plan.update_stack_set] == ["dev", "staging"]

"""`plan` against the emulator after the first rollout: no changes, one parameter, a
stateful replacement, and CloudFormation's exact change-set preview."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from emulated import Platform, answer_with_error
from jsonschema import Draft202012Validator

from scripts.cli.commands.common import make_rollout
from scripts.cli.support import ROOT, Options
from scripts.plan.report import render_text, report

SCHEMAS = ROOT / "scripts" / "schemas"


def valid(document: object, schema: str) -> None:
    Draft202012Validator(json.loads((SCHEMAS / schema).read_text())).validate(document)


def with_prod_memory(platform: Platform, tmp_path: Path, memory: int) -> Path:
    params = tmp_path / "params"
    shutil.copytree(platform.params_dir, params)
    prod = params / "prod.yaml"
    prod.write_text(prod.read_text().replace("memory_mb: 2048", f"memory_mb: {memory}"))
    return params


def test_plan_shows_a_renamed_execution_role_as_a_stack_set_update(deployed: Platform, tmp_path: Path) -> None:
    """UpdateStackSet switches to the roles it names ("CloudFormation uses that role to update
    the stack"), and deploy sends deployment.yaml's: a rename there reaches every account, so the
    plan shows it as a StackSet change, for each StackSet."""
    params = tmp_path / "params"
    shutil.copytree(deployed.params_dir, params)
    deployment = params / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "execution_role_name: AWSCloudFormationStackSetExecutionRole", "execution_role_name: PaymentsExecution"))
    args = ["--params-dir", str(params), "plan", "--all", "--detailed-exitcode"]

    text = deployed.payctl(*args)
    data = deployed.payctl(*args, "--output", "json")

    assert text.exit_code == 2 and data.exit_code == 2, text.output
    assert "StackSet ExecutionRole: AWSCloudFormationStackSetExecutionRole -> PaymentsExecution" in text.output
    doc = json.loads(data.stdout)
    valid(doc, "plan.schema.json")
    assert [s["stack_set_roles"] for s in doc["stack_sets"]] == [[{
        "key": "ExecutionRole", "old": "AWSCloudFormationStackSetExecutionRole", "new": "PaymentsExecution"}]] * 2
    assert all(s["action"] == "update" and s["stack_set_update"] for s in doc["stack_sets"])


def test_plan_after_deploy_has_no_changes(deployed: Platform) -> None:
    result = deployed.payctl("plan", "--all", "--detailed-exitcode", "--output", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    valid(doc, "plan.schema.json")
    assert doc["changes"] is False


def test_plan_shows_one_parameter_for_prod_only(deployed: Platform, tmp_path: Path) -> None:
    params = with_prod_memory(deployed, tmp_path, 3072)
    args = ["--params-dir", str(params), "plan", "--all", "--detailed-exitcode"]

    text = deployed.payctl(*args)
    data = deployed.payctl(*args, "--output", "json")

    assert text.exit_code == 2 and data.exit_code == 2
    assert "prod (345678901234 us-east-1)\n    LambdaMemorySize: 2048 -> 3072" in text.output
    doc = json.loads(data.stdout)
    valid(doc, "plan.schema.json")
    platform, edge = doc["stack_sets"]
    assert edge["action"] == "none"
    assert platform["parameter_overrides"] == [{"environment": "prod", "account": "345678901234",
                                                "region": "us-east-1", "key": "LambdaMemorySize",
                                                "old": "2048", "new": "3072"}]
    assert platform["update_instances"] == [{"environment": "prod", "account": "345678901234",
                                             "region": "us-east-1"}]
    assert not platform["stack_set_update"] and not platform["resources"]


def test_plan_flags_replacing_the_transactions_table(deployed: Platform) -> None:
    rollout = make_rollout(Options(deployed.params_dir, deployed.build_dir, None, None, deployed.url),
                           deployed.config)
    templates = rollout.templates()
    changed = copy.deepcopy(templates)
    table = changed["payment-platform"]["Resources"]["TransactionsTable"]["Properties"]
    table["KeySchema"] = [{"AttributeName": "transaction_id", "KeyType": "HASH"}]
    rollout.templates = lambda: changed

    plans = rollout.plan(list(deployed.config.environments.values()))

    [lost] = plans[0][1].data_loss
    # The resource schema lists KeySchema as conditionally create-only: CloudFormation's own
    # change set says "Conditional" too. Either way the table is stateful, so it is flagged.
    assert (lost.logical_id, lost.replacement) == ("TransactionsTable", "Conditional")
    text = render_text(report(plans))
    assert "~ TransactionsTable  AWS::DynamoDB::Table  MAY BE REPLACED  !! STATEFUL" in text
    assert "deploy refuses this without --allow-data-loss" in text
    assert rollout.aws.write_calls() == 0


def test_exact_preview_is_cloudformations_change_set_for_the_prod_stack(
        deployed: Platform, tmp_path: Path) -> None:
    params = with_prod_memory(deployed, tmp_path, 4096)

    result = deployed.payctl("--params-dir", str(params), "plan", "prod", "--exact", "--output", "json")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    valid(doc, "plan.schema.json")
    platform = next(p for p in doc["exact"] if p["stack_set"] == "payment-platform")
    assert platform["stack_id"].split(":")[4] == "345678901234"
    assert {(c["action"], c["logical_id"]) for c in platform["changes"]} == {
        ("Modify", "PaymentProcessorFunction"), ("Modify", "SessionManagerFunction")}
    stacks = deployed.client("cloudformation", "prod")
    assert stacks.list_change_sets(StackName=platform["stack_id"])["Summaries"] == []


def test_status_json_validates(deployed: Platform) -> None:
    result = deployed.payctl("status", "--output", "json")
    valid(json.loads(result.stdout), "status.schema.json")


def test_plan_warns_on_stderr_that_a_reserved_domain_never_validates(deployed: Platform) -> None:
    result = deployed.payctl("plan", "dev", "--output", "json")
    assert result.exit_code == 0
    assert "dev.yaml: edge.domain: dev.api.example.com is under the reserved name example.com" \
        in result.stderr
    assert "warning" not in result.stdout


def test_an_exact_preview_that_fails_fails_the_plan(deployed: Platform, tmp_path: Path,
                                                    monkeypatch) -> None:
    """Issue 24: a change set that could not be made was a note beside a plan that exited 0,
    so a pipeline reviewing `plan --exact` saw a plan without its preview. Now it is exit 1."""
    answer_with_error(monkeypatch, "cloudformation.CreateChangeSet", 403, (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
        b"authorized to perform: cloudformation:CreateChangeSet</Message></Error></ErrorResponse>"))
    params = with_prod_memory(deployed, tmp_path, 4096)
    result = deployed.payctl("--params-dir", str(params), "plan", "prod", "--exact")
    assert result.exit_code == 1
    assert result.output == ("error: plan --exact: the change set on payment-platform / prod "
                             "(345678901234 us-east-1) failed: AccessDenied: not authorized to "
                             "perform: cloudformation:CreateChangeSet\n")

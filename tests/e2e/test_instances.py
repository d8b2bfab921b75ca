"""Each instance judged by its own stack: what it runs, the operation that last touched it, a
failure inside a SUCCEEDED operation, and manifests after a partial failure (over HTTP)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from emulated import TIME_SCALE, Platform

from scripts.actions.rollout import Rollout
from scripts.actions.status import collect
from scripts.cli.commands.common import make_rollout
from scripts.cli.support import Options
from scripts.errors import UnsafeChange
from scripts.plan.report import render_text, report


def rollout(platform: Platform, monkeypatch: pytest.MonkeyPatch,
            templates: dict[str, dict[str, Any]] | None = None) -> Rollout:
    monkeypatch.setenv("PAYCTL_POLL_SCALE", str(TIME_SCALE))
    made = make_rollout(Options(platform.params_dir, platform.build_dir, None, None, platform.url),
                        platform.config)
    if templates is not None:
        made.templates = lambda: templates  # type: ignore[method-assign]
    return made


def renamed_log_group(platform: Platform,
                      monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The platform's template with the flow-log group renamed: CloudFormation replaces it
    (LogGroupName is create-only); the old group, retained, keeps the logs, and the stack
    writes to a new, empty one."""
    changed = copy.deepcopy(rollout(platform, monkeypatch).templates())
    group = changed["payment-platform"]["Resources"]["FlowLogGroup"]["Properties"]
    group["LogGroupName"] = {"Fn::Sub": "/aws/vpc/payment-vpc-${Environment}/flow-logs-v2"}
    return changed


def status_rows(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                templates: dict[str, dict[str, Any]] | None = None) -> dict[tuple[str, str], Any]:
    made = rollout(platform, monkeypatch, templates)
    rows = collect(made.cfn, platform.config, list(platform.config.environments.values()),
                   made.templates(), made.stack_client)
    return {(r.stack_set, r.environment): r for r in rows}


def test_an_outdated_instance_is_judged_by_the_template_its_stack_runs(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """`deploy dev --allow-data-loss` replaces dev's flow-log group; UpdateStackSet marks prod OUTDATED,
    and prod's stack still runs the old template. `deploy prod` must refuse the replacement
    for prod too, plan must show it for prod, and status must not call prod current."""
    assert fresh.payctl("bootstrap").exit_code == 0
    first = fresh.payctl("deploy", "dev", "prod", "--no-manifests")
    assert first.exit_code == 0, first.output
    changed = renamed_log_group(fresh, monkeypatch)
    config = fresh.config

    rollout(fresh, monkeypatch, changed).deploy([config.environments["dev"]], allow_data_loss=True)

    plans = rollout(fresh, monkeypatch, changed).plan([config.environments["prod"]])
    with pytest.raises(UnsafeChange, match=r"FlowLogGroup .* replaced in prod"):
        rollout(fresh, monkeypatch, changed).deploy([config.environments["prod"]])
    text = render_text(report(plans))
    assert "~ instance prod (345678901234 us-east-1) runs another template" in text
    assert "FlowLogGroup  AWS::Logs::LogGroup  REPLACEMENT  !! STATEFUL" in text
    rows = status_rows(fresh, monkeypatch, changed)
    platform = "payment-platform"
    assert (rows[(platform, "prod")].status, rows[(platform, "prod")].template) == \
        ("OUTDATED", "behind build")
    assert rows[(platform, "dev")].template == "current"
    groups = fresh.client("logs", "prod").describe_log_groups()["logGroups"]
    assert "/aws/vpc/payment-vpc-prod/flow-logs-v2" not in {g["logGroupName"] for g in groups}


def test_status_names_the_operation_that_last_touched_each_instance(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    assert fresh.payctl("deploy", "dev", "prod", "--no-manifests").exit_code == 0
    path = fresh.params_dir / "prod.yaml"
    path.write_text(path.read_text().replace("memory_mb: 2048", "memory_mb: 3072"))
    assert fresh.payctl("deploy", "prod", "--no-manifests").exit_code == 0

    result = fresh.payctl("status", "--output", "json")

    assert result.exit_code == 0, result.output
    rows = {(r["stack_set"], r["environment"]): r for r in json.loads(result.output)}
    platform = "payment-platform"
    assert rows[(platform, "dev")]["last_operation_id"].startswith("add-dev-")
    assert rows[(platform, "prod")]["last_operation_id"].startswith("params-prod-")
    assert rows[(platform, "dev")]["last_operation_status"] == "SUCCEEDED"
    staging = rows[(platform, "staging")]
    assert (staging["status"], staging["template"], staging["deployed_digest"],
            staging["last_operation_id"]) == ("NOT DEPLOYED", "not deployed", None, None)
    assert rows[(platform, "dev")]["template"] == "current"
    text = fresh.payctl("status").output
    staging_line = next(line for line in text.splitlines() if line.startswith(f"{platform}  ")
                        and " staging " in line)
    assert "current" not in staging_line


def with_failure_tolerance(platform: Platform, count: int) -> None:
    path = platform.params_dir / "deployment.yaml"
    path.write_text(path.read_text().replace("failure_tolerance_count: 0",
                                             f"failure_tolerance_count: {count}"))


def take_role_name(platform: Platform, env: str) -> None:
    """Make the environment's stack fail: its flow-log role's name is taken in its account
    (a taken retained name would be refused before any operation; see test_redeploy_adopts)."""
    platform.client("iam", env).create_role(
        RoleName=f"payment-flow-logs-role-{env}", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"}}]}))


def test_an_account_failing_inside_a_succeeded_operation_fails_the_deploy(fresh: Platform) -> None:
    """With a failure tolerance of 1, dev's failure leaves the operation SUCCEEDED: deploy must
    still name the account and its reason, exit 1, and write no manifest for it."""
    with_failure_tolerance(fresh, 1)
    assert fresh.payctl("bootstrap").exit_code == 0
    take_role_name(fresh, "dev")

    result = fresh.payctl("deploy", "dev")

    assert result.exit_code == 1, result.output
    assert "accounts failed inside operations that SUCCEEDED" in result.output
    assert "dev (123456789012 us-east-1): FAILED" in result.output
    assert "retry only these: payctl deploy dev" in result.output
    assert not (fresh.build_dir / "manifests" / "resource-manifest-dev.json").exists()


def test_a_waves_rollout_failing_in_staging_still_refreshes_devs_manifest(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    assert fresh.payctl("deploy", "dev").exit_code == 0
    manifests = fresh.build_dir / "manifests"
    stale_prod = {"stale": True}
    (manifests / "resource-manifest-prod.json").write_text(json.dumps(stale_prod))
    dev = fresh.params_dir / "dev.yaml"
    dev.write_text(dev.read_text().replace("memory_mb: 512", "memory_mb: 768"))
    take_role_name(fresh, "staging")

    result = fresh.payctl("deploy", "--all")

    assert result.exit_code == 1, result.output
    manifest = json.loads((manifests / "resource-manifest-dev.json").read_text())
    [platform] = [s for s in manifest["stack_sets"] if s["name"] == "payment-platform"]
    assert platform["parameters"]["LambdaMemorySize"] == "768"
    assert platform["last_operation_id"].startswith("params-dev-")
    assert not (manifests / "resource-manifest-staging.json").exists()
    assert json.loads((manifests / "resource-manifest-prod.json").read_text()) == stale_prod
    assert "manifest not refreshed: staging (234567890123)" in result.output
    assert "manifest not refreshed: prod (345678901234)" in result.output


def test_an_inoperable_instance_is_recovered_and_re_attached_in_one_deploy(fresh: Platform) -> None:
    """A hand-made subnet keeps dev's VPC from being deleted: `destroy dev` fails and leaves the
    instance INOPERABLE, which AWS will not update. deploy must not send UpdateStackInstances:
    it finishes the deletion of the stack (refusing, with the reason, while it still cannot be
    deleted), removes the instance with RetainStacks, and, in the same deploy, builds the new
    instance's stack around the retained resources (resource import, ImportStacksToStackSet)
    instead of creating it beside them: the instance is CURRENT and the data written before is
    read through it."""
    assert fresh.payctl("bootstrap").exit_code == 0
    assert fresh.payctl("deploy", "dev", "--no-manifests").exit_code == 0
    item = {"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}, "customer_id": {"S": "c-1"}}
    fresh.client("dynamodb", "dev").put_item(TableName="payment-transactions-dev", Item=item)
    audit = "payment-audit-logs-dev-123456789012-us-east-1"
    fresh.client("s3", "dev").put_object(Bucket=audit, Key="audit/t-1.json", Body=b'{"t": 1}')
    ec2 = fresh.client("ec2", "dev")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": ["dev"]}])["Vpcs"][0]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.200.0/24")["Subnet"]["SubnetId"]
    destroyed = fresh.payctl("destroy", "dev", "--yes")
    assert destroyed.exit_code == 1, destroyed.output
    rows = json.loads(fresh.payctl("status", "dev", "--output", "json").output)
    assert {r["status"] for r in rows if r["stack_set"] == "payment-platform"} == {"INOPERABLE"}

    plan = fresh.payctl("plan", "dev")
    assert "instance dev (123456789012 us-east-1) is INOPERABLE" in plan.output
    assert "deploy deletes its stack (Retain resources, the data, stay), removes the instance " \
        "with RetainStacks and creates it again, adopting the retained resources" in plan.output
    assert "payment-platform / dev (123456789012 us-east-1): adopts retained resources into a " \
        "new stack (after recovering the INOPERABLE instance" in plan.output
    assert "adopt     TransactionsTable  AWS::DynamoDB::Table  payment-transactions-dev" \
        in plan.output
    cfn = fresh.aws().client("cloudformation")
    [stack_id] = {r["StackId"] for r in cfn.list_stack_instances(
        StackSetName="payment-platform")["Summaries"]}

    blocked = fresh.payctl("deploy", "dev", "--no-manifests")

    assert blocked.exit_code == 1
    assert "still cannot be deleted: DependencyViolation" in blocked.output
    assert "the instance stays INOPERABLE" in blocked.output
    assert "InvalidOperationException" not in blocked.output
    [instance] = cfn.list_stack_instances(StackSetName="payment-platform")["Summaries"]
    assert instance["Status"] == "INOPERABLE"

    ec2.delete_subnet(SubnetId=subnet)
    recovered = fresh.payctl("deploy", "dev", "--no-manifests")

    assert recovered.exit_code == 0, recovered.output
    operations = sorted(cfn.list_stack_set_operations(StackSetName="payment-platform")["Summaries"],
                        key=lambda op: op["CreationTimestamp"])
    assert [op["Action"] for op in operations] == ["CREATE", "DELETE", "DELETE", "CREATE"]
    release = cfn.describe_stack_set_operation(StackSetName="payment-platform",
                                               OperationId=operations[2]["OperationId"])
    assert release["StackSetOperation"]["RetainStacks"] is True
    assert release["StackSetOperation"]["Status"] == "SUCCEEDED"
    assert operations[3]["OperationId"].startswith("adopt-dev-")  # ImportStacksToStackSet
    stacks = fresh.client("cloudformation", "dev")
    assert stack_id not in {s["StackId"] for s in stacks.list_stacks()["StackSummaries"]
                            if s["StackStatus"] != "DELETE_COMPLETE"}
    [instance] = cfn.list_stack_instances(StackSetName="payment-platform")["Summaries"]
    assert instance["Status"] == "CURRENT" and instance["StackId"] != stack_id
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for page in
                 stacks.get_paginator("list_stack_resources").paginate(StackName=instance["StackId"])
                 for r in page["StackResourceSummaries"]}
    table, bucket = resources["TransactionsTable"], resources["AuditLogBucket"]
    assert (table, bucket) == ("payment-transactions-dev", audit)
    assert fresh.client("dynamodb", "dev").scan(TableName=table)["Items"] == [item]
    assert fresh.client("s3", "dev").get_object(
        Bucket=bucket, Key="audit/t-1.json")["Body"].read() == b'{"t": 1}'
    rows = json.loads(fresh.payctl("status", "dev", "--output", "json").output)
    assert {r["status"] for r in rows} == {"CURRENT"}
    assert fresh.payctl("plan", "dev", "--detailed-exitcode").exit_code == 0

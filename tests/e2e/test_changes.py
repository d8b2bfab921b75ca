"""Day-to-day changes over HTTP: each touches exactly what it should and nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import botocore.awsrequest
from emulated import TIME_SCALE, Platform, deploy_all

from scripts.actions.rollout import Rollout
from scripts.cli.commands.common import make_rollout
from scripts.cli.support import ROOT, Options


def operations(platform: Platform, stack_set: str) -> list[dict]:
    """Oldest first. ListStackSetOperations promises no order, so sort by creation time."""
    cfn = platform.aws().client("cloudformation")
    pages = cfn.get_paginator("list_stack_set_operations").paginate(StackSetName=stack_set)
    return sorted((op for page in pages for op in page["Summaries"]),
                  key=lambda op: op["CreationTimestamp"])


def memory(platform: Platform, env: str) -> int:
    return platform.client("lambda", env).get_function_configuration(
        FunctionName=f"payment-processor-{env}")["MemorySize"]


def test_parameter_change_in_one_environment_updates_only_that_instance(fresh: Platform) -> None:
    deploy_all(fresh)
    before = {s: len(operations(fresh, s)) for s in ("payment-platform", "payment-platform-edge")}
    path = fresh.params_dir / "staging.yaml"
    path.write_text(path.read_text().replace("memory_mb: 1024", "memory_mb: 1536"))

    result = fresh.payctl("deploy", "--all", "--no-manifests")

    assert result.exit_code == 0, result.output
    assert "payment-platform: updating instances for staging" in result.output
    assert len(operations(fresh, "payment-platform-edge")) == before["payment-platform-edge"]
    new = operations(fresh, "payment-platform")[before["payment-platform"]:]
    assert len(new) == 1 and new[0]["OperationId"].startswith("params-staging-")
    results = fresh.aws().client("cloudformation").list_stack_set_operation_results(
        StackSetName="payment-platform", OperationId=new[0]["OperationId"])["Summaries"]
    assert [r["Account"] for r in results] == [fresh.config.environments["staging"].account_id]
    assert (memory(fresh, "dev"), memory(fresh, "staging"), memory(fresh, "prod")) == (512, 1536, 2048)


def test_code_change_changes_only_the_code_key(fresh: Platform, tmp_path: Path) -> None:
    deploy_all(fresh)
    lambdas = tmp_path / "lambdas"
    shutil.copytree(ROOT / "lambdas", lambdas, ignore=shutil.ignore_patterns("__pycache__"))
    handler = lambdas / "payment_processor" / "handler.py"
    handler.write_text(handler.read_text() + "\n# a change to the processor only\n")
    opts = Options(fresh.params_dir, fresh.build_dir, None, None, fresh.url)
    base = make_rollout(opts, fresh.config)
    rollout = Rollout(base.config, base.aws, fresh.build_dir, base.progress, 600, lambdas_dir=lambdas,
                      poll_scale=TIME_SCALE)
    environments = list(fresh.config.environments.values())

    def code(function: str) -> str:
        return fresh.client("lambda", "prod").get_function_configuration(
            FunctionName=f"{function}-prod")["CodeSha256"]

    before = code("payment-processor"), code("session-manager")
    (_, platform), (_, edge) = rollout.plan(environments)

    assert edge.empty and not platform.update_stack_set
    overrides = [c for c in platform.changes if c.kind == "override"]
    assert {c.subject for c in overrides} == {"PaymentProcessorCodeKey"}
    assert {c.environment for c in overrides} == {"dev", "staging", "prod"}

    rollout.deploy(environments)

    assert code("payment-processor") != before[0]
    assert code("session-manager") == before[1]


def test_throttled_calls_are_retried_by_botocore(fresh: Platform) -> None:
    """The emulator answers the first describe calls with Throttling; the deploy still succeeds,
    retried by botocore's retry mode rather than by a loop of ours."""
    throttled = []

    def throttle(request: botocore.awsrequest.AWSPreparedRequest, **_: object) -> object:
        if len(throttled) < 2:
            throttled.append(request.url)
            body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                    b"<Message>Rate exceeded</Message></Error></ErrorResponse>")
            return botocore.awsrequest.AWSResponse(request.url, 400, {}, _Raw(body))
        return None

    opts = Options(fresh.params_dir, fresh.build_dir, None, None, fresh.url)
    assert fresh.payctl("bootstrap").exit_code == 0
    rollout = make_rollout(opts, fresh.config)
    rollout.cfn.meta.events.register("before-send.cloudformation.DescribeStackSetOperation", throttle)

    rollout.deploy([fresh.config.environments["dev"]])

    assert len(throttled) == 2  # each answered Throttling, then botocore retried the same call
    status = fresh.payctl("status", "dev", "--output", "json")
    assert {row["status"] for row in json.loads(status.output)} == {"CURRENT"}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: object) -> list[bytes]:
        return [self.body]


def test_a_fleet_of_accounts_sharing_values_is_deployed_in_grouped_calls(fresh: Platform) -> None:
    fleet = [f"9000000000{n:02d}" for n in range(1, 6)]
    dev = fresh.params_dir / "dev.yaml"
    dev.write_text(dev.read_text() + "additional_account_ids: [" + ", ".join(f'"{a}"' for a in fleet) + "]\n")
    assert fresh.payctl("bootstrap").exit_code == 0
    rollout = make_rollout(Options(fresh.params_dir, fresh.build_dir, None, None, fresh.url), fresh.config)
    environments = list(fresh.config.environments.values())

    rollout.deploy(environments)
    paths = rollout.exports.write_all(environments, fresh.build_dir / "manifests")

    # dev's six accounts share one set of overrides: one call for them, one each for staging
    # and prod, per StackSet
    assert rollout.aws.calls["cloudformation:CreateStackInstances"] == 6
    assert len(paths) == 8
    accounts = {json.loads(p.read_text())["account_id"] for p in paths}
    assert set(fleet) < accounts
    assert memory(fresh, "dev") == 512
    lam = fresh.aws().client("lambda", fresh.aws().in_account(fleet[-1], "AWSCloudFormationStackSetExecutionRole"))
    assert lam.get_function_configuration(FunctionName="payment-processor-dev")["MemorySize"] == 512


def _operation_environments(platform: Platform) -> list[tuple[str, str]]:
    """(StackSet, environments) of every operation, oldest first."""
    cfn = platform.aws().client("cloudformation")
    ops = [(op["CreationTimestamp"], name, op["OperationId"].split("-")[1])
           for name in ("payment-platform", "payment-platform-edge")
           for op in cfn.list_stack_set_operations(StackSetName=name)["Summaries"]]
    return [(name, env) for _, name, env in sorted(ops)]


def test_waves_roll_out_one_environment_at_a_time_and_stop_at_a_failed_wave(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    # staging's stack fails: an IAM role already holds a name it gives (a retained name taken
    # elsewhere would stop deploy before any operation, see test_redeploy_adopts)
    fresh.client("iam", "staging").create_role(
        RoleName="payment-flow-logs-role-staging", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"}}]}))

    result = fresh.payctl("deploy", "--all")

    assert result.exit_code == 1
    assert _operation_environments(fresh) == [("payment-platform", "dev"), ("payment-platform-edge", "dev"),
                                              ("payment-platform", "staging")]
    rows = json.loads(fresh.payctl("status", "--output", "json").output)
    state = {(r["stack_set"], r["environment"]): r["status"] for r in rows}
    assert state[("payment-platform", "dev")] == state[("payment-platform-edge", "dev")] == "CURRENT"
    assert state[("payment-platform", "prod")] == "NOT DEPLOYED"


def test_parallel_runs_one_operation_per_environment(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0

    result = fresh.payctl("deploy", "--all", "--strategy", "parallel", "--no-manifests")

    assert result.exit_code == 0, result.output
    operations = _operation_environments(fresh)
    assert sorted(operations) == sorted((s, e) for s in ("payment-platform", "payment-platform-edge")
                                        for e in ("dev", "staging", "prod"))
    rows = json.loads(fresh.payctl("status", "--output", "json").output)
    assert {r["status"] for r in rows} == {"CURRENT"}

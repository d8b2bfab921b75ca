"""The platform's rollout: package and upload the code, deploy each StackSet, export manifests.

This is the library the CLI commands call. It wires the pure parts (config, rendered templates,
plans) to the thin AWS layer (artifacts, deployer, waiter) and owns nothing else.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from scripts.artifacts import Artifacts, bucket_policy
from scripts.aws import Aws, describe
from scripts.build import render, template_path
from scripts.config import Config, Environment
from scripts.deployer import StackSetDeployer
from scripts.domains import edge_warnings
from scripts.errors import DeploymentError, UnsafeChange
from scripts.manifest import (
    InstanceOutputs,
    build_manifest,
    manifest_path,
    missing_resources,
    write_atomically,
)
from scripts.operations import OperationWaiter
from scripts.plan import DeployedStackSet, DesiredStackSet, StackSetPlan, Target, plan_stack_set
from scripts.progress import Progress
from templates_py.blueprint import MANAGED_BY, PROJECT
from templates_py.compute import PAYMENT_PROCESSOR, SESSION_MANAGER
from templates_py.parameters import CODE_BUCKET

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = (PAYMENT_PROCESSOR, SESSION_MANAGER)
STACK_SET_TAGS = {"Project": PROJECT, "ManagedBy": MANAGED_BY}


def git_revision(root: Path = ROOT) -> str:
    """HEAD's short id, with `-dirty` when templates_py, params or lambdas have uncommitted
    changes (scripts/provenance.py)."""
    from scripts.provenance import revision

    return revision(root)


def project_version() -> str:
    try:
        return metadata.version("payment-platform-infra")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def operation_ids(revision: str, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                  token: Callable[[], str] = lambda: secrets.token_hex(3)
                  ) -> Callable[[str, list[str]], str]:
    """Readable operation ids, unique per request, such as
    `update-dev-staging-3f2a9c1d-20261122T134205Z-1-9b1c3e`: action, environments, revision,
    UTC time, a counter, and a random token, so two deploys in the same second never send the
    same OperationId (AWS would take the second for a retry of the first). The API allows
    letters, digits and hyphens, 128 characters: the action and environments give way first."""
    counter = iter(range(1, 1_000_000))

    def make(action: str, environments: list[str]) -> str:
        stamp = now().strftime("%Y%m%dT%H%M%SZ")
        tail = f"-{revision}-{stamp}-{next(counter)}-{token()}"
        head = re.sub(r"[^A-Za-z0-9-]", "-", f"{action}-{'-'.join(environments)}")
        return head[:128 - len(tail)] + tail

    return make


PLACEHOLDER_TEXTS = ("unassigned", "unassigned.example.com")


def placeholder_parameters(template: dict[str, Any]) -> dict[str, str]:
    """StackSet-level parameter values that no instance runs on: every instance overrides every
    parameter. They come from the template alone, so changing one environment's values changes
    only that environment's instance, never the StackSet (which would touch every account)."""
    values = {}
    for name, spec in template.get("Parameters", {}).items():
        if "Default" in spec:
            values[name] = str(spec["Default"])
        elif spec.get("AllowedValues"):
            values[name] = str(spec["AllowedValues"][0])
        elif spec.get("Type") == "Number":
            values[name] = str(spec.get("MinValue", 0))
        else:
            pattern = spec.get("AllowedPattern", ".*")
            values[name] = next((t for t in PLACEHOLDER_TEXTS if re.fullmatch(pattern, t)), "")
    return values


def desired_stack_sets(config: Config, environments: list[Environment],
                       templates: dict[str, dict[str, Any]], code: dict[str, str],
                       description: str) -> list[DesiredStackSet]:
    """Every StackSet as it should be, with each environment's values as instance overrides."""
    result = []
    for spec in config.deployment.stacksets:
        template = templates[spec.template]
        names = list(template.get("Parameters", {}))

        def values(env: Environment, names: list[str] = names) -> dict[str, str]:
            merged = {**env.values, **code}
            return {n: merged[n] for n in names if n in merged}

        result.append(DesiredStackSet(
            name=spec.name, template=template, parameters=placeholder_parameters(template),
            tags=dict(STACK_SET_TAGS),
            description=f"{description}: {template.get('Description', spec.template)}"[:1024],
            targets=tuple(Target(env.name, account, env.region, values(env))
                          for env in environments for account in env.account_ids)))
    return result


@dataclass
class StackSetResult:
    name: str
    plan: StackSetPlan
    operations: list[str] = field(default_factory=list)


class Rollout:
    def __init__(self, config: Config, aws: Aws, build_dir: Path, progress: Progress,
                 timeout: float, lambdas_dir: Path = ROOT / "lambdas",
                 revision: str | None = None, keep_build: bool = False,
                 poll_scale: float = 1.0) -> None:
        self.config = config
        self.keep_build = keep_build  # deploy keeps build/ in step; plan, status, drift do not
        self.aws = aws
        self.build_dir = build_dir
        self.lambdas_dir = lambdas_dir
        self.progress = progress
        self.revision = revision or git_revision()
        names = config.account_names()
        self.cfn = aws.client("cloudformation")
        self.waiter = OperationWaiter(self.cfn, timeout, progress, names, poll_scale=poll_scale)
        self.artifacts = Artifacts(
            aws.client("s3"), config.deployment.artifacts_bucket, aws.region,
            bucket_policy(config.deployment.artifacts_bucket, aws.partition,
                          list(config.account_names())))
        self.deployer = StackSetDeployer(
            self.cfn, config.deployment, self.waiter, operation_ids(self.revision),
            self.artifacts.template_url, partition=aws.partition, say=progress.say,
            sleep=lambda seconds: time.sleep(seconds * poll_scale))

    # -- inputs ------------------------------------------------------------------------------

    def templates(self) -> dict[str, dict[str, Any]]:
        """Render the sources in memory and return the StackSet templates; with `keep_build`
        (deploy), also keep build/ in step. plan, status and drift write nothing."""
        from scripts.build import write as write_files
        from templates_py import STACKSET_TEMPLATES

        files = render(self.config)
        if self.keep_build:
            write_files(self.build_dir, files)
        return {name: json.loads(files[template_path(name)]) for name in STACKSET_TEMPLATES}

    def code_parameters(self, upload: bool) -> dict[str, str]:
        """Package the functions locally; the code-location parameter values. With `upload`,
        also put any new zip in the artifacts bucket (plan passes False and writes nothing)."""
        from scripts.packaging import build_all

        if upload:
            self.artifacts.ensure_bucket()
        packages = {p.function: p for p in build_all(
            self.lambdas_dir, self.build_dir / "dist" if upload else None)}
        code = {CODE_BUCKET.name: self.config.deployment.artifacts_bucket}
        for spec in FUNCTIONS:
            package = packages[spec.base_name.replace("-", "_")]
            if upload:
                self.artifacts.upload_file(package.s3_key, package.zip_path)
            code[spec.code_key.name] = package.s3_key
        return code

    def desired(self, environments: list[Environment], upload: bool) -> list[DesiredStackSet]:
        description = f"Payment platform {project_version()} (git {self.revision})"
        return desired_stack_sets(self.config, environments, self.templates(),
                                  self.code_parameters(upload), description)

    # -- plan and deploy -----------------------------------------------------------------------

    def read(self, desired: list[DesiredStackSet]) -> list[DeployedStackSet | None]:
        """Read every StackSet (and its selected instances) at once."""
        with ThreadPoolExecutor(max_workers=len(desired) or 1) as pool:
            return list(pool.map(lambda d: self.deployer.read(d.name, d.targets), desired))

    def plan(self, environments: list[Environment], upload: bool = False
             ) -> list[tuple[DesiredStackSet, StackSetPlan]]:
        return self._plan(self.desired(environments, upload=upload))

    def _plan(self, desired: list[DesiredStackSet]) -> list[tuple[DesiredStackSet, StackSetPlan]]:
        return [(want, plan_stack_set(want, have))
                for want, have in zip(desired, self.read(desired), strict=True)]

    def exact_previews(self, environments: list[Environment]) -> list[Any]:
        """Change-set previews of each selected account's stack, through the execution role.
        A template too large to pass inline goes to the artifacts bucket (content-addressed)."""
        from scripts.exact_preview import preview_all

        desired = self.desired(environments, upload=False)
        role = self.config.deployment.execution_role_name

        def client_in(target: Target) -> Any:
            return self.aws.client("cloudformation", self.aws.in_account(target.account, role))

        return preview_all(desired, self.read(desired), client_in, self.artifacts.template_url)

    def deploy(self, environments: list[Environment], allow_data_loss: bool = False,
               strategy: str = "waves", wait_for_others: bool = False) -> list[StackSetResult]:
        """Plan every StackSet first and refuse data loss unless allowed; then roll out.

        `waves`: one environment at a time in order (dev, staging, prod), every StackSet for it,
        re-planned against what the earlier waves left; a failed wave stops the rest.
        `parallel`: the StackSets side by side, each running its operations one after another
        (AWS queues a StackSet's operations), every environment following the StackSet before.
        """
        from scripts.others import wait_or_refuse

        desired = self.desired(environments, upload=True)
        plans = self._plan(desired)
        if wait_or_refuse(self.cfn, [p.name for _, p in plans if not p.empty], wait_for_others,
                          self.waiter.wait, self.progress.say):
            plans = self._plan(desired)  # against what the others left
        risky = [f"{plan.name}: {r.logical_id} ({r.type}) would be "
                 f"{'removed' if r.action == 'remove' else 'replaced'}"
                 for _, plan in plans for r in plan.data_loss]
        if risky and not allow_data_loss:
            raise UnsafeChange("refusing to deploy: stateful resources would lose their data "
                               f"({'; '.join(risky)}); check with `payctl plan`, and pass "
                               "--allow-data-loss only if that is intended")
        results = [StackSetResult(want.name, plan) for want, plan in plans]
        if all(plan.empty for _, plan in plans):
            for want, _ in plans:
                self.progress.say(f"{want.name}: no changes")
            return results
        for warning in edge_warnings(environments):
            self.progress.say(warning)
        if strategy == "parallel" or len(environments) == 1:
            return self._pipelined(plans, results)
        for env in environments:
            # each wave is planned only once the one before it has finished
            wave = self._plan([replace(want, targets=tuple(
                t for t in want.targets if t.environment == env.name)) for want in desired])
            for result, (want, plan) in zip(results, wave, strict=True):
                result.operations += self._apply(want, plan)
        return results

    def _pipelined(self, plans: list[tuple[DesiredStackSet, StackSetPlan]],
                   results: list[StackSetResult]) -> list[StackSetResult]:
        """Every StackSet's operations one after another (AWS queues them anyway), the StackSets
        side by side, each environment following the previous StackSet (`scripts.schedule`)."""
        from scripts.schedule import run_pipelined

        stages = []
        for want, plan in plans:
            if plan.empty:
                self.progress.say(f"{want.name}: no changes")
            stages.append([replace(step, run=lambda step=step, name=want.name: self._guarded(
                name, step.run)) for step in self.deployer.steps(want, plan)])
        interrupted = threading.Event()
        sleep = self.waiter.sleep

        def interruptible(seconds: float) -> None:
            if interrupted.wait(seconds):
                raise KeyboardInterrupt  # the waiter reports it with the operation id

        self.waiter.sleep = interruptible
        try:
            for result, operations in zip(results, run_pipelined(stages, interrupted), strict=True):
                result.operations += operations
        finally:
            self.waiter.sleep = sleep
        return results

    def _apply(self, want: DesiredStackSet, plan: StackSetPlan) -> list[str]:
        if plan.empty:
            self.progress.say(f"{want.name}: no changes")
            return []
        return self._guarded(want.name, lambda: self.deployer.apply(want, plan))

    @staticmethod
    def _guarded(name: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except DeploymentError:
            raise
        except Exception as err:  # an AWS error outside an operation: one line, exit 1
            raise DeploymentError(f"{name}: {describe(err)}") from None

    # -- manifests -----------------------------------------------------------------------------

    def manifests(self, environments: list[Environment], out_dir: Path) -> list[Path]:
        """One manifest per account, read concurrently, each account through one session."""
        names = [s.name for s in self.config.deployment.stacksets]
        stack_sets = {n: self.cfn.describe_stack_set(StackSetName=n)["StackSet"] for n in names}
        last_ops = {n: self._last_operation(n) for n in names}
        instances = {n: {(s["Account"], s["Region"]): s for page in
                         self.cfn.get_paginator("list_stack_instances").paginate(StackSetName=n)
                         for s in page["Summaries"]} for n in names}
        targets = [(env, account) for env in environments for account in env.account_ids]
        with ThreadPoolExecutor(max_workers=min(16, len(targets)) or 1) as pool:
            return list(pool.map(lambda t: self._manifest(
                t[0], t[1], stack_sets, instances, last_ops, out_dir), targets))

    def _last_operation(self, name: str) -> str | None:
        ops = self.cfn.list_stack_set_operations(StackSetName=name).get("Summaries", [])
        done = [o for o in ops if o.get("Status") == "SUCCEEDED"]
        done.sort(key=lambda o: o.get("EndTimestamp") or o.get("CreationTimestamp"), reverse=True)
        return done[0]["OperationId"] if done else None

    def _warn_skipped(self, template: dict[str, Any], outputs: dict[str, str], where: str) -> None:
        for logical_id, kind in missing_resources(template, outputs):
            self.progress.say(f"warning: {where}: {logical_id} ({kind}) was not created; "
                              "the endpoint may not support that resource type")

    def _manifest(self, env: Environment, account: str, stack_sets: dict[str, dict[str, Any]],
                  summaries: dict[str, dict[tuple[str, str], dict[str, Any]]],
                  last_ops: dict[str, str | None], out_dir: Path) -> Path:
        session = self.aws.in_account(account, self.config.deployment.execution_role_name)
        cfn = self.aws.client("cloudformation", session)
        instances = []
        for name, stack_set in stack_sets.items():
            instance = summaries[name].get((account, env.region))
            if instance is None:
                raise DeploymentError(f"{name}: no stack instance in {env.name} account {account}")
            stack = cfn.describe_stacks(StackName=instance["StackId"])["Stacks"][0]
            template = json.loads(stack_set.get("TemplateBody") or "{}")
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            self._warn_skipped(template, outputs, f"{name} in {env.name} ({account})")
            instances.append(InstanceOutputs(
                stack_set=name, stack_set_id=stack_set["StackSetId"],
                stack_id=instance["StackId"], instance_status=instance.get("Status", ""),
                last_operation_id=last_ops[name],
                template=template,
                parameters={p["ParameterKey"]: p["ParameterValue"]
                            for p in stack.get("Parameters", [])},
                outputs=outputs))
        manifest = build_manifest(env.name, account, env.region, instances)
        name = env.name if account == env.account_id else f"{env.name}-{account}"
        return write_atomically(manifest_path(out_dir, name), manifest)

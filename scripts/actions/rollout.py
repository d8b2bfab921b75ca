"""`payctl deploy` (and the reads `plan` and `plan --exact` share): package and upload the code, plan
every StackSet, adopt what a destroyed environment retained, roll out by waves or in parallel.

This is the library the CLI commands call. It wires the pure parts (config, rendered templates,
plans: `scripts.actions.desired`) to the thin AWS layer (artifacts, deployer, waiter); the
manifests after a deploy are `scripts.actions.exports`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scripts.actions.desired import ROOT, desired_stack_sets, git_revision, operation_ids, project_version
from scripts.actions.exports import ManifestExport
from scripts.aws.clients import Aws, describe
from scripts.build.render import render, template_path
from scripts.config.domains import edge_warnings
from scripts.config.reader import Config, Environment
from scripts.errors import ConfigError, DeploymentError, UnsafeChange
from scripts.plan.decide import DeployedStackSet, DesiredStackSet, StackSetPlan, Target, plan_stack_set
from scripts.stacksets.artifacts import Artifacts, bucket_policy
from scripts.stacksets.deployer import READ_THREADS, StackSetDeployer, Step
from scripts.stacksets.operations import FailedAccounts, OperationWaiter
from scripts.stacksets.progress import Progress
from scripts.stacksets.timeline import Timeline, fan_out
from templates_py.compute import FUNCTIONS


def data_loss_lines(plans: list[tuple[DesiredStackSet, StackSetPlan]]) -> list[str]:
    """Each stateful resource a deploy would replace or remove, per instance: an OUTDATED
    instance is judged by the template its stack runs, not by the StackSet's."""
    lines = []
    for _, plan in plans:
        by_instance = plan.data_loss_by_instance
        covered = {r.logical_id for _, r in by_instance}
        for env, r in by_instance:
            lines.append(f"{plan.name}: {r.logical_id} ({r.type}) would be "
                         f"{'removed' if r.action == 'remove' else 'replaced'} in {env}")
        lines += [f"{plan.name}: {r.logical_id} ({r.type}) would be "
                  f"{'removed' if r.action == 'remove' else 'replaced'}"
                  for r in plan.data_loss if r.logical_id not in covered]
    return lines


def narrowed(deployed: DeployedStackSet | None, targets: tuple[Target, ...]
             ) -> DeployedStackSet | None:
    """What `deployed` says about `targets` alone: what reading only them would return, so a
    wave planned before any operation has run reuses the first plan's reads."""
    if deployed is None:
        return None
    keys = {t.key for t in targets}
    return replace(deployed, instances={k: v for k, v in deployed.instances.items() if k in keys})


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
        self.poll_scale = poll_scale
        names = config.account_names()
        self.cfn = aws.client("cloudformation")
        self.timeline = Timeline(poll_scale)  # what the waiter saw: the rollout report
        self.planned: list[tuple[DesiredStackSet, StackSetPlan]] = []  # the first plan, for it
        self.waiter = OperationWaiter(self.cfn, timeout, fan_out(progress, self.timeline), names,
                                      poll_scale=poll_scale)
        self.artifacts = self.artifacts_in(aws.region)  # oversized StackSet templates
        self._regional = {aws.region: self.artifacts}
        self.deployer = StackSetDeployer(
            self.cfn, config.deployment, self.waiter, operation_ids(self.revision),
            self.artifacts.template_url, partition=aws.partition, say=progress.say,
            sleep=lambda seconds: time.sleep(seconds * poll_scale), stacks=self.stack_client)
        self.exports = ManifestExport(config, aws, self.cfn, progress.say)

    def stack_client(self, account: str, region: str) -> Any:
        """CloudFormation in `account` and `region`, through the read role (the execution role,
        or the member role when service-managed): the instances' own stacks."""
        return self.aws.client_in("cloudformation", account, self.config.deployment.read_role_name,
                                  region)

    # -- inputs ------------------------------------------------------------------------------

    def artifacts_in(self, region: str) -> Artifacts:
        """The artifacts bucket in `region`, readable by the accounts whose environments run
        there (every configured one, so deploying one environment never rewrites the policy
        another needs) or, service-managed, by the organization."""
        from scripts.aws.regions import accounts_by_region

        bucket = self.config.deployment.artifacts_bucket(region)
        readers = accounts_by_region((a, e.region) for e in self.config.environments.values()
                                     for a in e.account_ids).get(region, [])
        return Artifacts(self.aws.client("s3", region=region), bucket, region,
                         lambda: bucket_policy(bucket, self.aws.partition, readers,
                                               self._organization_id()))

    def template_url_in(self, name: str, text: str, region: str) -> str:
        """An oversized template for a stack in `region`, in that region's artifacts bucket:
        CloudFormation reads a TemplateURL as the caller (the account's role), and only that
        region's accounts may read its bucket (the administrator region's admits no one else
        when no environment runs there)."""
        return self.regional_artifacts(region).template_url(name, text)

    def regional_artifacts(self, region: str) -> Artifacts:
        if region not in self._regional:
            self._regional[region] = self.artifacts_in(region)
        return self._regional[region]

    def _organization_id(self) -> str | None:
        """Service-managed: the organization's id, so the buckets admit every member account
        (aws:PrincipalOrgID), including those auto-deployment adds later."""
        if self.config.deployment.service_managed is None:
            return None
        if not hasattr(self, "_org_id"):
            organizations = self.aws.client("organizations")
            self._org_id = organizations.describe_organization()["Organization"]["Id"]
        return self._org_id

    def templates(self) -> dict[str, dict[str, Any]]:
        """Render the sources in memory and return the StackSet templates; with `keep_build`
        (deploy), also keep build/ in step. plan, status and drift write nothing."""
        from scripts.build.render import write as write_files
        from templates_py import STACKSET_TEMPLATES

        files = render(self.config)
        if self.keep_build:
            write_files(self.build_dir, files)
        return {name: json.loads(files[template_path(name)]) for name in STACKSET_TEMPLATES}

    def code_parameters(self, upload: bool) -> dict[str, str]:
        """Package the functions locally; the code-location parameter values. With `upload`,
        also put any new zip in the artifacts bucket (plan passes False and writes nothing)."""
        from scripts.build.packaging import build_all

        regions = sorted({env.region for env in self.config.environments.values()})
        buckets = [self.regional_artifacts(region) for region in regions] if upload else []
        if upload:
            for bucket in dict.fromkeys([self.artifacts, *buckets]):
                bucket.ensure_bucket()
        packages = {p.function: p for p in build_all(
            self.lambdas_dir, self.build_dir / "dist" if upload else None)}
        code = {}
        for spec in FUNCTIONS:
            package = packages[spec.base_name.replace("-", "_")]
            for bucket in buckets:
                bucket.upload_file(package.s3_key, package.zip_path)
            code[spec.code_key.name] = package.s3_key
        return code

    def desired(self, environments: list[Environment], upload: bool) -> list[DesiredStackSet]:
        description = f"Payment platform {project_version()} (git {self.revision})"
        templates = self.templates()  # build/ first: a folder that cannot be written sends nothing
        if upload:  # deploy: before its first write to AWS
            self.refuse_disabled_regions(environments)
            self.refuse_over_quota(environments)
        return desired_stack_sets(self.config, environments, templates,
                                  self.code_parameters(upload), description)

    # -- plan and deploy -----------------------------------------------------------------------

    def read(self, desired: list[DesiredStackSet]) -> list[DeployedStackSet | None]:
        """Read every StackSet (and its selected instances) at once."""
        with ThreadPoolExecutor(max_workers=len(desired) or 1) as pool:
            return list(pool.map(lambda d: self.deployer.read(d.name, d.targets), desired))

    def plan(self, environments: list[Environment], upload: bool = False
             ) -> list[tuple[DesiredStackSet, StackSetPlan]]:
        self.refuse_disabled_regions(environments)
        return self._plan(self.desired(environments, upload=upload))

    def refuse_disabled_regions(self, environments: list[Environment]) -> None:
        """Before anything is planned or written: a region disabled by default that the
        administrator account has not enabled fails every operation there (one read: EC2's
        DescribeRegions, which lists disabled regions only with AllRegions)."""
        from scripts.aws.regions import not_enabled

        sources = {e.region: str(e.source) for e in environments}
        answer = self.aws.client("ec2").describe_regions(AllRegions=True,
                                                         RegionNames=sorted(sources))
        problem = not_enabled(sources, {r["RegionName"]: r.get("OptInStatus", "")
                                        for r in answer["Regions"]},
                              self.config.deployment.admin_account_id)
        if problem:
            raise ConfigError(problem)

    def refuse_over_quota(self, environments: list[Environment]) -> None:
        """Reservations an account's Lambda concurrency quota cannot take would fail the
        operation partway through (`scripts.actions.quotas`): refused before it starts."""
        from scripts.actions.quotas import check

        lines = check(self, environments)
        if lines:
            raise ConfigError("\n".join(lines))

    def plan_and_adoptions(self, environments: list[Environment]
                           ) -> tuple[list[tuple[DesiredStackSet, StackSetPlan]], list[Any]]:
        """`payctl plan`: the plans and the retained resources deploy would adopt, from one read
        of the instances (2n DescribeStackInstance, not 4n)."""
        self.refuse_disabled_regions(environments)
        desired = self.desired(environments, upload=False)
        deployed = self.read(desired)
        return self._plan(desired, deployed), self.adoptions(desired, deployed)

    def _plan(self, desired: list[DesiredStackSet],
              deployed: list[DeployedStackSet | None] | None = None
              ) -> list[tuple[DesiredStackSet, StackSetPlan]]:
        deployed = self.read(desired) if deployed is None else deployed
        return [(want, plan_stack_set(want, have))
                for want, have in zip(desired, deployed, strict=True)]

    def adoptions(self, desired: list[DesiredStackSet],
                  deployed: list[DeployedStackSet | None] | None = None) -> list[Any]:
        """Targets whose new stack must adopt retained resources (`scripts.actions.survey`), looked up in
        each account through the execution role: the accounts side by side, as the reads are
        (a new fleet of 300 accounts is 300 accounts' lookups)."""
        from scripts.actions.survey import SURVEY_SERVICES, survey

        deployed = self.read(desired) if deployed is None else deployed

        def one(want: DesiredStackSet, have: DeployedStackSet | None) -> list[Any]:
            clients: dict[str, Any] = {}  # one per service in this account, dropped after it

            def client_in(target: Target, service: str) -> Any:
                if service not in clients:
                    clients[service] = self._client_in(target, service)
                return clients[service]

            return survey(want, have, client_in, self.aws.partition)

        jobs = [(replace(want, targets=(target,)), have)
                for want, have in zip(desired, deployed, strict=True) for target in want.targets]
        if len(jobs) > READ_THREADS:
            self.aws.prepare_fan_out(SURVEY_SERVICES)
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            found = pool.map(lambda job: one(*job), jobs)
            return [adoption for adoptions in found for adoption in adoptions]

    def _client_in(self, target: Target, service: str) -> Any:
        """A client where the target's stack lives: its account and its environment's region
        (retained resources and the adopting stack are there, not in the admin region)."""
        return self.aws.client_in(service, target.account, self.config.deployment.read_role_name,
                                  target.region)

    def _adopt(self, desired: list[DesiredStackSet],
               deployed: list[DeployedStackSet | None], wait_for_others: bool) -> bool:
        """Before anything else: refuse on a retained name that cannot be adopted, then build
        each returning environment's stack around its retained resources. Someone else's
        operation on the StackSet (a rollout that has reached it since this one planned) may
        be creating the very stack that holds those resources, so it is looked for first, as
        before any operation."""
        from scripts.actions.adopt import Adopter, template_source
        from scripts.actions.adoption import refusal
        from scripts.stacksets.artifacts import TEMPLATE_BODY_LIMIT
        from scripts.stacksets.others import PlanAgain, before_operation

        adoptions = self.adoptions(desired, deployed)
        message = refusal(adoptions)
        if message:
            raise UnsafeChange(message)
        adopter = Adopter(self.deployer, self._client_in,
                          template_source(self.template_url_in, TEMPLATE_BODY_LIMIT),
                          self.progress.say, self.poll_scale)
        for want, have in zip(desired, deployed, strict=True):
            mine = [a for a in adoptions if a.stack_set == want.name]
            if mine:
                before_operation(self.cfn, want.name, wait_for_others, self.waiter.wait,
                                 self.progress.say)
                if _stacks(self.deployer.read(want.name, want.targets)) != _stacks(have):
                    raise PlanAgain(f"{want.name}: its stacks changed since it was planned "
                                    "(someone else's operation ended meanwhile); planning again")
            if mine and have is None:
                self.deployer.apply(want, StackSetPlan(want.name, create_stack_set=True))
            for adoption in mine:
                for line in adoption.lines():
                    self.progress.say(line)
                self._guarded(want.name, lambda a=adoption, w=want: adopter.run(w, a))
        return bool(adopter.imported)

    def exact_previews(self, environments: list[Environment]) -> list[Any]:
        """Change-set previews of each selected account's stack, through the execution role.
        A template too large to pass inline goes to the artifacts bucket (content-addressed)."""
        from scripts.actions.exact_preview import preview_all

        desired = self.desired(environments, upload=False)
        role = self.config.deployment.read_role_name

        def client_in(target: Target) -> Any:
            return self.aws.client_in("cloudformation", target.account, role, target.region)

        return preview_all(desired, self.read(desired), client_in, self.template_url_in)

    def deploy(self, environments: list[Environment], allow_data_loss: bool = False,
               strategy: str = "waves", wait_for_others: bool = False) -> list[StackSetResult]:
        """Plan every StackSet first and refuse data loss unless allowed; then roll out.

        `waves`: one environment at a time in order (dev, staging, prod), every StackSet for it,
        re-planned against what the earlier waves left; a failed wave stops the rest.
        `parallel`: the StackSets side by side, each running its operations one after another
        (AWS queues a StackSet's operations), every environment following the StackSet before.
        """
        from scripts.stacksets.others import PlanAgain, wait_or_refuse

        desired = self.desired(environments, upload=True)
        deployed = self.read(desired)
        plans = self._plan(desired, deployed)
        self.planned = self.planned or plans
        if wait_or_refuse(self.cfn, [p.name for _, p in plans if not p.empty], wait_for_others,
                          self.waiter.wait, self.progress.say):
            deployed = self.read(desired)  # against what the others left
            plans = self._plan(desired, deployed)
        results: list[StackSetResult] = []
        while True:
            try:
                return self._roll_out(environments, desired, deployed, plans, results,
                                      allow_data_loss, strategy, wait_for_others)
            except PlanAgain as again:  # someone else's operation ran meanwhile: what it left
                self.progress.say(str(again))
                deployed = self.read(desired)
                plans = self._plan(desired, deployed)

    def _roll_out(self, environments: list[Environment], desired: list[DesiredStackSet],
                  deployed: list[DeployedStackSet | None],
                  plans: list[tuple[DesiredStackSet, StackSetPlan]],
                  results: list[StackSetResult], allow_data_loss: bool, strategy: str,
                  wait_for_others: bool) -> list[StackSetResult]:
        """Deploy `plans` (made from `deployed`); `results` collects the operations, across
        the plans made again after someone else's operation."""
        risky = data_loss_lines(plans)
        if risky and not allow_data_loss:
            raise UnsafeChange("refusing to deploy: stateful resources would lose their data "
                               f"({'; '.join(risky)}); check with `payctl plan`, and pass "
                               "--allow-data-loss only if that is intended")
        if self._adopt(desired, deployed, wait_for_others):
            deployed = self.read(desired)
            plans = self._plan(desired, deployed)
        results[:] = results or [StackSetResult(want.name, plan) for want, plan in plans]
        if all(plan.empty for _, plan in plans):
            for want, _ in plans:
                self.progress.say(f"{want.name}: no changes")
            return results
        for warning in edge_warnings(environments):
            self.progress.say(warning)
        if strategy == "parallel" or len(environments) == 1:
            return self._raise_failed_accounts(self._pipelined(plans, results, wait_for_others))
        current: list[DeployedStackSet | None] | None = deployed  # until an operation runs
        for env in environments:
            # each wave is planned only once the one before it has finished
            wanted = [replace(want, targets=tuple(
                t for t in want.targets if t.environment == env.name)) for want in desired]
            wave = self._plan(wanted, None if current is None else [
                narrowed(have, want.targets) for have, want in zip(current, wanted, strict=True)])
            for result, (want, plan) in zip(results, wave, strict=True):
                if self._apply(want, plan, wait_for_others, result.operations):
                    current = None
            if self.deployer.failures:
                break  # an account failed inside a SUCCEEDED operation: a failed wave
        return self._raise_failed_accounts(results)

    def _raise_failed_accounts(self, results: list[StackSetResult]) -> list[StackSetResult]:
        """Accounts that failed inside operations that SUCCEEDED make the rollout fail."""
        if self.deployer.failures:
            raise FailedAccounts(self.deployer.failures, self.config.account_names())
        return results

    def failed_accounts(self) -> set[str]:
        return {f.result.account for f in self.deployer.failures}

    def _pipelined(self, plans: list[tuple[DesiredStackSet, StackSetPlan]],
                   results: list[StackSetResult], wait_for_others: bool) -> list[StackSetResult]:
        """Every StackSet's operations one after another (AWS queues them anyway), the StackSets
        side by side, each environment following the previous StackSet (`scripts.stacksets.schedule`)."""
        from scripts.stacksets.schedule import run_pipelined

        stages = []
        for (want, plan), result in zip(plans, results, strict=True):
            if plan.empty:
                self.progress.say(f"{want.name}: no changes")
            stages.append(self._steps(want, plan, wait_for_others, result.operations))
        interrupted = threading.Event()
        sleep = self.waiter.sleep

        def interruptible(seconds: float) -> None:
            if interrupted.wait(seconds):
                raise KeyboardInterrupt  # the waiter reports it with the operation id

        self.waiter.sleep = interruptible
        try:
            run_pipelined(stages, interrupted)
        finally:
            self.waiter.sleep = sleep
        return results

    def _apply(self, want: DesiredStackSet, plan: StackSetPlan, wait_for_others: bool,
               operations: list[str]) -> bool:
        """Carry out `plan`, one step after another, adding each operation's id to
        `operations` as it starts; whether anything changed."""
        if plan.empty:
            self.progress.say(f"{want.name}: no changes")
            return False
        for step in self._steps(want, plan, wait_for_others, operations):
            step.run()
        return True

    def _steps(self, want: DesiredStackSet, plan: StackSetPlan, wait_for_others: bool,
               operations: list[str]) -> list[Step]:
        """The plan's steps, each operation preceded by a look for someone else's operations
        on the StackSet (`scripts.stacksets.others`: one ListStackSetOperations call per 100 operations
        it holds; CreateStackSet, which touches no instance, is no operation) and its id added
        to `operations`."""
        from scripts.stacksets.others import before_operation

        def checked(step: Step) -> Callable[[], str]:
            def run() -> str:
                if step.environments:
                    before_operation(self.cfn, want.name, wait_for_others, self.waiter.wait,
                                     self.progress.say)
                operation = self._guarded(want.name, step.run)
                if operation:
                    operations.append(operation)
                return operation
            return run

        return [replace(step, run=checked(step)) for step in self.deployer.steps(want, plan)]

    @staticmethod
    def _guarded(name: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except DeploymentError:
            raise
        except Exception as err:  # an AWS error outside an operation: one line, exit 1
            raise DeploymentError(f"{name}: {describe(err)}") from None


def _stacks(have: DeployedStackSet | None) -> dict[tuple[str, str], str] | None:
    """Which stack each instance runs: what an adoption was planned against."""
    return None if have is None else {k: i.stack_id for k, i in have.instances.items()}

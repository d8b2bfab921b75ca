"""The StackSet deployer: read what is deployed, and carry out a plan one API step at a time.

The CloudFormation client is passed in, so tests can hand it a Stubber or point it at the
emulator; what to do is decided by `scripts.plan.decide`, not here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scripts.aws.clients import describe, error_code
from scripts.aws.regions import accounts_and_regions, rectangles
from scripts.config.reader import Deployment
from scripts.errors import DeploymentError
from scripts.plan.decide import (
    DeployedInstance,
    DeployedStackSet,
    DesiredStackSet,
    InstanceGroup,
    Recovery,
    StackSetPlan,
    Target,
)
from scripts.stacksets.artifacts import TEMPLATE_BODY_LIMIT
from scripts.stacksets.instance_stacks import delete_stack, running_template
from scripts.stacksets.operations import AccountFailure, OperationWaiter, interrupted, unsuccessful

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
IN_PROGRESS_RETRIES = 3
# ImportStacksToStackSet, StackIds: "You import up to 10 stacks per StackSet at a time."
IMPORT_BATCH = 10
READ_THREADS = 16


def _pairs(items: list[dict[str, Any]] | None, key: str, value: str) -> dict[str, str]:
    return {i[key]: i.get(value, "") for i in items or []}


def _roles(stack_set: dict[str, Any]) -> dict[str, str]:
    """The role names a self-managed StackSet acts through, as `Deployment.stack_set_roles`
    names them (the administration role by the last part of its ARN)."""
    if stack_set.get("PermissionModel") == "SERVICE_MANAGED":
        return {}
    return {"AdministrationRole": stack_set.get("AdministrationRoleARN", "").rsplit("/", 1)[-1],
            "ExecutionRole": stack_set.get("ExecutionRoleName", "")}


def _parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def concurrent_accounts(preferences: dict[str, Any], accounts: int) -> int:
    """How many accounts (per region) AWS starts at once for `accounts` targets: the
    MaxConcurrentPercentage share (rounded down, at least 1), and under STRICT_FAILURE_TOLERANCE
    no more than FailureToleranceCount + 1 (StackSetOperationPreferences, API reference)."""
    share = max(1, accounts * preferences["max_concurrent_percentage"] // 100)
    if preferences.get("concurrency_mode", "STRICT_FAILURE_TOLERANCE") == "STRICT_FAILURE_TOLERANCE":
        share = min(share, preferences["failure_tolerance_count"] + 1)
    return min(share, accounts)


def template_text(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Step:
    """One call of a deploy: the environments whose instances it touches, and the call, which
    returns its operation id (or "" for a call that is not an operation)."""

    environments: tuple[str, ...]
    run: Callable[[], str]


def _environments(targets: tuple[Target, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.environment for t in targets))


class StackSetDeployer:
    def __init__(self, cloudformation: Any, settings: Deployment, waiter: OperationWaiter,
                 operation_id: Callable[[str, list[str]], str],
                 template_url: Callable[[str, str], str], partition: str = "aws",
                 say: Callable[[str], None] = print,
                 sleep: Callable[[float], None] = time.sleep,
                 stacks: Callable[[str, str], Any] | None = None) -> None:
        self.cfn = cloudformation
        self.settings = settings
        self.waiter = waiter
        self.operation_id = operation_id
        self.template_url = template_url
        self.partition = partition
        self.say = say
        self.sleep = sleep
        # account -> a CloudFormation client in that account (through the execution role), to
        # read and delete the instances' own stacks; None reads only the StackSet.
        self.stacks = stacks
        # accounts that failed inside operations that SUCCEEDED (failure tolerance above 0)
        self.failures: list[AccountFailure] = []

    # -- reading -----------------------------------------------------------------------------

    def read(self, name: str, targets: tuple[Target, ...]) -> DeployedStackSet | None:
        """The StackSet and the instances of `targets`: one describe per instance, in parallel."""
        try:
            stack_set = self.cfn.describe_stack_set(StackSetName=name)["StackSet"]
        except Exception as err:
            if error_code(err) == "StackSetNotFoundException":
                return None
            raise
        if stack_set.get("Status") == "DELETED":
            return None
        wanted = {t.key for t in targets}
        pages = self.cfn.get_paginator("list_stack_instances").paginate(StackSetName=name)
        listed = [s for page in pages for s in page["Summaries"]
                  if (s["Account"], s["Region"]) in wanted]
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            instances = list(pool.map(lambda s: self._instance(name, s), listed))
        try:
            template = json.loads(stack_set.get("TemplateBody") or "{}")
        except json.JSONDecodeError:
            template = {}
        return DeployedStackSet(
            name=name, template=template,
            parameters=_pairs(stack_set.get("Parameters"), "ParameterKey", "ParameterValue"),
            tags=_pairs(stack_set.get("Tags"), "Key", "Value"),
            instances={(i.account, i.region): i for i in instances},
            status=stack_set.get("Status", ""), roles=_roles(stack_set))

    def _instance(self, name: str, summary: dict[str, Any]) -> DeployedInstance:
        instance = self.cfn.describe_stack_instance(
            StackSetName=name, StackInstanceAccount=summary["Account"],
            StackInstanceRegion=summary["Region"])["StackInstance"]
        detailed = instance.get("StackInstanceStatus", {}).get("DetailedStatus", "")
        return DeployedInstance(
            account=instance["Account"], region=instance["Region"],
            status=instance.get("Status", ""), detailed_status=detailed,
            overrides=_pairs(instance.get("ParameterOverrides"), "ParameterKey", "ParameterValue"),
            status_reason=instance.get("StatusReason", ""), stack_id=instance.get("StackId", ""),
            drift_status=instance.get("DriftStatus", ""),
            template=self._running_template(instance),
            last_operation_id=instance.get("LastOperationId", ""))

    def _running_template(self, instance: dict[str, Any]) -> dict[str, Any] | None:
        """The template the instance's stack runs; None for the StackSet's: without access to
        the accounts, and for a CURRENT instance ("The stack is currently up to date with the
        stack set", StackInstanceSummary), so only the others cost a GetTemplate there."""
        if self.stacks is None or instance.get("Status") == "CURRENT":
            return None
        if not instance.get("StackId"):
            return {}
        return running_template(self.stacks(instance["Account"], instance["Region"]), instance["StackId"])

    # -- writing -----------------------------------------------------------------------------

    def apply(self, desired: DesiredStackSet, plan: StackSetPlan) -> list[str]:
        """Carry out `plan`, one operation after another; returns the ids of the operations."""
        return [operation for step in self.steps(desired, plan) if (operation := step.run())]

    def steps(self, desired: DesiredStackSet, plan: StackSetPlan) -> list[Step]:
        """The plan's calls in the order AWS requires, each with the environments it touches.

        They are meant to run one after another: with managed execution AWS queues every
        operation that arrives while another runs or is queued on the StackSet, even a
        non-conflicting one, so starting them together gains nothing. A StackSet-level change is
        one operation for every environment's instances (each keeps its own overrides)."""
        steps: list[Step] = []
        if plan.create_stack_set:
            steps.append(Step((), lambda: self._create_stack_set(desired)))
        if plan.recover_instances:
            steps.append(Step(_environments(tuple(r.target for r in plan.recover_instances)),
                              lambda: self.recover(desired.name, plan.recover_instances)))
        batches = [plan.retry_imports[n:n + IMPORT_BATCH]
                   for n in range(0, len(plan.retry_imports), IMPORT_BATCH)]
        steps += [Step(_environments(tuple(r.target for r in batch)),
                       lambda batch=batch: self.retry_imports(desired.name, batch)) for batch in batches]
        created = {t.key for g in plan.create_instances for t in g.targets}
        # A new template parameter can be overridden only once UpdateStackSet has put it on
        # every instance; otherwise a StackSet update that names new instances follows them.
        update_first = plan.update_all_instances or (plan.update_stack_set and not any(
            t.key in created for t in plan.update_stack_set))
        stack_set_update = []
        if plan.update_all_instances:
            stack_set_update = [Step(_environments(plan.update_stack_set), lambda: self._update_stack_set(
                desired, plan.update_stack_set, everywhere=True))]
        elif plan.update_stack_set:
            # environments in different regions: one call per Accounts x Regions group
            stack_set_update = [Step(_environments(tuple(group)), lambda group=group: self._update_stack_set(
                desired, tuple(group))) for group in rectangles(plan.update_stack_set)]
        instance_steps = [Step(tuple(g.environments), lambda g=g, a=action: self._instances(
            a, desired.name, g)) for action, groups in (("create", plan.create_instances),
                                                        ("update", plan.update_instances))
            for g in groups]
        creates = instance_steps[:len(plan.create_instances)]
        updates = instance_steps[len(plan.create_instances):]
        if update_first:
            return steps + stack_set_update + creates + updates
        return steps + creates + stack_set_update + updates

    def _template(self, desired: DesiredStackSet) -> dict[str, str]:
        text = template_text(desired.template)
        if len(text.encode()) > TEMPLATE_BODY_LIMIT:
            return {"TemplateURL": self.template_url(desired.name, text)}
        return {"TemplateBody": text}

    def _permissions(self) -> dict[str, Any]:
        managed = self.settings.service_managed
        if managed is not None:
            auto: dict[str, Any] = {"Enabled": managed.auto_deployment}
            if managed.auto_deployment:
                auto["RetainStacksOnAccountRemoval"] = managed.retain_stacks_on_account_removal
            return {"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": auto}
        admin_role = (f"arn:{self.partition}:iam::{self.settings.admin_account_id}:role/"
                      f"{self.settings.administration_role_name}")
        return {"PermissionModel": "SELF_MANAGED", "AdministrationRoleARN": admin_role,
                "ExecutionRoleName": self.settings.execution_role_name}

    def _common(self, desired: DesiredStackSet) -> dict[str, Any]:
        return {"StackSetName": desired.name, "Description": desired.description,
                **self._template(desired), "Parameters": _parameters(desired.parameters),
                "Capabilities": CAPABILITIES,
                "Tags": [{"Key": k, "Value": v} for k, v in desired.tags.items()]}

    def _create_stack_set(self, desired: DesiredStackSet) -> str:
        self.say(f"{desired.name}: creating StackSet")
        self.cfn.create_stack_set(**self._common(desired), **self._permissions(),
                                  ManagedExecution={"Active": True})
        return ""

    def preferences(self) -> dict[str, Any]:
        """OperationPreferences for every operation. ConcurrencyMode is always sent: under AWS's
        default (STRICT_FAILURE_TOLERANCE) the concurrency is capped at FailureToleranceCount + 1,
        so the configured percentage only holds with SOFT_FAILURE_TOLERANCE."""
        prefs = self.settings.operation_preferences
        return {"RegionConcurrencyType": prefs["region_concurrency"],
                "MaxConcurrentPercentage": prefs["max_concurrent_percentage"],
                "FailureToleranceCount": prefs["failure_tolerance_count"],
                "ConcurrencyMode": prefs.get("concurrency_mode", "STRICT_FAILURE_TOLERANCE")}

    def _where(self, targets: tuple[Target, ...] | list[Target]) -> dict[str, Any]:
        """Accounts and Regions naming exactly `targets` (one `rectangles` group). Service-managed:
        the environments' OUs narrowed to those accounts (AccountFilterType INTERSECTION), as AWS
        takes only OUs as targets for such StackSets."""
        accounts, regions = accounts_and_regions(list(targets))
        units = self.import_targets(targets)
        if units:
            return {"DeploymentTargets": {**units, "Accounts": accounts,
                                          "AccountFilterType": "INTERSECTION"},
                    "Regions": regions}
        return {"Accounts": accounts, "Regions": regions}

    def import_targets(self, targets: tuple[Target, ...] | list[Target]) -> dict[str, list[str]]:
        """The environments' OUs, for a service-managed StackSet (ImportStacksToStackSet,
        OrganizationalUnitIds: "The list of OU ID's to which the imported stacks must be mapped
        as deployment targets"); nothing for a self-managed one, which takes accounts only."""
        managed = self.settings.service_managed
        if managed is None:
            return {}
        return {"OrganizationalUnitIds": list(dict.fromkeys(
            managed.organizational_units[t.environment] for t in targets))}

    def _update_stack_set(self, desired: DesiredStackSet, targets: tuple[Target, ...],
                          everywhere: bool = False) -> str:
        """UpdateStackSet for the instances of `targets`, or, `everywhere`, for every instance
        of the StackSet (naming no accounts or regions, as AWS requires when parameters are
        added: until their own overrides follow, instances run the new parameters'
        StackSet-level values)."""
        environments = list(dict.fromkeys(t.environment for t in targets))
        operation_id = self.operation_id("update", ["all"] if everywhere else environments)
        scope = "every instance (new parameters)" if everywhere else ", ".join(environments)
        self.say(f"{desired.name}: updating StackSet for {scope} ({operation_id})")
        where = {} if everywhere else self._where(targets)
        params = {**self._common(desired), **self._permissions(), **where,
                  "OperationPreferences": self.preferences(), "OperationId": operation_id}
        params.pop("PermissionModel", None)
        params.pop("AutoDeployment", None)
        return self.run_operation(desired.name, operation_id, lambda: self.cfn.update_stack_set(**params))

    def _instances(self, action: str, name: str, group: InstanceGroup) -> str:
        operation_id = self.operation_id("add" if action == "create" else "params",
                                         group.environments)
        verb = "creating" if action == "create" else "updating"
        self.say(f"{name}: {verb} instances for {', '.join(group.environments)} ({operation_id})")
        call = self.cfn.create_stack_instances if action == "create" else \
            self.cfn.update_stack_instances
        params = {"StackSetName": name, **self._where(list(group.targets)),
                  "ParameterOverrides": _parameters(group.overrides),
                  "OperationPreferences": self.preferences(), "OperationId": operation_id}
        return self.run_operation(name, operation_id, lambda: call(**params))

    def delete_instances(self, name: str, targets: list[Target]) -> str:
        """Delete the stacks of `targets` (their Retain resources stay) and wait; one operation
        per Accounts x Regions group. Returns the last operation's id."""
        return [self._delete(name, group) for group in rectangles(targets)][-1]

    def _delete(self, name: str, targets: list[Target]) -> str:
        environments = list(dict.fromkeys(t.environment for t in targets))
        operation_id = self.operation_id("destroy", environments)
        self.say(f"{name}: deleting instances for {', '.join(environments)} ({operation_id})")
        params = {"StackSetName": name, **self._where(targets), "RetainStacks": False,
                  "OperationPreferences": self.preferences(), "OperationId": operation_id}
        return self.run_operation(name, operation_id, lambda: self.cfn.delete_stack_instances(**params))

    def recover(self, name: str, recoveries: tuple[Recovery, ...]) -> str:
        """INOPERABLE instances: AWS refuses to update them. Finish the deletion that failed (the
        stack is deleted through the execution role: its Retain resources, the data, stay), and
        only then take the instance out of the StackSet (DeleteStackInstances, RetainStacks, as
        documented); it is created again by the step after this, or, when it retains resources,
        by `scripts.actions.adopt` around them in the same deploy. If the stack still cannot be
        deleted, nothing else has changed: the instance stays INOPERABLE and the error says why."""
        if self.stacks is None:
            raise DeploymentError(f"{name}: INOPERABLE instances need their stacks' accounts")
        for recovery in recoveries:
            where = f"{recovery.target.environment} ({recovery.target.account})"
            if recovery.stack_id:
                self.say(f"{name}: {where} is INOPERABLE; deleting its stack "
                         f"{recovery.stack_id} (Retain resources stay)")
                delete_stack(self.stacks(recovery.target.account, recovery.target.region), recovery.stack_id,
                             f"{name} in {where}", self.sleep)
        targets = [r.target for r in recoveries]
        environments = list(dict.fromkeys(t.environment for t in targets))
        operation_id = self.operation_id("release", environments)
        self.say(f"{name}: removing INOPERABLE instances of {', '.join(environments)} from the "
                 f"StackSet ({operation_id})")
        params = {"StackSetName": name, **self._where(targets), "RetainStacks": True,
                  "OperationPreferences": self.preferences(), "OperationId": operation_id}
        return self.run_operation(name, operation_id,
                                  lambda: self.cfn.delete_stack_instances(**params))

    def retry_imports(self, name: str, retries: tuple[Recovery, ...]) -> str:
        """Instances a failed ImportStacksToStackSet left INOPERABLE (FAILED_IMPORT): "Once the
        issues causing the failure are fixed, the import operation can be retried", so their
        stacks are imported again; nothing is deleted. If it fails again the deploy says why and
        the instances stay as they were, for the next deploy to retry."""
        missing = [r for r in retries if not r.stack_id]
        if missing:
            where = f"{missing[0].target.environment} ({missing[0].target.account})"
            raise DeploymentError(
                f"{name}: the failed import of {where} names no stack to import again; remove "
                "the instance with `aws cloudformation delete-stack-instances --retain-stacks` "
                f"and run `payctl deploy {missing[0].target.environment}` again")
        targets = [r.target for r in retries]
        environments = list(dict.fromkeys(t.environment for t in targets))
        operation_id = self.operation_id("adopt", environments)
        self.say(f"{name}: importing the stacks of {', '.join(environments)} again (their import "
                 f"failed: {retries[0].reason or 'no reason given'}) ({operation_id})")
        params = {"StackSetName": name, "StackIds": [r.stack_id for r in retries],
                  **self.import_targets(targets), "OperationPreferences": self.preferences(),
                  "OperationId": operation_id}
        return self.run_operation(name, operation_id,
                                  lambda: self.cfn.import_stacks_to_stack_set(**params))

    def delete_stack_set_if_empty(self, name: str) -> bool:
        pages = self.cfn.get_paginator("list_stack_instances").paginate(StackSetName=name)
        if any(page["Summaries"] for page in pages):
            return False
        self.cfn.delete_stack_set(StackSetName=name)
        self.say(f"{name}: no instances left; StackSet deleted")
        return True

    def run_operation(self, name: str, operation_id: str, start: Callable[[], Any]) -> str:
        """Start an operation and wait for it. If another operation holds the StackSet, wait for
        that one first and try again, a bounded number of times."""
        try:
            for attempt in range(IN_PROGRESS_RETRIES + 1):
                try:
                    start()
                    break
                except Exception as err:
                    if error_code(err) != "OperationInProgressException" or \
                            attempt == IN_PROGRESS_RETRIES:
                        raise DeploymentError(f"{name}: {describe(err)}") from err
                    self._wait_for_others(name)
            results = self.waiter.wait(name, operation_id)
        except KeyboardInterrupt as stop:  # the request may have reached AWS: keep the id
            raise interrupted(name, operation_id, stop) from None
        for result in unsuccessful(results):
            # the operation SUCCEEDED within its failure tolerance, but this account did not
            self.failures.append(AccountFailure(name, operation_id, result))
            self.say(f"{name}: operation {operation_id} SUCCEEDED, but {result.account} "
                     f"{result.region} {result.status}"
                     f"{': ' + result.reason if result.reason else ''}")
        return operation_id

    def _wait_for_others(self, name: str) -> None:
        pages = self.cfn.get_paginator("list_stack_set_operations").paginate(StackSetName=name)
        running = [op["OperationId"] for page in pages for op in page["Summaries"]
                   if op["Status"] in ("RUNNING", "QUEUED", "STOPPING")]
        if not running:
            self.sleep(5)
            return
        self.say(f"{name}: waiting for operation {running[0]}, started by someone else")
        try:
            self.waiter.wait(name, running[0])
        except DeploymentError as err:
            self.say(f"{name}: that operation did not succeed ({str(err).splitlines()[0]})")

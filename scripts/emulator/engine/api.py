"""The StackSet actions of the CloudFormation API: validate the request as AWS does, record
it, hand the work to the scheduler, and answer with the documented shapes.

Every request is answered at once; operations run in the background (see scheduler). Errors
are the codes each action's API reference lists.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import yaml
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import yaml_tag_constructor
from moto.core.responses import ActionResult

from scripts.emulator import template_rules
from scripts.emulator.engine import scheduler, work
from scripts.emulator.engine.errors import (
    InsufficientCapabilities,
    InvalidOperation,
    LimitExceeded,
    NameAlreadyExists,
    OperationIdAlreadyExists,
    OperationInProgress,
    OperationNotFound,
    StackInstanceNotFound,
    StackNotFound,
    StackSetNotEmpty,
    StackSetNotFound,
    ValidationError,
)
from scripts.emulator.engine.model import (
    FAILED_IMPORT,
    LOCK,
    REGISTRY,
    Instance,
    Operation,
    Result,
    StackSet,
)
from scripts.emulator.engine.targets import (
    allow_stacksets_delegation,
    management_account,
    organization_targets,
)

PAGE = 100

Handler = Callable[[CloudFormationResponse], ActionResult]


def install() -> None:
    allow_stacksets_delegation()
    # The engine answers with the API's own shapes; moto's converters for its model would
    # turn them into something else.
    for key in ("DescribeStackSetOutput.StackSet.Parameters", "DescribeStackSetOutput.StackSet.Tags"):
        CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.pop(key, None)
    for name, handler in HANDLERS.items():
        setattr(CloudFormationResponse, name, handler)


def stack_set_template(self: CloudFormationResponse) -> str:
    """The template of the request's StackSetName (GetTemplateSummary takes one)."""
    with LOCK:
        return _stack_set(self).template


# -- request helpers -----------------------------------------------------------------------------


def _params(self: CloudFormationResponse) -> dict[str, Any]:
    return self._get_params()


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


def _owner(self: CloudFormationResponse) -> str:
    return management_account(self.current_account, self._get_param("CallAs"))


def _stack_set(self: CloudFormationResponse) -> StackSet:
    name = self._get_param("StackSetName")
    found = REGISTRY.find(_owner(self), self.region, name)
    if found is None:
        raise StackSetNotFound(name)
    return found


def _template(self: CloudFormationResponse) -> str | None:
    if self._get_param("TemplateURL"):
        return self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    return self._get_param("TemplateBody")


def _parsed(template: str) -> dict[str, Any]:
    """The template as a dict: JSON, or YAML with CloudFormation's short-form tags; refused as
    a stack's would be (`template_rules`)."""
    try:
        parsed = json.loads(template)
    except ValueError:
        try:
            parsed = yaml.load(template, Loader=_TemplateLoader)
        except yaml.YAMLError as err:
            raise ValidationError(f"Template format error: {err}") from None
    if not isinstance(parsed, dict):
        raise ValidationError("Template format error: not a JSON or YAML object")
    error = template_rules.unresolved(parsed)
    if error:
        raise ValidationError(error)
    return parsed


class _TemplateLoader(yaml.SafeLoader):
    pass


_TemplateLoader.add_multi_constructor("", yaml_tag_constructor)


def _check_capabilities(template: dict[str, Any], capabilities: list[str]) -> None:
    missing = template_rules.insufficient_capabilities(template, capabilities)
    if missing:
        raise InsufficientCapabilities(missing)


def _parameter_values(template: dict[str, Any], given: list[dict[str, Any]],
                      previous: dict[str, str]) -> dict[str, str]:
    declared = template.get("Parameters") or {}
    values = {p["ParameterKey"]: previous.get(p["ParameterKey"], "") if _flag(p.get("UsePreviousValue"))
              else str(p.get("ParameterValue", "")) for p in given}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ValidationError(f"Parameters: {unknown} do not exist in the template")
    missing = sorted(k for k, spec in declared.items() if k not in values and "Default" not in spec)
    if missing:
        raise ValidationError(f"Parameters: {missing} must have values")
    return values


def _overrides(stack_set: StackSet, given: list[dict[str, Any]] | None,
               previous: dict[str, str]) -> dict[str, str] | None:
    """"You can only override the parameter values that are specified in the StackSet. To add
    or delete a parameter itself, use UpdateStackSet to update the StackSet template."
    (UpdateStackInstances, ParameterOverrides.) The error's wording is not documented."""
    if given is None:
        return None
    values = {p["ParameterKey"]: previous.get(p["ParameterKey"], "") if _flag(p.get("UsePreviousValue"))
              else str(p.get("ParameterValue", "")) for p in given}
    declared = _parsed(stack_set.template).get("Parameters") or {}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ValidationError(f"ParameterOverrides {unknown} are not parameters of StackSet "
                              f"{stack_set.name}: you can only override the parameter values "
                              "that are specified in the StackSet")
    return values


def _preferences(self: CloudFormationResponse) -> dict[str, Any]:
    given = _params(self).get("OperationPreferences") or {}
    for a, b in (("FailureToleranceCount", "FailureTolerancePercentage"),
                 ("MaxConcurrentCount", "MaxConcurrentPercentage")):
        if a in given and b in given:
            raise ValidationError(f"You can specify either {a} or {b}, but not both.")
    preferences: dict[str, Any] = {}
    for key, value in given.items():
        if key in ("RegionOrder",):
            preferences[key] = list(value)
        elif key in ("RegionConcurrencyType", "ConcurrencyMode"):
            preferences[key] = value
        else:
            preferences[key] = int(value)
    return preferences


def _targets(self: CloudFormationResponse, stack_set: StackSet,
             creating: bool = False) -> list[tuple[str, str, str | None]]:
    """(account, region, OU) for each target the request names. New service-managed instances
    are placed by OU: "StackSets with SERVICE_MANAGED permission model can only have
    OrganizationalUnit as target" (AWS's answer to a create naming accounts alone)."""
    regions = list(dict.fromkeys(self._get_param("Regions") or []))
    deployment = _params(self).get("DeploymentTargets") or {}
    accounts = list(dict.fromkeys(self._get_param("Accounts") or []))
    if accounts and deployment:
        raise ValidationError("You can specify Accounts or DeploymentTargets, but not both.")
    if stack_set.permission_model == "SERVICE_MANAGED":
        if accounts or (creating and not deployment.get("OrganizationalUnitIds")):
            raise ValidationError("StackSets with SERVICE_MANAGED permission model can only "
                                  "have OrganizationalUnit as target")
        chosen = [(t.account, t.organizational_unit_id)
                  for t in organization_targets(stack_set.owner, deployment)]
    else:
        if deployment.get("OrganizationalUnitIds"):
            raise ValidationError("StackSets with SELF_MANAGED permission model can only have "
                                  "accounts as target")
        chosen = [(a, None) for a in accounts or deployment.get("Accounts") or []]
    if chosen and not regions:
        raise ValidationError("Regions must be specified with accounts")
    return [(account, region, unit) for region in regions for account, unit in chosen]


def _operation(self: CloudFormationResponse, stack_set: StackSet, action: str,
               keys: list[tuple[str, str, str | None]]) -> Operation | str:
    """A new operation, or the id of the one a retried request already started: "The
    operation ID also functions as an idempotency token"; a different request under a used id
    gets OperationIdAlreadyExistsException."""
    request = {k: v for k, v in _params(self).items() if k not in ("Action", "Version")}
    operation_id = self._get_param("OperationId") or str(uuid.uuid4())
    existing = stack_set.operations.get(operation_id)
    if existing is not None:
        if existing.request == request:
            return existing.operation_id
        raise OperationIdAlreadyExists(f"The operation ID {operation_id} already exists.")
    return Operation(
        operation_id=operation_id, stack_set_id=stack_set.stack_set_id, action=action,
        request=request, preferences=_preferences(self),
        results=[Result(account, region, organizational_unit_id=unit) for account, region, unit in keys],
        administration_role_arn=stack_set.administration_role_arn,
        execution_role_name=stack_set.execution_role_name,
        deployment_targets=_params(self).get("DeploymentTargets"))


# -- what an operation does to each instance --------------------------------------------------------


def _start(stack_set: StackSet, operation: Operation | str, handler: scheduler.AccountWork,
           on_success: Callable[[StackSet, Instance], None] = scheduler.succeeded,
           on_failure: Callable[[StackSet, Instance, str], None] = scheduler.failed) -> ActionResult:
    if isinstance(operation, str):
        return ActionResult({"OperationId": operation})
    scheduler.submit(stack_set, operation, handler, on_success, on_failure)
    return ActionResult({"OperationId": operation.operation_id})


# -- StackSets ------------------------------------------------------------------------------------------


def create_stack_set(self: CloudFormationResponse) -> ActionResult:
    name = self._get_param("StackSetName")
    permission_model = self._get_param("PermissionModel") or "SELF_MANAGED"
    owner = _owner(self)
    with LOCK:
        if REGISTRY.find(owner, self.region, name) is not None:
            raise NameAlreadyExists(f"StackSet {name} already exists")
        template = _template(self)
        if not template:
            raise ValidationError("Either TemplateBody or TemplateURL must be specified")
        parsed = _parsed(template)
        capabilities = self._get_param("Capabilities") or []
        _check_capabilities(parsed, capabilities)
        auto = _params(self).get("AutoDeployment")
        if permission_model == "SERVICE_MANAGED" and auto is None:
            raise ValidationError("AutoDeployment is required if the permissions model is "
                                  "SERVICE_MANAGED")
        managed = _flag((_params(self).get("ManagedExecution") or {}).get("Active"))
        self_managed = permission_model == "SELF_MANAGED"
        stack_set = StackSet(
            name=name, owner=owner, region=self.region, template=template,
            parameters=_parameter_values(parsed, self._get_param("Parameters") or [], {}),
            capabilities=capabilities,
            tags={t["Key"]: t["Value"] for t in self._get_param("Tags") or []},
            description=self._get_param("Description"), permission_model=permission_model,
            administration_role_arn=(self._get_param("AdministrationRoleARN") or
                                     work.default_admin_role(owner)) if self_managed else None,
            execution_role_name=(self._get_param("ExecutionRoleName") or work.EXECUTION_ROLE)
            if self_managed else None,
            auto_deployment=_auto_deployment(auto) if auto is not None else None,
            managed_execution=managed)
        REGISTRY.add(stack_set)
    return ActionResult({"StackSetId": stack_set.stack_set_id})


def _auto_deployment(given: dict[str, Any]) -> dict[str, Any]:
    auto: dict[str, Any] = {"Enabled": _flag(given.get("Enabled"))}
    if "RetainStacksOnAccountRemoval" in given:
        auto["RetainStacksOnAccountRemoval"] = _flag(given["RetainStacksOnAccountRemoval"])
    return auto


def describe_stack_set(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        return ActionResult({"StackSet": _stack_set(self).describe()})


def list_stack_sets(self: CloudFormationResponse) -> ActionResult:
    wanted = self._get_param("Status")
    with LOCK:
        stack_sets = [s.summary() for s in REGISTRY.place(_owner(self), self.region).values()
                      if wanted in (None, s.status)]
    return _page(self, "Summaries", stack_sets)


def delete_stack_set(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        stack_set = _stack_set(self)
        if stack_set.active_operation() is not None:
            raise OperationInProgress(
                f"Another Operation on StackSet {stack_set.stack_set_id} is in progress")
        if stack_set.instances:
            raise StackSetNotEmpty()
        stack_set.status = "DELETED"
    return ActionResult({})


def update_stack_set(self: CloudFormationResponse) -> ActionResult:
    """"Even if the StackSet operation created by updating the StackSet fails ... the StackSet
    is updated with your changes." A change of template or Parameters marks every instance
    OUTDATED before the targeted ones are updated (UpdateStackSet, Accounts); INOPERABLE
    instances "are excluded from further UpdateStackSet operations"."""
    with LOCK:
        stack_set = _stack_set(self)
        given_template = _template(self)
        if not given_template and not _flag(self._get_param("UsePreviousTemplate")):
            raise ValidationError("Either TemplateBody, TemplateURL or UsePreviousTemplate "
                                  "must be specified")
        template = given_template or stack_set.template
        parsed = _parsed(template)
        capabilities = self._get_param("Capabilities") or []
        _check_capabilities(parsed, capabilities)
        given_parameters = self._get_param("Parameters")
        parameters = _parameter_values(parsed, given_parameters or [], stack_set.parameters) \
            if given_parameters is not None or given_template else stack_set.parameters
        explicit = self._get_param("Accounts") or _params(self).get("DeploymentTargets")
        keys = _targets(self, stack_set) if explicit else \
            [(i.account, i.region, i.organizational_unit_id) for i in stack_set.instances.values()]
        missing = [k for k in keys if (k[0], k[1]) not in stack_set.instances]
        if missing:
            raise StackInstanceNotFound(f"Stack instance {missing[0][0]}/{missing[0][1]} "
                                        "doesn't exist.")
        keys = [k for k in keys if stack_set.instances[(k[0], k[1])].status != "INOPERABLE"]
        roles = _updated_roles(self, stack_set)
        operation = _operation(self, stack_set, "UPDATE", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        stack_set.template, stack_set.parameters, stack_set.capabilities = template, parameters, capabilities
        stack_set.administration_role_arn, stack_set.execution_role_name = roles
        operation.administration_role_arn, operation.execution_role_name = roles
        if given_template or given_parameters is not None:
            for instance in stack_set.instances.values():
                if instance.status != "INOPERABLE":
                    instance.status = "OUTDATED"
        if self._get_param("Description") is not None:
            stack_set.description = self._get_param("Description")
        if self._get_param("Tags") is not None:
            stack_set.tags = {t["Key"]: t["Value"] for t in self._get_param("Tags")}
        if self._get_param("ManagedExecution") is not None:
            stack_set.managed_execution = _flag(_params(self)["ManagedExecution"].get("Active"))
        return _start(stack_set, operation, work.deploy)


def _updated_roles(self: CloudFormationResponse, stack_set: StackSet) -> tuple[str | None, str | None]:
    """The roles the update and the StackSet act through from now on. UpdateStackSet,
    ExecutionRoleName: "If you specify a customized execution role, CloudFormation uses that
    role to update the stack. If you do not specify a customized execution role, CloudFormation
    performs the update using the role previously associated with the stack set";
    AdministrationRoleARN likewise, and: "If you specified a customized administrative role when
    you created the stack set, you must specify a customized administrative role, even if it is
    the same customized administrative role used with this stack set previously." The reference
    gives no wording for leaving it out; the stricter reading refuses."""
    if stack_set.permission_model == "SERVICE_MANAGED":
        return stack_set.administration_role_arn, stack_set.execution_role_name
    admin = self._get_param("AdministrationRoleARN")
    if admin is None and stack_set.administration_role_arn not in (
            None, work.default_admin_role(stack_set.owner)):
        raise ValidationError("AdministrationRoleARN must be specified: the StackSet was created "
                              "with a customized administration role")
    return (admin or stack_set.administration_role_arn,
            self._get_param("ExecutionRoleName") or stack_set.execution_role_name)


# -- stack instances -----------------------------------------------------------------------------------


def create_stack_instances(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        stack_set = _stack_set(self)
        keys = _targets(self, stack_set, creating=True)
        overrides = _overrides(stack_set, self._get_param("ParameterOverrides"), {}) or {}
        operation = _operation(self, stack_set, "CREATE", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        units = (_params(self).get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or []
        stack_set.organizational_unit_ids += [u for u in units if u not in stack_set.organizational_unit_ids]
        for account, region, unit in keys:
            # A target that already has an instance is brought in line, with these overrides;
            # the documentation does not say more.
            instance = stack_set.instances.setdefault((account, region), Instance(
                stack_set.stack_set_id, account, region, organizational_unit_id=unit))
            instance.overrides = dict(overrides)
        return _start(stack_set, operation, work.deploy)


def update_stack_instances(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        stack_set = _stack_set(self)
        keys = _targets(self, stack_set)
        instances = [stack_set.instances.get((a, r)) for a, r, _ in keys]
        missing = [k for k, i in zip(keys, instances, strict=True) if i is None]
        if missing:
            raise StackInstanceNotFound(f"Stack instance {missing[0][0]}/{missing[0][1]} "
                                        "doesn't exist.")
        inoperable = [i for i in instances if i is not None and i.status == "INOPERABLE"]
        if inoperable:
            # The reference says INOPERABLE instances are excluded from updates and recovered
            # with DeleteStackInstances and RetainStacks; the error code is not documented.
            raise InvalidOperation(f"Stack instance {inoperable[0].account}/{inoperable[0].region} "
                                   "is INOPERABLE: delete it with RetainStacks set to true first")
        operation = _operation(self, stack_set, "UPDATE", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        given = self._get_param("ParameterOverrides")
        for instance in instances:
            assert instance is not None
            overrides = _overrides(stack_set, given, instance.overrides)
            if overrides is not None:
                instance.overrides = overrides
        return _start(stack_set, operation, work.deploy)


def delete_stack_instances(self: CloudFormationResponse) -> ActionResult:
    retain = self._get_param("RetainStacks")
    if retain is None:
        raise ValidationError("RetainStacks is required")
    retain_stacks = _flag(retain)
    with LOCK:
        stack_set = _stack_set(self)
        keys = [k for k in _targets(self, stack_set) if (k[0], k[1]) in stack_set.instances]
        operation = _operation(self, stack_set, "DELETE", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        operation.retain_stacks = retain_stacks

        def delete(stack_set: StackSet, instance: Instance) -> float:
            return work.delete(stack_set, instance, retain_stacks)

        def removed(stack_set: StackSet, instance: Instance) -> None:
            stack_set.instances.pop(instance.key, None)

        return _start(stack_set, operation, delete, removed,
                      lambda _, instance, reason: instance.inoperable(reason))


MAX_IMPORTED_STACKS = 10


def _stack_ids(self: CloudFormationResponse) -> list[str]:
    """"Specify either StackIds or StackIdsUrl." StackIdsUrl names an S3 object holding the
    ids (its format is not documented: a JSON list, or one id per line, is read)."""
    ids, url = self._get_param("StackIds"), self._get_param("StackIdsUrl")
    if bool(ids) == bool(url):
        raise ValidationError("Specify either StackIds or StackIdsUrl, but not both.")
    if url:
        text = self._get_stack_from_s3_url(url)
        try:
            ids = json.loads(text)
        except ValueError:
            ids = [line.strip() for line in text.splitlines() if line.strip()]
    if len(ids) > MAX_IMPORTED_STACKS:
        # "You import up to 10 stacks per StackSet at a time." (StackIds)
        raise LimitExceeded(f"You can import up to {MAX_IMPORTED_STACKS} stacks at a time.")
    return list(dict.fromkeys(ids))


def _importable(stack_set: StackSet, stack_id: str) -> tuple[str, str]:
    """The (account, Region) of a stack that may join the StackSet. "Stacks can only belong to
    one stack set" (user guide, "Importing a stack into StackSets"); a stack that does not exist
    is StackNotFoundException ("The specified stack ARN doesn't exist ..."). The reasons'
    wording is not documented."""
    parts = stack_id.split(":")
    if len(parts) < 6 or not stack_id.startswith("arn:"):
        raise StackNotFound(f"Stack {stack_id} does not exist (give the stack's ARN)")
    region, account = parts[3], parts[4]
    stack = work.find_stack(account, region, stack_id)
    if stack is None:
        raise StackNotFound(f"Stack {stack_id} does not exist")
    if not stack.status.endswith("_COMPLETE") or stack.status.startswith(("ROLLBACK", "DELETE")):
        raise InvalidOperation(f"Stack {stack_id} is {stack.status}: only a stack in a stable "
                               "state can be imported")
    # FAILED_IMPORT: "Once the issues causing the failure are fixed, the import operation can be
    # retried", so the instance a failed import of this very stack left is no obstacle.
    retried = stack_set.instances.get((account, region))
    retrying = retried is not None and retried.detailed_status == FAILED_IMPORT and \
        retried.stack_id == stack.stack_id
    for other in REGISTRY.all():
        if other.status != "DELETED" and not (retrying and other is stack_set) and any(
                i.stack_id == stack.stack_id for i in other.instances.values()):
            raise InvalidOperation(f"Stack {stack_id} already belongs to StackSet {other.name}: "
                                   "stacks can only belong to one stack set")
    if retried is not None and not retrying:
        raise InvalidOperation(f"StackSet {stack_set.name} already has a stack instance in "
                               f"{account}/{region}")
    return account, region


def import_stacks_to_stack_set(self: CloudFormationResponse) -> ActionResult:
    """ImportStacksToStackSet: "Import existing stacks into a new StackSets ... by specifying
    the stack ID of the stack you intend to import." The operation is a StackSet operation
    (Action CREATE, the only one of StackSetOperationAction that adds instances); each imported
    stack becomes its account's stack instance, reached through the execution role like any
    other. "A stack's custom parameter overrides aren't affected during the import operation":
    the stack keeps its parameter values, which become the instance's overrides, and the stack
    itself is not updated. OrganizationalUnitIds: "The list of OU ID's to which the imported
    stacks must be mapped as deployment targets" (service-managed StackSets)."""
    with LOCK:
        stack_set = _stack_set(self)
        units = self._get_param("OrganizationalUnitIds") or []
        if stack_set.permission_model == "SERVICE_MANAGED" and not units:
            raise ValidationError("OrganizationalUnitIds must be specified to import stacks into "
                                  "a StackSet with the SERVICE_MANAGED permission model")
        if stack_set.permission_model != "SERVICE_MANAGED" and units:
            raise ValidationError("StackSets with SELF_MANAGED permission model can only have "
                                  "accounts as target")
        stacks = {stack_id: _importable(stack_set, stack_id) for stack_id in _stack_ids(self)}
        unit_of: dict[str, str | None] = {}
        for account, _ in stacks.values():
            unit_of[account] = None
            if units:
                found = [t for t in organization_targets(
                    stack_set.owner, {"OrganizationalUnitIds": units}) if t.account == account]
                if not found:
                    raise ValidationError(f"Account {account} is not in the OrganizationalUnitIds "
                                          "given")
                unit_of[account] = found[0].organizational_unit_id
        keys = [(account, region, unit_of[account]) for account, region in stacks.values()]
        operation = _operation(self, stack_set, "CREATE", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        stack_set.organizational_unit_ids += [u for u in units if u not in stack_set.organizational_unit_ids]
        by_key = {key: stack_id for stack_id, key in stacks.items()}
        for (account, region), stack_id in by_key.items():
            stack_set.instances[(account, region)] = Instance(
                stack_set.stack_set_id, account, region, stack_id=work.find_stack(
                    account, region, stack_id).stack_id, organizational_unit_id=unit_of[account])

        def adopt(stack_set: StackSet, instance: Instance) -> float:
            return work.adopt(stack_set, instance, by_key[instance.key])

        def not_imported(stack_set: StackSet, instance: Instance, reason: str) -> None:
            # The instance stays, INOPERABLE, with DetailedStatus FAILED_IMPORT: "The import of
            # the stack instance in the specified account and Region failed and left the stack
            # in an unstable state. Once the issues causing the failure are fixed, the import
            # operation can be retried." (StackInstance.Status: "INOPERABLE can be returned
            # here when the cause is a failed import.")
            instance.inoperable(reason, FAILED_IMPORT)

        return _start(stack_set, operation, adopt, on_failure=not_imported)


def _refuse_if_busy(stack_set: StackSet) -> None:
    """Without managed execution, "StackSets performs one operation at a time"."""
    if stack_set.active_operation() is not None and not stack_set.managed_execution:
        raise OperationInProgress(
            f"Another Operation on StackSet {stack_set.stack_set_id} is in progress")


def describe_stack_instance(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        stack_set = _stack_set(self)
        account, region = self._get_param("StackInstanceAccount"), self._get_param("StackInstanceRegion")
        instance = stack_set.instances.get((account, region))
        if instance is None:
            raise StackInstanceNotFound(f"Stack instance {account}/{region} doesn't exist.")
        return ActionResult({"StackInstance": instance.describe()})


def list_stack_instances(self: CloudFormationResponse) -> ActionResult:
    account, region = self._get_param("StackInstanceAccount"), self._get_param("StackInstanceRegion")
    filters = {f["Name"]: f["Values"] for f in self._get_param("Filters") or []}
    with LOCK:
        rows = [i.summary() for i in _stack_set(self).instances.values()
                if account in (None, i.account) and region in (None, i.region)
                and filters.get("DETAILED_STATUS") in (None, i.detailed_status)
                and filters.get("LAST_OPERATION_ID") in (None, i.last_operation_id)
                and filters.get("DRIFT_STATUS") in (None, i.drift_status)]
    return _page(self, "Summaries", rows)


# -- operations ----------------------------------------------------------------------------------------


def _find_operation(self: CloudFormationResponse) -> Operation:
    operation = _stack_set(self).operations.get(self._get_param("OperationId"))
    if operation is None:
        raise OperationNotFound(f"Operation {self._get_param('OperationId')} not found")
    return operation


def describe_stack_set_operation(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        return ActionResult({"StackSetOperation": _find_operation(self).describe()})


def list_stack_set_operations(self: CloudFormationResponse) -> ActionResult:
    """Newest first, as the AWS CLI shows them (the reference does not state an order)."""
    with LOCK:
        rows = [op.summary() for op in reversed(_stack_set(self).operations.values())]
    return _page(self, "Summaries", rows)


def list_stack_set_operation_results(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        rows = [r.describe() for r in _find_operation(self).results]
    return _page(self, "Summaries", rows)


def stop_stack_set_operation(self: CloudFormationResponse) -> ActionResult:
    with LOCK:
        stack_set = _stack_set(self)
        operation = _find_operation(self)
        if operation.done:
            raise InvalidOperation(f"Operation {operation.operation_id} is already "
                                   f"{operation.status}")
        if operation in stack_set.queue:  # never started: it simply does not run
            stack_set.queue.remove(operation)
            operation.stop_requested = True
            scheduler._cancel(stack_set, operation, operation.results, scheduler.STOPPED_REASON)
            operation.status = "STOPPED"
            return ActionResult({})
    scheduler.stop(operation)
    return ActionResult({})


def detect_stack_set_drift(self: CloudFormationResponse) -> ActionResult:
    """DetectStackSetDrift "returns the OperationId of the StackSet drift detection
    operation"; once it completes, DescribeStackSet's StackSetDriftDetectionDetails and each
    instance's DriftStatus give the result."""
    with LOCK:
        stack_set = _stack_set(self)
        keys = [(i.account, i.region, i.organizational_unit_id) for i in stack_set.instances.values()
                if i.stack_id]
        operation = _operation(self, stack_set, "DETECT_DRIFT", keys)
        if isinstance(operation, str):
            return ActionResult({"OperationId": operation})
        _refuse_if_busy(stack_set)
        operation.drift_details = stack_set.drift_details = _drift_details(stack_set, "IN_PROGRESS")

        def finished(stack_set: StackSet, operation: Operation) -> None:
            outcome = "COMPLETED" if operation.status == "SUCCEEDED" else "FAILED"
            operation.drift_details = stack_set.drift_details = _drift_details(stack_set, outcome)

        operation.payload["on_end"] = finished
        return _start(stack_set, operation, work.detect_drift,
                      lambda _, __: None, lambda _, instance, reason: None)


def _drift_details(stack_set: StackSet, detection: str) -> dict[str, Any]:
    """StackSetDriftDetectionDetails: the StackSet is DRIFTED when "one or more of the stack
    instances ... have drifted", IN_SYNC when none has, NOT_CHECKED before a detection."""
    instances = [i for i in stack_set.instances.values() if i.stack_id]
    drifted = sum(i.drift_status == "DRIFTED" for i in instances)
    in_sync = sum(i.drift_status == "IN_SYNC" for i in instances)
    details: dict[str, Any] = {
        "DriftDetectionStatus": detection,
        "DriftStatus": "NOT_CHECKED" if detection == "IN_PROGRESS" and not drifted + in_sync
        else "DRIFTED" if drifted else "IN_SYNC",
        "TotalStackInstancesCount": len(instances), "DriftedStackInstancesCount": drifted,
        "InSyncStackInstancesCount": in_sync,
        "InProgressStackInstancesCount": len(instances) if detection == "IN_PROGRESS" else 0,
        "FailedStackInstancesCount": len(instances) - drifted - in_sync if detection != "IN_PROGRESS" else 0}
    checks = [i.last_drift_check for i in instances if i.last_drift_check]
    if checks:
        details["LastDriftCheckTimestamp"] = max(checks)
    return details


def _page(self: CloudFormationResponse, key: str, rows: list[dict[str, Any]]) -> ActionResult:
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxResults") or PAGE)
    page: dict[str, Any] = {key: rows[start:start + size]}
    if start + size < len(rows):
        page["NextToken"] = str(start + size)
    return ActionResult(page)


HANDLERS: dict[str, Handler] = {
    "create_stack_set": create_stack_set, "describe_stack_set": describe_stack_set,
    "list_stack_sets": list_stack_sets, "delete_stack_set": delete_stack_set,
    "update_stack_set": update_stack_set, "create_stack_instances": create_stack_instances,
    "update_stack_instances": update_stack_instances,
    "delete_stack_instances": delete_stack_instances,
    "describe_stack_instance": describe_stack_instance,
    "list_stack_instances": list_stack_instances,
    "describe_stack_set_operation": describe_stack_set_operation,
    "list_stack_set_operations": list_stack_set_operations,
    "list_stack_set_operation_results": list_stack_set_operation_results,
    "stop_stack_set_operation": stop_stack_set_operation,
    "detect_stack_set_drift": detect_stack_set_drift,
    "import_stacks_to_stack_set": import_stacks_to_stack_set,
}

"""One account's part of an operation: its stack created, updated or deleted in that account,
behind the roles AWS needs to reach it.

Each function does the work at once in moto and returns how long it takes on AWS; the
scheduler reports the account RUNNING for that long. A failure is an `AccountFailed` with the
reason CloudFormation gives, and the simulated time spent before it.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from moto.cloudformation.models import Stack, cloudformation_backends

from scripts.aws.intrinsics import references
from scripts.emulator.engine import durations
from scripts.emulator.engine.model import Instance, StackSet
from scripts.emulator.engine.targets import member_of
from scripts.emulator.handler_permissions import (
    HandlerAccessDenied,
    creating,
    deleting,
    importing,
    require,
    updating,
)
from scripts.emulator.template_rules import no_echo_refusal, parsed
from scripts.emulator.trust import refusal, role_named, role_policies

CLOUDFORMATION = "cloudformation.amazonaws.com"
ADMIN_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
# A stack whose creation failed cannot be updated; the next operation replaces it.
FAILED_CREATION = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")


class AccountFailed(Exception):
    def __init__(self, reason: str, seconds: float = durations.STACK_OVERHEAD_SECONDS) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds


def _trusts(role: Any, principal_key: str, allowed: set[str]) -> bool:
    try:
        statements = json.loads(role.assume_role_policy_document)["Statement"]
    except (ValueError, KeyError, TypeError):
        return False
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        principals = (statement.get("Principal") or {})
        named = principals.get(principal_key, []) if isinstance(principals, dict) else principals
        named = {named} if isinstance(named, str) else set(named)
        if named & allowed:
            return True
    return False


def _admin_may_assume(admin: Any, execution: Any) -> bool:
    caller = {"account": admin.arn.split(":")[4], "arn": admin.arn, "role_arn": admin.arn}
    return refusal(caller, role_policies(admin), execution.arn, None) is None


def default_admin_role(owner: str) -> str:
    """The administration role a self-managed StackSet uses when it names none."""
    return f"arn:aws:iam::{owner}:role/{ADMIN_ROLE}"


def check_access(stack_set: StackSet, account: str) -> None:
    """Self-managed: the administration role in the admin account trusts CloudFormation, and
    the execution role in the target account trusts the administrator, and the administration
    role's own policies allow it sts:AssumeRole on the execution role ("Grant self-managed
    permissions": its policy names the execution role; evaluated in scripts.emulator.trust).
    Any of them missing gives AWS's reason (AWS re:Post, "most common IAM permission errors in
    stack set").
    Service-managed: the account must belong to the management account's organization."""
    if stack_set.permission_model == "SERVICE_MANAGED":
        if not member_of(stack_set.owner, account):
            # The API reference does not give this reason's wording.
            raise AccountFailed(f"Account {account} is not a member of the organization "
                                f"managed by {stack_set.owner}")
        return
    admin_arn = stack_set.administration_role_arn or default_admin_role(stack_set.owner)
    admin_account, admin_name = admin_arn.split(":")[4], admin_arn.rsplit("/", 1)[-1]
    execution_name = stack_set.execution_role_name or EXECUTION_ROLE
    admin = role_named(admin_account, admin_name)
    execution = role_named(account, execution_name)
    if admin is None or not _trusts(admin, "Service", {CLOUDFORMATION}) or \
            execution is None or not _admin_may_assume(admin, execution):
        raise AccountFailed(f"Account {account} should have '{execution_name}' role with trust "
                            f"relationship to Role '{admin_name}'.")


def _stack(instance: Instance) -> Stack | None:
    backend = cloudformation_backends[instance.account][instance.region]
    return backend.stacks.get(instance.stack_id) if instance.stack_id else None


def stack_of(instance: Instance) -> Stack | None:
    return _stack(instance)


def desired_parameters(stack_set: StackSet, instance: Instance) -> dict[str, str]:
    return {**stack_set.parameters, **instance.overrides}


def _values(stack: Stack) -> dict[str, str]:
    """The stack's parameter values, as text (moto keeps some as numbers)."""
    return {k: str(v) for k, v in stack.parameters.items()}


def _changed(stack: Stack, template: str, parameters: dict[str, str]) -> set[str]:
    """Resources an update creates or touches: those whose definition changed, that refer to a
    parameter whose value changed, or that the new values' conditions create (the edge's
    serving half when `EdgeDelegated` turns true)."""
    old = json.loads(stack.template).get("Resources", {}) if stack.template.lstrip().startswith("{") else {}
    new = json.loads(template).get("Resources", {}) if template.lstrip().startswith("{") else {}
    moved = {k for k, v in parameters.items() if str(stack.parameters.get(k)) != v}
    existed = durations.present(stack.template, _values(stack))
    exists = durations.present(template, parameters)
    return {name for name, spec in new.items() if name in exists and (
        old.get(name) != spec or references(spec) & moved or name not in existed)}


def deploy(stack_set: StackSet, instance: Instance) -> float:
    """Bring the instance's stack in line with the StackSet: create it (replacing one whose
    creation failed) or update it. Returns simulated seconds."""
    check_access(stack_set, instance.account)
    backend = cloudformation_backends[instance.account][instance.region]
    parameters = desired_parameters(stack_set, instance)
    stack = _stack(instance)
    if stack is not None and stack.status not in FAILED_CREATION:
        if stack.template == stack_set.template and \
                _values(stack) == parameters and \
                stack.tags == stack_set.tags:
            return durations.STACK_OVERHEAD_SECONDS  # nothing to change: StackSets succeed
        changed = _changed(stack, stack_set.template, parameters)
        seconds = durations.stack_seconds(stack_set.template, "UPDATE", changed, parameters)
        try:
            require(stack_set, instance, updating(stack.template, _values(stack), stack_set.template,
                                                  parameters, changed),
                stack.template, stack_set.template)
            backend.update_stack(name=stack.stack_id, template=stack_set.template, role_arn=None,
                                 parameters=[{"ParameterKey": k, "ParameterValue": v}
                                             for k, v in parameters.items()],
                                 tags=dict(stack_set.tags))
            # moto creates a resource whose Condition turned true only when something first
            # reads it (a later DescribeStacks); AWS creates it during the update, whose
            # failure is then the instance's
            for logical_id in list(stack.resource_map.resources):
                stack.resource_map[logical_id]
        except Exception as err:
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
            raise AccountFailed(_reason(err), _spent(err, seconds)) from None
        return seconds
    if stack is not None:  # rolled back already: only the stack record is left to delete
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack
        stack.status = "DELETE_COMPLETE"
    name = f"StackSet-{stack_set.name}-{uuid.uuid4()}"
    seconds = durations.stack_seconds(stack_set.template, "CREATE", parameters=parameters)
    try:
        require(stack_set, instance, creating(stack_set.template, parameters), stack_set.template)
        stack = backend.create_stack(name=name, template=stack_set.template,
                                     parameters=parameters, tags=dict(stack_set.tags))
    except Exception as err:
        _roll_back(backend, name, instance)
        raise AccountFailed(_reason(err), _spent(err, seconds)) from None
    instance.stack_id = stack.stack_id
    return seconds


def _roll_back(backend: Any, name: str, instance: Instance) -> None:
    """A failed creation is rolled back: what was created is deleted (Retain resources stay,
    as on any deletion) and the stack is left ROLLBACK_COMPLETE."""
    stack = next((s for s in backend.stacks.values() if s.name == name), None)
    if stack is None:
        return
    instance.stack_id = stack.stack_id
    with contextlib.suppress(Exception):  # a partial resource that cannot be deleted stays
        stack.resource_map.delete()
    # A rolled-back stack has no outputs (its resources are gone); moto would still evaluate them.
    stack.output_map = type(stack.output_map)(stack.resource_map, {"Outputs": {}}, stack.stack_id)
    stack.status = "ROLLBACK_COMPLETE"


def delete(stack_set: StackSet, instance: Instance, retain_stack: bool) -> float:
    """Delete the instance's stack (its Retain resources stay), or with RetainStacks only
    disassociate it. A deletion that fails leaves the instance INOPERABLE (scheduler)."""
    if retain_stack:
        return durations.STACK_OVERHEAD_SECONDS
    check_access(stack_set, instance.account)
    stack = _stack(instance)
    if stack is None:
        return durations.STACK_OVERHEAD_SECONDS
    seconds = durations.stack_seconds(stack.template, "DELETE", parameters=_values(stack))
    backend = cloudformation_backends[instance.account][instance.region]
    try:
        require(stack_set, instance, deleting(stack.template, _values(stack)), stack.template)
        backend.delete_stack(stack.stack_id)
    except Exception as err:  # the stack stays, DELETE_FAILED, with what it could not delete
        backend.stacks[stack.stack_id] = stack
        backend.deleted_stacks.pop(stack.stack_id, None)
        stack.status = "DELETE_FAILED"
        raise AccountFailed(_reason(err), seconds) from None
    return seconds


def find_stack(account: str, region: str, stack_id: str) -> Stack | None:
    """A live (not deleted) stack by its id, in its account and Region."""
    return cloudformation_backends[account][region].stacks.get(stack_id)


def adopt(stack_set: StackSet, instance: Instance, stack_id: str) -> float:
    """ImportStacksToStackSet for one account: the existing stack becomes the instance's stack,
    as it is ("A stack's custom parameter overrides aren't affected during the import
    operation"): its values for the StackSet's parameters become the instance's overrides."""
    check_access(stack_set, instance.account)
    stack = find_stack(instance.account, instance.region, stack_id)
    if stack is None:
        raise AccountFailed(f"Stack {stack_id} does not exist")
    hidden = no_echo_refusal(parsed(stack.template) or {})
    if hidden:
        raise AccountFailed(hidden)
    try:
        require(stack_set, instance, importing(stack.template, _values(stack)), stack.template)
    except HandlerAccessDenied as refused:
        raise AccountFailed(refused.message) from None
    declared = json.loads(stack_set.template).get("Parameters", {}) \
        if stack_set.template.lstrip().startswith("{") else stack_set.parameters
    instance.stack_id = stack.stack_id
    instance.overrides = {k: v for k, v in _values(stack).items() if k in declared}
    return durations.STACK_OVERHEAD_SECONDS


def _spent(err: Exception, seconds: float) -> float:
    """Simulated time before a failure: what the failing resource says it waited (a
    certificate waits for validation up to 72 hours), else half the operation."""
    return float(getattr(err, "seconds", seconds / 2))


def _reason(err: Exception) -> str:
    message = getattr(err, "message", "") or str(err) or type(err).__name__
    # moto's JSON services keep the error's name in `error_type` and the HTTP status in `code`
    code = str(getattr(err, "error_type", "") or getattr(err, "code", "") or "")
    if code.isdigit():
        code = ""
    return f"{code}: {message}" if code and code not in message else message


def detect_drift(stack_set: StackSet, instance: Instance) -> float:
    """Drift detection on the instance's stack: "it performs drift detection on the stack
    associated with each stack instance in the StackSet" (DetectStackSetDrift). The instance's
    DriftStatus follows its stack's."""
    from scripts.emulator.drift import detect

    check_access(stack_set, instance.account)
    stack = _stack(instance)
    if stack is None:
        raise AccountFailed("The stack instance has no stack to check")
    backend = cloudformation_backends[instance.account][instance.region]
    detection = detect(backend, stack)
    instance.drift_status = detection["StackDriftStatus"]
    instance.last_drift_check = detection["Timestamp"]
    # Drift checks read every resource's configuration: about a second each (stack events).
    return durations.STACK_OVERHEAD_SECONDS + len(detection["drifts"])

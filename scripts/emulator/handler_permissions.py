"""What the execution role must grant before CloudFormation's resource handlers act with it.

A self-managed StackSet's stack runs in the target account as the execution role, and each
resource's handler calls AWS with that role's credentials. The resource type schema documents
each handler's permissions: "A string array that specifies the AWS permissions needed to invoke
the create handler" (likewise read, update and delete; CloudFormation CLI user guide, "Resource
type schema"). So before a handler runs, the role's own policies (inline and attached, evaluated
by `scripts.emulator.trust.identity_allows`) must allow every permission its handler lists;
the first resource, in template order, whose handler lacks one fails the account with the
reason CloudFormation gives (below).

Which handlers an operation invokes ("Implementing resource handlers", CloudFormation CLI):
create for a resource the stack creates, update for one it changes ("when the resource is
updated as part of a stack update operation"), delete for one it deletes ("when the resource is
deleted ... or the stack itself is deleted"; a `Retain` resource is not deleted), and read "as
part of a stack update operation when detailed information about the resource's current state
is required". The documentation is silent on whether read also follows a create, and on what
ImportStacksToStackSet calls (it only says "A stack's custom parameter overrides aren't affected
during the import operation"); the stricter readings are kept: a create also needs read, and an
import needs read for every resource of the stack, as resource import needs it to check that
"The resource to import exists" ("Resource import validation").

Readings where the documentation is silent, each the stricter one that can still be met:
- The schema does not say which properties need which permission, and some it lists serve
  integrations a handler calls only when a property asks for one (an S3 bucket's
  `s3tables:*` for a metadata table, a DynamoDB table's `kinesis:PutRecords` for a stream).
  A role that omits them works on AWS for a stack that uses no such service, so a permission
  counts when its service is one the stack's own resources belong to: for each resource type,
  the service its handlers list most permissions of (ties all count; `apigateway` and `iam`
  for AWS::ApiGateway::Account). Every permission of those services counts, whether or not
  the properties in the template ask for it.
- Names IAM does not define (cfn-lint's catalogue of IAM actions, the same one
  `scripts.checks.permissions` derives the platform's role from; e.g. `s3:REST.PUT.OBJECT`) are
  not checked: no explicit policy can grant them, so no handler can be refused for them.
- The schemas list actions, not resources, while the handlers call with the resource's ARN,
  which the emulator cannot know before the resource exists. A permission counts as granted
  when some resource the role's statements name (or `*`) is allowed for the action, so an
  execution role scoped to its own ARNs (the platform's IAM statement names only its roles)
  passes; a Deny that covers that resource wins, as in IAM's evaluation.
- Condition keys set: `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalOrgID`
  (`trust.request_context`), `aws:ResourceAccount` (the target account) and
  `aws:RequestedRegion` (the instance's Region); a condition on any other key is not met.
- Only JSON templates are read (as `scripts.emulator.engine.durations` reads them); a YAML
  template's resources are not checked.

Service-managed StackSets are not checked: StackSets acts there through the service-linked
role, "Once you have enabled trusted access, StackSets creates the necessary IAM roles in the
management account and target (member) accounts" with the permissions it needs ("Activate
trusted access with AWS Organizations"), so no customer policy stands in the way.
"""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from scripts.aws.resource_schemas import iam_actions, schema
from scripts.emulator.engine import durations
from scripts.emulator.engine.model import Instance, StackSet
from scripts.emulator.trust import identity_allows, request_context, role_named, role_policies

# AWS's default execution role name (scripts.emulator.engine.work.EXECUTION_ROLE), used when a
# self-managed StackSet records none.
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
RETAINED = ("Retain", "RetainExceptOnCreate")
CREATE, READ, UPDATE, DELETE = ("create", "read"), ("read",), ("update", "read"), ("delete",)

# One resource an operation acts on: its logical id, its type and the handlers it invokes.
Need = tuple[str, str, tuple[str, ...]]


class HandlerAccessDenied(Exception):
    """A handler refused for want of a permission; `message` is CloudFormation's reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@lru_cache(maxsize=64)
def _resources(template: str) -> dict[str, Any]:
    try:
        body = json.loads(template)
    except ValueError:
        return {}
    resources = body.get("Resources", {}) if isinstance(body, dict) else {}
    return resources if isinstance(resources, dict) else {}


def _acting(template: str, parameters: dict[str, str], names: Iterable[str],
            handlers: tuple[str, ...]) -> list[Need]:
    """The resources in `names` that exist with these values, in template order."""
    chosen = set(names) & durations.present(template, parameters)
    return [(name, spec.get("Type", ""), handlers) for name, spec in _resources(template).items()
            if name in chosen]


def creating(template: str, parameters: dict[str, str]) -> list[Need]:
    return _acting(template, parameters, _resources(template), CREATE)


def updating(old_template: str, old_parameters: dict[str, str], template: str,
             parameters: dict[str, str], changed: set[str]) -> list[Need]:
    """An update creates what only the new values have, changes `changed`, and deletes what
    only the old values had (unless it is retained)."""
    before = durations.present(old_template, old_parameters)
    after = durations.present(template, parameters)
    return [*_acting(template, parameters, after - before, CREATE),
            *_acting(template, parameters, (changed & after) & before, UPDATE),
            *deleting(old_template, old_parameters, before - after)]


def deleting(template: str, parameters: dict[str, str],
             names: Iterable[str] | None = None) -> list[Need]:
    resources = _resources(template)
    kept = {name for name, spec in resources.items() if spec.get("DeletionPolicy") in RETAINED}
    return _acting(template, parameters, set(resources if names is None else names) - kept, DELETE)


def importing(template: str, parameters: dict[str, str]) -> list[Need]:
    return _acting(template, parameters, _resources(template), READ)


@cache
def _known(action: str) -> bool:
    service, _, name = action.partition(":")
    return name.lower() in iam_actions().get(service.lower(), {}).get("Actions", {})


@cache
def handler_actions(type_name: str, handler: str) -> tuple[str, ...]:
    """The IAM actions the schema lists for one handler of `type_name`; none for a type with
    no schema (a custom resource, whose handler is the template's own function)."""
    try:
        handlers = schema(type_name).get("handlers", {})
    except KeyError:
        return ()
    return tuple(a for a in handlers.get(handler, {}).get("permissions", []) if _known(a))


@cache
def own_services(type_name: str) -> frozenset[str]:
    """The service (IAM prefix) whose permissions `type_name`'s handlers list most."""
    counts = Counter(action.split(":")[0] for handler in ("create", "read", "update", "delete")
                     for action in handler_actions(type_name, handler))
    most = max(counts.values(), default=0)
    return frozenset(service for service, count in counts.items() if count == most)


def stack_services(*templates: str) -> frozenset[str]:
    """The services the stack's resources belong to (all of them, not only those an operation
    acts on): the ones whose permissions count."""
    return frozenset().union(*(own_services(spec.get("Type", "")) for template in templates
                               for spec in _resources(template).values()
                               if isinstance(spec, dict)))


def _statements(policies: list[Any]) -> list[dict[str, Any]]:
    """Every statement of the role's policies, inline (text or parsed) and managed (its
    default version), as `identity_allows` reads them."""
    found: list[dict[str, Any]] = []
    for policy in policies:
        if hasattr(policy, "versions"):
            policy = next(v.document for v in policy.versions if v.is_default)
        try:
            statements = (json.loads(policy) if isinstance(policy, str) else policy)["Statement"]
        except (ValueError, KeyError, TypeError):
            continue
        found.extend(s for s in (statements if isinstance(statements, list) else [statements])
                     if isinstance(s, dict))
    return found


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


@lru_cache(maxsize=32)
def _index(statements: str) -> tuple[tuple[re.Pattern[str] | None, dict[str, Any]], ...]:
    """Each statement with one regex of its Action patterns (None for NotAction), so that only
    the few statements about an action go to the evaluator: the platform's role lists
    hundreds of actions, and each deploy checks hundreds of permissions in every account."""
    indexed = []
    for statement in json.loads(statements):
        actions = _listed(statement.get("Action")) if "Action" in statement else None
        pattern = re.compile("|".join(fnmatch.translate(a.lower()) for a in actions)) \
            if actions else None
        indexed.append((pattern, statement))
    return tuple(indexed)


@lru_cache(maxsize=8192)
def _decision(statements: str, context: tuple[tuple[str, str], ...], action: str) -> str | None:
    """None when the action is granted on some resource the statements name; else the
    refusal's wording, "with an explicit deny" when a Deny covers every resource."""
    relevant = [s for pattern, s in _index(statements)
                if pattern is None or pattern.match(action.lower())]
    values = dict(context)
    resources = {"*", *(r for s in relevant if s.get("Effect") == "Allow"
                        for r in _listed(s.get("Resource")))}
    policy = [{"Statement": relevant}]
    if any(identity_allows(policy, action, resource, values) for resource in resources):
        return None
    denials = [{**s, "Effect": "Allow"} for s in relevant if s.get("Effect") == "Deny"]
    if identity_allows([{"Statement": denials}], action, "*", values):
        return "with an explicit deny in an identity-based policy"
    return f"because no identity-based policy allows the {action} action"


def _reason(role_arn: str, account: str, need: Need, action: str, wording: str) -> str:
    """CloudFormation's reason for a stack instance whose resource failed (as
    ListStackSetOperationResults shows it), around IAM's AccessDenied message. The session
    name StackSets uses is an id (CloudTrail shows `assumed-role/<role>/<uuid>`); the ARN the
    handler called on is not known here, so the resource is `*`; the service name and status
    code follow the handlers' SDK and are not documented per type."""
    logical_id, type_name, _ = need
    session = f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{uuid.uuid4()}"
    return (f"ResourceLogicalId:{logical_id}, ResourceType:{type_name}, ResourceStatusReason:"
            f"Resource handler returned message: \"User: {session} is not authorized to perform: "
            f"{action} on resource: * {wording} (Service: {type_name.split('::')[1]}, Status "
            f"Code: 400, Request ID: {uuid.uuid4()})\" (RequestToken: {uuid.uuid4()}, "
            "HandlerErrorCode: AccessDenied).")


def require(stack_set: StackSet, instance: Instance, needs: list[Need], *templates: str) -> None:
    """Raise HandlerAccessDenied for the first resource whose handlers the execution role may
    not invoke; `templates` are the stack's (old and new, for an update). A missing role is
    `work.check_access`'s to refuse, before this runs."""
    if stack_set.permission_model == "SERVICE_MANAGED" or not needs:
        return
    role = role_named(instance.account, stack_set.execution_role_name or EXECUTION_ROLE)
    if role is None:
        return
    statements = json.dumps(_statements(role_policies(role)), sort_keys=True)
    caller = {"account": instance.account, "arn": role.arn, "role_arn": role.arn}
    context = tuple(sorted({**request_context(caller), "aws:resourceaccount": instance.account,
                            "aws:requestedregion": instance.region}.items()))
    services = stack_services(*templates)
    for need in needs:
        for handler in need[2]:
            for action in handler_actions(need[1], handler):
                if action.split(":")[0] not in services:
                    continue
                wording = _decision(statements, context, action)
                if wording is not None:
                    raise HandlerAccessDenied(_reason(role.arn, instance.account, need, action,
                                                      wording))

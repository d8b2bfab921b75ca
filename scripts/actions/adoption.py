"""Redeploy after destroy: the new stack adopts the retained tables, buckets, key, log groups and
the edge's hosted zone (so the parent domain's delegation to its name servers stays valid).

`destroy` keeps every stateful resource (DeletionPolicy Retain), under the same names. A plain
CreateStackInstances would then fail on the first name that exists (BucketAlreadyExists), for
ever, and the unnamed KMS key would get an empty twin. Instead, CloudFormation's own mechanisms
bring the old resources, with their data, under the environment's new stack:

1. in the target account, through the execution role, a change set of type IMPORT creates a
   stack from a reduced template that holds only the resources to import (resource import
   needs every template resource to be imported, each with a DeletionPolicy), with the
   environment's parameter values;
2. UpdateStack gives that stack the full platform template: the rest is created beside the
   adopted resources, which are left as they are;
3. ImportStacksToStackSet makes the stack the environment's stack instance (the stack keeps its
   parameter values, which become the instance's overrides); the normal plan follows.

A name that cannot be adopted (a bucket owned by another account, a table with another key
schema, a key pending deletion) is a conflict, reported before any operation starts with the
way out. This module decides (pure); `scripts.actions.survey` looks in the accounts and
`scripts.actions.adopt` carries an adoption out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scripts.aws.intrinsics import condition_holds, references
from scripts.aws.resource_schemas import identifier_properties
from scripts.plan.decide import Recovery, Target

# The identifier property resource import takes for each type the platform retains.
IDENTIFIERS = {kind: identifier_properties(kind)[0] for kind in (
    "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key",
    "AWS::Route53::HostedZone")}
NAME_PROPERTIES = {"AWS::DynamoDB::Table": "TableName", "AWS::S3::Bucket": "BucketName",
                   "AWS::Logs::LogGroup": "LogGroupName", "AWS::Route53::HostedZone": "Name"}
RETAINING = ("Retain", "RetainExceptOnCreate")
TEMPLATE_SECTIONS = ("AWSTemplateFormatVersion", "Description", "Parameters", "Mappings",
                     "Conditions")


@dataclass(frozen=True)
class Retained:
    """A resource the template keeps, with the name it has in one account and Region (a KMS
    key has none: it is found by its Name tag)."""

    logical_id: str
    type: str
    name: str
    key_schema: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Found:
    """What the account holds under a retained resource's name."""

    retained: Retained
    state: str  # present | absent | conflict
    identifier: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Adoption:
    """One environment's instance to be built around its retained resources."""

    stack_set: str
    target: Target
    found: tuple[Found, ...]
    replaces_failed: bool = False
    note: str = ""
    # An INOPERABLE instance: recovered first (its stack deleted, the instance released with
    # RetainStacks), so that the new stack adopts its retained resources in the same deploy.
    recovers: Recovery | None = None
    # (kept, gone): a retained resource found whose definition refers to one that is gone (deleted
    # by hand, an interrupted purge): the import template would refer to nothing, which
    # CloudFormation refuses, so the adoption is refused before anything starts.
    stranded: tuple[tuple[str, str], ...] = ()

    @property
    def adopted(self) -> list[Found]:
        return [f for f in self.found if f.state == "present"]

    @property
    def conflicts(self) -> list[Found]:
        return [f for f in self.found if f.state == "conflict"]

    @property
    def where(self) -> str:
        return f"{self.stack_set} / {self.target.environment} ({self.target.account} " \
               f"{self.target.region})"

    def lines(self) -> list[str]:
        """What plan shows and deploy says."""
        if self.note:
            return [f"{self.where}: {self.note}"]
        head = "adopts retained resources into a new stack" + (
            " (replacing the instance whose first creation failed)" if self.replaces_failed else
            " (after recovering the INOPERABLE instance: its stack deleted, the instance "
            "released with RetainStacks)" if self.recovers else "")
        lines = [f"{self.where}: {head}"]
        lines += [f"    adopt     {f.retained.logical_id}  {f.retained.type}  {f.identifier}"
                  for f in self.adopted]
        lines += [f"    CONFLICT  {f.retained.logical_id}  {f.retained.type}  {f.retained.name}: "
                  f"{f.detail}" for f in self.conflicts]
        gone = {f.retained.logical_id: f.retained for f in self.found}
        lines += [f"    STRANDED  {kept} refers to {missing}, which is gone"
                  f"{_named(gone.get(missing))}: re-create it by hand as it was (both are then "
                  f"adopted), or move {kept}'s data out and delete it (deploy then creates both)"
                  for kept, missing in self.stranded]
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"stack_set": self.stack_set, "environment": self.target.environment,
                "account": self.target.account, "region": self.target.region,
                "replaces_failed": self.replaces_failed, "note": self.note,
                "recovers_inoperable": self.recovers is not None,
                "stranded": [{"logical_id": kept, "refers_to": missing}
                             for kept, missing in self.stranded],
                "resources": [{"logical_id": f.retained.logical_id, "type": f.retained.type,
                               "state": f.state, "identifier": f.identifier or f.retained.name,
                               "detail": f.detail} for f in self.found if f.state != "absent"]}

def resolve(value: Any, parameters: dict[str, str], pseudo: dict[str, str]) -> str | None:
    """A name property's value in one account: text, Ref, or Fn::Sub over parameters and
    pseudo parameters. Anything else (a GetAtt, an If) cannot be known before the stack runs."""
    names = {**parameters, **pseudo}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return names.get(value["Ref"])
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        body, extra = value["Fn::Sub"], {}
        if isinstance(body, list):
            body, extra = body[0], {k: resolve(v, parameters, pseudo) for k, v in body[1].items()}
        known = {**names, **extra}
        missing = [n for n in re.findall(r"\$\{([^}!]+)\}", body) if known.get(n) is None]
        if missing:
            return None
        return re.sub(r"\$\{([^}!]+)\}", lambda m: str(known[m.group(1)]), body)
    return None


def retained(template: dict[str, Any], parameters: dict[str, str], account: str, region: str,
             partition: str = "aws") -> list[Retained]:
    """Every resource of an adoptable type that a deletion keeps, named as in this account."""
    pseudo = {"AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": partition}
    found = []
    for logical_id, spec in sorted((template.get("Resources") or {}).items()):
        kind = spec.get("Type", "")
        if kind not in IDENTIFIERS or spec.get("DeletionPolicy") not in RETAINING:
            continue
        if "Condition" in spec and not condition_holds(template, spec["Condition"], parameters):
            continue  # not created with these values (the edge's zone when the edge is off)
        properties = spec.get("Properties") or {}
        if kind == "AWS::KMS::Key":
            tags = {t.get("Key"): t.get("Value") for t in properties.get("Tags") or []}
            name = resolve(tags.get("Name"), parameters, pseudo)
        else:
            name = resolve(properties.get(NAME_PROPERTIES[kind]), parameters, pseudo)
        if not name:
            continue  # unnamed: CloudFormation generates a new name, nothing to collide with
        schema = tuple((k["AttributeName"], k["KeyType"]) for k in properties.get("KeySchema") or []
                       if isinstance(k, dict))
        found.append(Retained(logical_id, kind, name, schema))
    return found


def import_template(template: dict[str, Any], logical_ids: list[str]) -> dict[str, Any]:
    """The template for the IMPORT change set: the full template's parameters, mappings and
    conditions, and only the resources to import, each exactly as the full template defines it
    (so the later update to the full template leaves them untouched)."""
    reduced = {k: template[k] for k in TEMPLATE_SECTIONS if k in template}
    reduced["Resources"] = {lid: template["Resources"][lid] for lid in logical_ids}
    return reduced


def _named(resource: Retained | None) -> str:
    return f" ({resource.type} {resource.name})" if resource and resource.name else ""


def stranded(template: dict[str, Any], found: tuple[Found, ...]) -> tuple[tuple[str, str], ...]:
    """(kept, gone) for each found retained resource whose definition (properties, condition,
    DependsOn) names a resource that the import would not hold."""
    resources = template.get("Resources", {})
    kept = {f.retained.logical_id for f in found if f.state == "present"}
    pairs = []
    for logical_id in sorted(kept):
        spec = {k: v for k, v in resources[logical_id].items() if k != "Metadata"}
        depends = spec.pop("DependsOn", [])
        named = references(spec) | set([depends] if isinstance(depends, str) else depends)
        pairs += [(logical_id, other) for other in sorted(named & set(resources) - kept)]
    return tuple(pairs)


def resources_to_import(adoption: Adoption) -> list[dict[str, Any]]:
    return [{"ResourceType": f.retained.type, "LogicalResourceId": f.retained.logical_id,
             "ResourceIdentifier": {IDENTIFIERS[f.retained.type]: f.identifier}}
            for f in adoption.adopted]


def unreadable(adoptions: list[Adoption]) -> str | None:
    """One line when some target could not be looked into, or None. Not knowing whether
    retained data is there is never read as "absent": creating the stack then meets the
    retained names (BucketAlreadyExists) and leaves an instance no retry can fix."""
    blind = [a for a in adoptions if a.note]
    if not blind:
        return None
    more = f" (and {len(blind) - 1} more)" if len(blind) > 1 else ""
    return f"cannot tell whether {blind[0].where} keeps retained data{more}: {blind[0].note}"


def refusal(adoptions: list[Adoption]) -> str | None:
    """The one message that stops a deploy before any operation, or None."""
    blind = unreadable(adoptions)
    if blind:
        return f"refusing to deploy, nothing was changed: {blind}"
    conflicts = [a for a in adoptions if a.conflicts or a.stranded]
    if not conflicts:
        return None
    lines = ["refusing to deploy: retained resources cannot be adopted as they are, a name "
             "taken by something the new stack cannot adopt or a kept resource that refers to "
             "one that is gone (nothing was changed):"]
    for adoption in conflicts:
        lines += adoption.lines()
    return "\n".join(lines)


def describe_all(adoptions: list[Adoption]) -> str:
    return "\n".join(line for a in adoptions for line in a.lines())

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
way out. The pure functions decide; `survey` and `Adopter` do the I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.aws import describe, error_code
from scripts.errors import DeploymentError
from scripts.intrinsics import condition_holds
from scripts.plan import DeployedStackSet, DesiredStackSet, Recovery, Target

# The identifier property resource import takes for each type the platform retains.
IDENTIFIERS = {"AWS::DynamoDB::Table": "TableName", "AWS::S3::Bucket": "BucketName",
               "AWS::Logs::LogGroup": "LogGroupName", "AWS::KMS::Key": "KeyId",
               "AWS::Route53::HostedZone": "Id"}
NAME_PROPERTIES = {"AWS::DynamoDB::Table": "TableName", "AWS::S3::Bucket": "BucketName",
                   "AWS::Logs::LogGroup": "LogGroupName", "AWS::Route53::HostedZone": "Name"}
# The services `probe` calls in every account (KMS only where retained data names a key).
SURVEY_SERVICES = ("dynamodb", "s3", "logs", "route53")
RETAINING = ("Retain", "RetainExceptOnCreate")
# A first creation that failed leaves its stack rolled back; the retained resources stay.
FAILED_STACK = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_COMPLETE")
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
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"stack_set": self.stack_set, "environment": self.target.environment,
                "account": self.target.account, "region": self.target.region,
                "replaces_failed": self.replaces_failed, "note": self.note,
                "recovers_inoperable": self.recovers is not None,
                "resources": [{"logical_id": f.retained.logical_id, "type": f.retained.type,
                               "state": f.state, "identifier": f.identifier or f.retained.name,
                               "detail": f.detail} for f in self.found if f.state != "absent"]}


# -- pure: what the template retains, and the import template --------------------------------------


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
    conflicts = [a for a in adoptions if a.conflicts]
    if not conflicts:
        return None
    lines = ["refusing to deploy: retained names are taken by something the new stack cannot "
             "adopt (nothing was changed):"]
    for adoption in conflicts:
        lines += adoption.lines()
    return "\n".join(lines)


# -- I/O: look in the account -------------------------------------------------------------------------


def _table(client: Any, item: Retained, keys: list[str]) -> Found:
    try:
        table = client.describe_table(TableName=item.name)["Table"]
    except Exception as err:
        if error_code(err) == "ResourceNotFoundException":
            return Found(item, "absent")
        raise
    keys.append((table.get("SSEDescription") or {}).get("KMSMasterKeyArn", ""))
    schema = tuple((k["AttributeName"], k["KeyType"]) for k in table.get("KeySchema", []))
    if item.key_schema and schema != item.key_schema:
        return Found(item, "conflict", detail=f"its key schema {list(schema)} is not the "
                     f"template's {list(item.key_schema)}; move its data to another table and "
                     f"delete it (aws dynamodb delete-table --table-name {item.name}), or give "
                     "the environment another name")
    if table.get("TableStatus") == "DELETING":
        return Found(item, "conflict", detail="it is being deleted; wait, then deploy again")
    return Found(item, "present", item.name)


def _bucket(client: Any, item: Retained, account: str, keys: list[str]) -> Found:
    """HeadBucket with ExpectedBucketOwner: 404 no such bucket, 403 someone else's."""
    try:
        client.head_bucket(Bucket=item.name, ExpectedBucketOwner=account)
    except Exception as err:
        if error_code(err) in ("404", "NoSuchBucket", "NotFound"):
            return Found(item, "absent")
        if error_code(err) not in ("403", "AccessDenied", "Forbidden"):
            raise
        return Found(item, "conflict", detail="the name belongs to another AWS account; bucket "
                     "names are global: free it there, or give the environment another name")
    try:
        rules = client.get_bucket_encryption(Bucket=item.name)[
            "ServerSideEncryptionConfiguration"]["Rules"]
        keys += [(r.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID", "")
                 for r in rules]
    except Exception as err:
        if error_code(err) != "ServerSideEncryptionConfigurationNotFoundError":
            raise
    return Found(item, "present", item.name)


# DescribeLogGroups takes 1 to 50 names in logGroupIdentifiers (CloudWatch Logs API reference).
LOG_GROUPS_PER_CALL = 50


def log_groups(client: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """The log groups of these names that exist in the account, by name: one DescribeLogGroups
    per 50 names (logGroupIdentifiers) instead of one per name, the same action the execution
    role has. Where the names are refused (the API reference allows only ARNs in a
    cross-account monitoring account), or this botocore predates the parameter (1.35, which
    checkov's pins bring in), each name is looked up by prefix, every page of it."""
    takes_identifiers = "logGroupIdentifiers" in client.meta.service_model.operation_model(
        "DescribeLogGroups").input_shape.members
    wanted = list(dict.fromkeys(names))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), LOG_GROUPS_PER_CALL):
        chunk = wanted[start:start + LOG_GROUPS_PER_CALL]
        groups = None
        if takes_identifiers:
            try:
                groups = _described(client, logGroupIdentifiers=chunk)
            except Exception as err:
                if error_code(err) not in ("InvalidParameterException", "ValidationException"):
                    raise
        if groups is None:
            groups = [g for name in chunk for g in _described(client, logGroupNamePrefix=name)]
        found.update((g["logGroupName"], g) for g in groups if g["logGroupName"] in chunk)
    return found


def _described(client: Any, **filters: Any) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    page = client.describe_log_groups(**filters)
    groups += page.get("logGroups", [])
    while page.get("nextToken"):
        page = client.describe_log_groups(**filters, nextToken=page["nextToken"])
        groups += page.get("logGroups", [])
    return groups


def _log_group(groups: dict[str, dict[str, Any]], item: Retained, keys: list[str]) -> Found:
    group = groups.get(item.name)
    if group is None:
        return Found(item, "absent")
    keys.append(group.get("kmsKeyId", ""))
    return Found(item, "present", item.name)


def _key(client: Any, item: Retained, candidates: list[str]) -> Found:
    """The key is unnamed: it is the one the retained tables, buckets and log groups are
    encrypted with that carries the template's Name tag (no ListKeys: the execution role has
    only the actions CloudFormation's handlers call). With none of them left, no retained data
    depends on it, and a new key is created."""
    matches = []
    for key_id in dict.fromkeys(c for c in candidates if c):
        try:
            meta = client.describe_key(KeyId=key_id)["KeyMetadata"]
            tags = client.list_resource_tags(KeyId=meta["KeyId"]).get("Tags", [])
        except Exception as err:
            if error_code(err) in ("NotFoundException", "AccessDeniedException"):
                continue  # an AWS managed or foreign key: not the platform's
            raise
        if {"TagKey": "Name", "TagValue": item.name} in tags and meta.get("KeyManager") == "CUSTOMER":
            matches.append(meta)
    usable = [m for m in matches if m["KeyState"] == "Enabled"]
    if len(usable) == 1:
        return Found(item, "present", usable[0]["KeyId"])
    if len(usable) > 1:
        ids = ", ".join(m["KeyId"] for m in usable)
        return Found(item, "conflict", detail=f"the retained data uses several keys with this Name "
                     f"tag ({ids}); re-encrypt it under one of them, then deploy again")
    if matches:
        key = matches[0]
        return Found(item, "conflict", key["KeyId"], detail=f"key {key['KeyId']} is {key['KeyState']}; the "
                     "retained data is encrypted with it: aws kms cancel-key-deletion --key-id "
                     f"{key['KeyId']} && aws kms enable-key --key-id {key['KeyId']}, then deploy "
                     "again")
    return Found(item, "absent")


def _zone(client: Any, item: Retained) -> Found:
    """The public hosted zone of that name (ListHostedZones: the execution role has it, not
    ListHostedZonesByName). Route 53 allows several zones of one name; only one can be the
    zone the parent domain delegates to, so several are a conflict for a person to settle."""
    name = item.name.rstrip(".").lower()
    zones = [z["Id"].rsplit("/", 1)[-1] for page in client.get_paginator(
             "list_hosted_zones").paginate() for z in page["HostedZones"]
             if z["Name"].rstrip(".").lower() == name and not (z.get("Config") or {}).get("PrivateZone")]
    if not zones:
        return Found(item, "absent")
    if len(zones) > 1:
        deletes = " or ".join(f"aws route53 delete-hosted-zone --id {z}" for z in zones)
        return Found(item, "conflict", detail=f"{len(zones)} public hosted zones have this name "
                     f"({', '.join(zones)}); keep the one the parent domain delegates to (`dig NS "
                     f"{item.name} +short` shows its name servers), delete the others once "
                     f"their records are removed ({deletes}), then deploy again")
    return Found(item, "present", zones[0])


def probe(client_for: Callable[[str], Any], items: list[Retained], account: str
          ) -> tuple[Found, ...]:
    """Look up each retained name in the account (clients through the execution role); the
    key last, among the keys the others are encrypted with."""
    keys: list[str] = []
    found: dict[str, Found] = {}
    names = [item.name for item in items if item.type == "AWS::Logs::LogGroup"]
    groups: dict[str, dict[str, Any]] | None = None  # every log group at the first one's turn
    for item in items:
        if item.type == "AWS::DynamoDB::Table":
            found[item.logical_id] = _table(client_for("dynamodb"), item, keys)
        elif item.type == "AWS::S3::Bucket":
            found[item.logical_id] = _bucket(client_for("s3"), item, account, keys)
        elif item.type == "AWS::Logs::LogGroup":
            if groups is None:
                groups = log_groups(client_for("logs"), names)
            found[item.logical_id] = _log_group(groups, item, keys)
        elif item.type == "AWS::Route53::HostedZone":
            found[item.logical_id] = _zone(client_for("route53"), item)
    for item in items:
        if item.type == "AWS::KMS::Key":
            # No retained table, bucket or log group names a key (a fresh account): nothing to
            # look up, so no KMS client either (building one costs more than a call).
            found[item.logical_id] = _key(client_for("kms"), item, keys) if any(keys) \
                else Found(item, "absent")
    return tuple(found[item.logical_id] for item in items)


def _stack_failed(cfn: Any, stack_id: str) -> bool:
    if not stack_id:
        return True
    try:
        stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    except Exception as err:
        if error_code(err) == "ValidationError":
            return True
        raise
    return stack["StackStatus"] in FAILED_STACK


def survey(desired: DesiredStackSet, deployed: DeployedStackSet | None,
           client_in: Callable[[Target, str], Any], partition: str = "aws") -> list[Adoption]:
    """The targets whose new stack must adopt retained resources: those without an instance,
    those whose first creation failed, and INOPERABLE ones (their stack is deleted, the retained
    resources stay, and the instance is created again). A target that cannot be looked into (no
    execution role yet, a read refused) gets a note saying why and what to do: `unreadable`."""
    adoptions = []
    instances = deployed.instances if deployed else {}
    for target in desired.targets:
        instance = instances.get(target.key)
        if instance is not None and instance.status == "CURRENT":
            continue
        recovers = Recovery(target, instance.stack_id, instance.status_reason) \
            if instance is not None and instance.status == "INOPERABLE" else None
        items = retained(desired.template, target.overrides, target.account, target.region,
                         partition)
        if not items:
            continue
        try:
            if instance is not None and recovers is None and not _stack_failed(
                    client_in(target, "cloudformation"), instance.stack_id):
                continue
            found = probe(lambda service, t=target: client_in(t, service), items, target.account)
        except Exception as err:
            adoptions.append(Adoption(desired.name, target, (), note=_blind(err, target)))
            continue
        adoption = Adoption(desired.name, target, found,
                            replaces_failed=instance is not None and recovers is None,
                            recovers=recovers)
        if adoption.adopted or adoption.conflicts:
            adoptions.append(adoption)
    return adoptions


def _blind(err: Exception, target: Target) -> str:
    """Why a target could not be looked into, and the way out."""
    again = f"then run `payctl deploy {target.environment}` again"
    if isinstance(err, DeploymentError) and str(err).startswith("cannot assume"):
        return (f"{err}; create the role or let the admin account assume it (`payctl "
                f"bootstrap` does, for self-managed StackSets), {again}")
    return f"the look failed ({describe(err)}); fix that (the role's permissions, the " \
           f"network), {again}"


# -- I/O: carry an adoption out --------------------------------------------------------------------


@dataclass
class Adopter:
    """Runs adoptions: the import and update in the account, then ImportStacksToStackSet."""

    deployer: Any  # scripts.deployer.StackSetDeployer
    client_in: Callable[[Target, str], Any]
    template_source: Callable[[str, dict[str, Any]], dict[str, str]]
    say: Callable[[str], None]
    poll_scale: float = 1.0
    imported: list[str] = field(default_factory=list)

    def _wait(self, cfn: Any, waiter: str, **kwargs: Any) -> None:
        delay = max(0.05, 15 * self.poll_scale)
        try:
            cfn.get_waiter(waiter).wait(**kwargs, WaiterConfig={"Delay": delay,
                                                                "MaxAttempts": 480})
        except Exception as err:
            raise DeploymentError(f"{describe(err)}") from None

    def run(self, desired: DesiredStackSet, adoption: Adoption) -> str:
        """Adopt, and return the id of the stack that became the instance's."""
        target = adoption.target
        if adoption.replaces_failed:
            self.deployer.delete_instances(desired.name, [target])
        if adoption.recovers is not None:  # AWS updates no INOPERABLE instance: release it first
            self.deployer.recover(desired.name, (adoption.recovers,))
        cfn = self.client_in(target, "cloudformation")
        name = f"StackSet-{desired.name}-{target.environment}-{target.account}"
        declared = desired.template.get("Parameters", {})
        parameters = [{"ParameterKey": k, "ParameterValue": v}
                      for k, v in target.overrides.items() if k in declared]
        tags = [{"Key": k, "Value": v} for k, v in desired.tags.items()]
        stack_id, status = _existing(cfn, name)
        step = resume_from(status)
        if step == "restart":
            self.say(f"{adoption.where}: removing stack {name} left {status} by an earlier "
                     "attempt (its retained resources stay)")
            cfn.delete_stack(StackName=stack_id)
            self._wait(cfn, "stack_delete_complete", StackName=stack_id)
            step = "import"
        if step == "import":
            stack_id = self._import(cfn, name, desired, adoption, parameters, tags)
        else:
            self.say(f"{adoption.where}: resuming with stack {name} ({status})")
        self.say(f"{adoption.where}: stack {name} holds the retained resources; creating the rest")
        try:
            cfn.update_stack(StackName=stack_id, Parameters=parameters, Tags=tags,
                             Capabilities=["CAPABILITY_NAMED_IAM"],
                             **self.template_source(desired.name, desired.template))
            self._wait(cfn, "stack_update_complete", StackName=stack_id)
        except Exception as err:
            if "No updates are to be performed" not in str(err):
                raise DeploymentError(f"{adoption.where}: stack {name} could not be completed "
                                      f"({describe(err)}); it keeps the retained resources, and "
                                      "the next deploy carries on from it") from None
        operation_id = self.deployer.operation_id("adopt", [target.environment])
        self.say(f"{desired.name}: importing stack {name} as {target.environment}'s instance "
                 f"({operation_id})")
        self.deployer.run_operation(desired.name, operation_id, lambda: self.deployer.cfn.
                                    import_stacks_to_stack_set(
                                        StackSetName=desired.name, StackIds=[stack_id],
                                        OperationPreferences=self.deployer.preferences(),
                                        OperationId=operation_id))
        self.imported.append(stack_id)
        return stack_id


    def _import(self, cfn: Any, name: str, desired: DesiredStackSet, adoption: Adoption,
                parameters: list[dict[str, str]], tags: list[dict[str, str]]) -> str:
        """The IMPORT change set, created, checked and executed; the new stack's id."""
        self.say(f"{adoption.where}: importing {len(adoption.adopted)} retained resources into "
                 f"stack {name}")
        reduced = import_template(desired.template, [f.retained.logical_id for f in adoption.adopted])
        created = cfn.create_change_set(
            StackName=name, ChangeSetName=f"adopt-{adoption.target.environment}",
            ChangeSetType="IMPORT", ResourcesToImport=resources_to_import(adoption),
            Parameters=parameters, Tags=tags, Capabilities=["CAPABILITY_NAMED_IAM"],
            **self.template_source(f"{desired.name}-import", reduced))
        try:
            self._wait(cfn, "change_set_create_complete", ChangeSetName=created["Id"])
        except DeploymentError:
            reason = cfn.describe_change_set(ChangeSetName=created["Id"]).get("StatusReason", "")
            cfn.delete_stack(StackName=created["StackId"])  # REVIEW_IN_PROGRESS: nothing in it
            raise DeploymentError(f"{adoption.where}: the import was refused: {reason}; nothing "
                                  "else was changed") from None
        cfn.execute_change_set(ChangeSetName=created["Id"])
        self._wait(cfn, "stack_import_complete", StackName=created["StackId"])
        return str(created["StackId"])


def _existing(cfn: Any, name: str) -> tuple[str, str | None]:
    """The id and status of a stack an earlier, interrupted adoption left, if any."""
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as err:
        if error_code(err) == "ValidationError":
            return "", None
        raise
    return stack["StackId"], stack["StackStatus"]


RESTART = ("REVIEW_IN_PROGRESS", "IMPORT_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE", "CREATE_FAILED")
CARRY_ON = ("IMPORT_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


def resume_from(status: str | None) -> str:
    """Where an adoption starts, given the stack an earlier attempt may have left: `import`
    (none), `restart` (one that holds nothing: delete it, the resources are retained), `update`
    (one that holds the imported resources). A stack still changing stops the deploy."""
    if status is None:
        return "import"
    if status in RESTART:
        return "restart"
    if status in CARRY_ON:
        return "update"
    raise DeploymentError(f"an earlier adoption's stack is {status}; wait until it settles, "
                          "then deploy again")


def template_source(template_url: Callable[[str, str], str], limit: int
                    ) -> Callable[[str, dict[str, Any]], dict[str, str]]:
    """TemplateBody, or TemplateURL past CloudFormation's 51,200-byte limit."""
    from scripts.deployer import template_text

    def source(name: str, template: dict[str, Any]) -> dict[str, str]:
        text = template_text(template)
        if len(text.encode()) > limit:
            return {"TemplateURL": template_url(name, text)}
        return {"TemplateBody": text}

    return source


def describe_all(adoptions: list[Adoption]) -> str:
    return "\n".join(line for a in adoptions for line in a.lines())

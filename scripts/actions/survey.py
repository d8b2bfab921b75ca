"""Look into each returning environment's account for what its template retains.

Through the read role, in the target's account and region: tables, buckets, log groups and the
hosted zone by name, the unnamed key among those the others are encrypted with. What is found
becomes an `Adoption` (`scripts.actions.adoption` decides the rest); a target that cannot be
looked into gets a note, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scripts.actions.adoption import Adoption, Found, Retained, retained, stranded
from scripts.aws.clients import describe, error_code
from scripts.errors import DeploymentError
from scripts.plan.decide import FAILED_IMPORT, DeployedStackSet, DesiredStackSet, Recovery, Target

# The services `probe` calls in every account (KMS only where retained data names a key).
SURVEY_SERVICES = ("dynamodb", "s3", "logs", "route53")
# A first creation that failed leaves its stack rolled back; the retained resources stay.
FAILED_STACK = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_COMPLETE")


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
    resources stay, and the instance is created again) other than failed imports, which are
    imported again. A target that cannot be looked into (no
    execution role yet, a read refused) gets a note saying why and what to do: `unreadable`."""
    adoptions = []
    instances = deployed.instances if deployed else {}
    for target in desired.targets:
        instance = instances.get(target.key)
        if instance is not None and (instance.status == "CURRENT" or
                                     instance.detailed_status == FAILED_IMPORT):
            continue  # a failed import is retried on its stack (plan.retry_imports)
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
                            recovers=recovers, stranded=stranded(desired.template, found))
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

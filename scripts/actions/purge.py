"""Purge: remove for good the resources a destroyed environment retained.

`destroy` keeps the tables, buckets, key, log groups and the edge's hosted zone (DeletionPolicy
Retain) so that a redeploy adopts them. When the data is really to go, `payctl purge ENV` removes
them in the environment's own account and region, through the execution role, as the deployer's
other per-account calls do. It never touches an environment that still has stack instances.

The resources are found as `scripts.actions.survey` finds what a redeploy would adopt (the templates'
retained names, resolved with the environment's values), plus the retained hosted zones by name.
Every step is idempotent and the survey is repeated on every run, so a purge stopped anywhere
(Ctrl-C, SIGTERM, a failure) is finished by running it again. The key is scheduled for deletion
first: it is found through the data encrypted with it, so once that data is gone it could not be
found again. The pure parts decide; `Purger` does the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import botocore.exceptions

from scripts.actions.adoption import Retained, resolve, retained
from scripts.actions.survey import probe
from scripts.aws.clients import describe, error_code
from scripts.errors import DeploymentError, UnsafeChange
from scripts.plan.decide import DesiredStackSet, Target

# ScheduleKeyDeletion: "a waiting period of 7-30 days"; the shortest, as the data is gone already.
KEY_WAITING_DAYS = 7
PAGE = 1000  # ListObjectVersions returns, and DeleteObjects takes, at most 1,000 keys
RECORD_BATCH = 100
APEX_RECORDS = ("NS", "SOA")  # the records a hosted zone keeps until it is deleted
ZONE = "AWS::Route53::HostedZone"
# The order of removal: the key first (see the module's docstring), the zone last.
ORDER = ("AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup", ZONE)


@dataclass(frozen=True)
class Removal:
    """A retained resource in the environment's account: `remove` it, or leave it (`kept`) with
    the reason (already on its way out, or not the platform's)."""

    type: str
    name: str
    identifier: str
    action: str  # remove | kept (| check: a key to settle with `settle_key`)
    detail: str = ""
    account: str = ""
    region: str = ""

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "name": self.name, "identifier": self.identifier,
                "account": self.account, "region": self.region, "action": self.action,
                "detail": self.detail}


# -- pure --------------------------------------------------------------------------------------


def retained_zones(template: dict[str, Any], target: Target, partition: str) -> list[Retained]:
    """The hosted zones the template keeps, by the domain name they have for `target`."""
    pseudo = {"AWS::AccountId": target.account, "AWS::Region": target.region,
              "AWS::Partition": partition}
    zones = []
    for logical_id, spec in sorted((template.get("Resources") or {}).items()):
        if spec.get("Type") != ZONE or spec.get("DeletionPolicy") not in ("Retain",
                                                                           "RetainExceptOnCreate"):
            continue
        name = resolve((spec.get("Properties") or {}).get("Name"), target.overrides, pseudo)
        if name:
            zones.append(Retained(logical_id, ZONE, name.rstrip(".").lower()))
    return zones


def removal(found: Any) -> Removal | None:
    """What to do with one `scripts.actions.adoption.Found`: remove what is present; leave, with the reason,
    what the account holds under the name but cannot be the platform's or is on its way out."""
    item = found.retained
    if found.state == "present":
        identifier = found.identifier.rsplit("/", 1)[-1] if item.type == ZONE else \
            found.identifier  # a zone id with or without its "/hostedzone/" prefix
        return Removal(item.type, item.name, identifier, "remove")
    if found.state != "conflict":
        return None
    if item.type == "AWS::DynamoDB::Table" and "being deleted" in found.detail:
        return None  # DELETING: gone in a moment
    if item.type == ZONE:
        return None  # several zones of the name (adopt's conflict): each is removed, by its id
    if item.type == "AWS::KMS::Key" and found.identifier:
        return Removal(item.type, item.name, found.identifier, "check")  # see `settle_key`
    return Removal(item.type, item.name, found.identifier or item.name, "kept",
                   found.detail.split(";")[0])


def settle_key(kms: Any, item: Removal) -> Removal:
    """A key the data uses that is not Enabled: a Disabled one is removed, one already pending
    deletion is left to its date."""
    meta = kms.describe_key(KeyId=item.identifier)["KeyMetadata"]
    if meta["KeyState"] == "Disabled":
        return replace(item, action="remove")
    when = (f"already scheduled for deletion on {_day(meta.get('DeletionDate'))}"
            if meta["KeyState"] == "PendingDeletion" else f"it is {meta['KeyState']}")
    return replace(item, action="kept", detail=when)


def sorted_removals(removals: list[Removal]) -> list[Removal]:
    return sorted(removals, key=lambda r: (ORDER.index(r.type), r.name))


def report_lines(environment: str, removals: list[Removal]) -> list[str]:
    """What purge will do, for the confirmation prompt and --output text."""
    doomed = [r for r in removals if r.action == "remove"]
    lines = [f"{environment}: {len(doomed)} retained resource(s) to delete for good:"
             if doomed else f"{environment}: nothing to remove"]
    lines += [f"  {r.type:<26} {r.identifier}" for r in doomed]
    lines += [f"  left as it is: {r.type} {r.identifier}: {r.detail}"
              for r in removals if r.action == "kept"]
    return lines


# -- I/O ---------------------------------------------------------------------------------------


def live_instances(cfn: Any, stack_sets: list[str], accounts: list[str], region: str) -> list[str]:
    """The environment's stack instances that exist, in any status: their stacks may still use
    the resources, so their data is never purged."""
    live = []
    for name in stack_sets:
        for account in accounts:
            try:
                instance = cfn.describe_stack_instance(
                    StackSetName=name, StackInstanceAccount=account,
                    StackInstanceRegion=region)["StackInstance"]
            except Exception as err:
                if error_code(err) in ("StackSetNotFoundException",
                                       "StackInstanceNotFoundException"):
                    continue
                raise
            live.append(f"{name} in {account} {region} ({instance.get('Status', '?')})")
    return live


def refuse_live(environment: str, live: list[str]) -> None:
    if live:
        raise UnsafeChange(f"refusing to purge {environment}: it still has stack instances "
                           f"({'; '.join(live)}); purge removes only a destroyed environment's "
                           f"data: `payctl destroy {environment}` first. Nothing was changed")


def survey(desired: list[DesiredStackSet], environment: str,
           client_in: Callable[[Target, str], Any], partition: str = "aws") -> list[Removal]:
    """Every retained resource of `environment` that its accounts still hold."""
    removals: list[Removal] = []
    for want in desired:
        for target in (t for t in want.targets if t.environment == environment):
            items = retained(want.template, target.overrides, target.account, target.region,
                             partition)
            found = probe(lambda service, t=target: client_in(t, service), items, target.account)
            for r in (removal(f) for f in found):
                if r is not None:
                    r = replace(r, account=target.account, region=target.region)
                    removals.append(settle_key(client_in(target, "kms"), r)
                                    if r.action == "check" else r)
            route53 = client_in(target, "route53")
            for zone in retained_zones(want.template, target, partition):
                removals += [Removal(ZONE, zone.name, zone_id, "remove", "", target.account,
                                     target.region)
                             for zone_id in _zones_named(route53, zone.name)]
    unique = {(r.account, r.region, r.type, r.identifier): r for r in removals}
    return sorted_removals(list(unique.values()))


def _zones_named(route53: Any, name: str) -> list[str]:
    """Public hosted zones called `name` (ListHostedZones: the execution role's action)."""
    return [z["Id"].rsplit("/", 1)[-1]
            for page in route53.get_paginator("list_hosted_zones").paginate()
            for z in page["HostedZones"]
            if z["Name"].rstrip(".").lower() == name and not z.get("Config", {}).get("PrivateZone")]


@dataclass
class Purger:
    """Removes each resource of a survey in its own account and region, through `client_in`."""

    client_in: Callable[[str, str, str], Any]  # (account, region, service) -> client
    say: Callable[[str], None]

    def run(self, removals: list[Removal]) -> list[Removal]:
        """Carry out every `remove`; what was done."""
        done = []
        for item in removals:
            if item.action != "remove":
                continue
            step = {"AWS::KMS::Key": self.key, "AWS::DynamoDB::Table": self.table,
                    "AWS::S3::Bucket": self.bucket, "AWS::Logs::LogGroup": self.log_group,
                    ZONE: self.zone}[item.type]
            try:
                target = f"{item.name}/{item.identifier}" if item.type == ZONE else item.identifier
                if step(lambda service, i=item: self.client_in(i.account, i.region, service),
                        target):
                    done.append(item)
            except (DeploymentError, botocore.exceptions.ClientError) as err:
                raise DeploymentError(f"{item.type} {item.identifier}: {describe(err)}; what "
                                      "was removed stays removed: run the same purge again to "
                                      "finish") from None
        return done

    def key(self, client: Callable[[str], Any], key_id: str) -> bool:
        kms = client("kms")
        when = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=KEY_WAITING_DAYS)
        self.say(f"key {key_id} scheduled for deletion on {_day(when.get('DeletionDate'))} "
                 f"(AWS waits at least {KEY_WAITING_DAYS} days; until then CancelKeyDeletion "
                 "undoes it)")
        return True

    def table(self, client: Callable[[str], Any], name: str) -> bool:
        dynamodb = client("dynamodb")
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
            if table.get("DeletionProtectionEnabled"):
                self.say(f"table {name}: turning deletion protection off")
                dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=name)
        except Exception as err:
            if error_code(err) == "ResourceNotFoundException":
                return False
            raise
        self.say(f"table {name} deleted")
        return True

    def bucket(self, client: Callable[[str], Any], name: str) -> bool:
        """Every object version and delete marker, a page at a time, then the bucket. Access
        logs may still arrive while it empties (BucketNotEmpty): empty it again."""
        s3 = client("s3")
        removed = 0
        for attempt in range(3):
            removed += self._empty(s3, name)
            try:
                s3.delete_bucket(Bucket=name)
                break
            except Exception as err:
                if error_code(err) == "NoSuchBucket":
                    return False
                if error_code(err) != "BucketNotEmpty" or attempt == 2:
                    raise
        self.say(f"bucket {name} deleted ({removed} object versions and delete markers)")
        return True

    def _empty(self, s3: Any, name: str) -> int:
        """Delete the first page of versions until there is none: each listing starts afresh,
        so memory holds one page and deleting never shifts a pagination marker."""
        removed = 0
        while True:
            try:
                page = s3.list_object_versions(Bucket=name, MaxKeys=PAGE)
            except Exception as err:
                if error_code(err) == "NoSuchBucket":
                    return removed
                raise
            versions = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                        for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if not versions:
                return removed
            for batch in _batches(versions, PAGE):
                answer = s3.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise DeploymentError(f"bucket {name}: cannot delete {first.get('Key')} "
                                          f"version {first.get('VersionId')}: {first.get('Code')} "
                                          f"{first.get('Message', '')}".rstrip())
                removed += len(batch)

    def log_group(self, client: Callable[[str], Any], name: str) -> bool:
        try:
            client("logs").delete_log_group(logGroupName=name)
        except Exception as err:
            if error_code(err) == "ResourceNotFoundException":
                return False
            raise
        self.say(f"log group {name} deleted")
        return True

    def zone(self, client: Callable[[str], Any], zone: str) -> bool:
        """The records but the apex NS and SOA first (DeleteHostedZone refuses a zone holding
        others: HostedZoneNotEmpty), then the zone. `zone` is "name/id"."""
        route53 = client("route53")
        name, _, zone_id = zone.partition("/")
        try:
            while batch := _deletable(route53, zone_id, name):
                route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
                    "Changes": [{"Action": "DELETE", "ResourceRecordSet": r} for r in batch]})
            route53.delete_hosted_zone(Id=zone_id)
        except Exception as err:
            if error_code(err) == "NoSuchHostedZone":
                return False
            raise
        self.say(f"hosted zone {zone_id} deleted (a parent domain delegating to it no longer "
                 "resolves)")
        return True


def _deletable(route53: Any, zone_id: str, apex: str) -> list[dict[str, Any]]:
    """Up to RECORD_BATCH records of the zone `apex` that must go before it: all but its own
    NS and SOA records."""
    found: list[dict[str, Any]] = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone_id):
        for record in page["ResourceRecordSets"]:
            if record["Type"] in APEX_RECORDS and record["Name"].rstrip(".").lower() == apex:
                continue
            found.append(record)
            if len(found) == RECORD_BATCH:
                return found
    return found


def _batches(items: list[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _day(when: Any) -> str:
    if isinstance(when, datetime):
        return when.strftime("%Y-%m-%d %H:%M UTC") if when.utcoffset() is not None else \
            when.strftime("%Y-%m-%d %H:%M")
    return str(when or "an unknown date")


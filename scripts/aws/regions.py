"""Regions: each environment's region drives its instances, its code bucket and its reads.

`--region` (or `deployment.yaml`'s `region`) is the StackSets' administrator region, where the
StackSets live and every StackSet call goes. A stack instance is (account, region), and the
StackSet API takes Accounts x Regions: a call naming two environments in different regions
would also name instances that do not exist (or create ones nobody asked for). So calls are
split into groups whose cross product is exactly the intended instances. Pure functions, and
the regions botocore's own endpoint data lists (read from its package, never from AWS).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from scripts.errors import ConfigError

# S3 bucket names are at most 63 characters: prefix + "-" + 12-digit account + "-" + region.
MAX_BUCKET = 63
# CloudFront takes a viewer certificate only from ACM in this region, and a CLOUDFRONT-scoped
# WAF web ACL is created only here (CloudFront developer guide, "Supported Regions for ACM";
# WAF API reference, Scope: "you must also specify the Region US East (N. Virginia)").
CLOUDFRONT_REGION = "us-east-1"


class Placed(Protocol):
    @property
    def account(self) -> str: ...

    @property
    def region(self) -> str: ...


T = TypeVar("T", bound=Placed)


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition in botocore's endpoint data: the regions this botocore
    can sign for and reach. Anything else ends in "No partition found" or a host that does not
    resolve, after the command has already started. Read from the data file, not through
    botocore's loaders: importing botocore would slow every `payctl build` down."""
    package = importlib.util.find_spec("botocore")
    if package is None or package.origin is None:
        raise ConfigError("botocore is not installed: run `make .venv/.installed`")
    data = json.loads((Path(package.origin).parent / "data" / "endpoints.json").read_bytes())
    return frozenset(region for partition in data["partitions"] for region in partition["regions"])


def unknown_region(region: str) -> str | None:
    """Why `region` cannot be used, or None: one line for a usage error."""
    if region in known_regions():
        return None
    return (f"{region!r} is not an AWS region botocore {importlib.metadata.version('botocore')} "
            "knows (e.g. us-east-1); if it is a new region, upgrade boto3")


def not_enabled(sources: dict[str, str], statuses: dict[str, str], admin: str) -> str | None:
    """One line for the first region (region -> the file that names it) that the administrator
    account has not enabled, or None; `statuses` is EC2 DescribeRegions' OptInStatus by region.
    The user guide, "Prepare to perform StackSet operations in AWS Regions that are disabled by
    default": "The StackSet's administrator account or organization's management account must
    have the same Region enabled as the target account." """
    for region, source in sorted(sources.items()):
        if statuses.get(region) == "not-opted-in":
            return (f"{source}: region: {region} is disabled by default and account {admin} has "
                    "not enabled it; enable it (aws account enable-region --region-name "
                    f"{region}), wait until it is ENABLED, and run again")
    return None


def rectangles(targets: Iterable[T]) -> list[list[T]]:
    """`targets` split into groups whose Accounts x Regions is exactly the group's instances:
    regions that hold the same accounts share a group, in first-seen order."""
    by_region: dict[str, list[T]] = defaultdict(list)
    for target in targets:
        by_region[target.region].append(target)
    groups: dict[tuple[str, ...], list[T]] = {}
    for members in by_region.values():
        accounts = tuple(sorted({t.account for t in members}))
        groups.setdefault(accounts, []).extend(members)
    return list(groups.values())


def accounts_and_regions(targets: list[T]) -> tuple[list[str], list[str]]:
    """The Accounts and Regions of one call; refuses a group whose cross product would name an
    instance that is not in it (split it with `rectangles` first)."""
    accounts = list(dict.fromkeys(t.account for t in targets))
    regions = list(dict.fromkeys(t.region for t in targets))
    if {(t.account, t.region) for t in targets} != {(a, r) for a in accounts for r in regions}:
        raise ValueError("these instances are not Accounts x Regions; split them with "
                         "rectangles()")
    return accounts, regions


def artifacts_bucket(prefix: str, account: str, region: str) -> str:
    """The artifacts bucket of one region: Lambda reads its code only from a bucket in the
    function's own region, so every target region has its own (and the administrator region
    one for oversized templates)."""
    name = f"{prefix}-{account}-{region}"
    if len(name) > MAX_BUCKET:
        raise ValueError(f"artifacts bucket name {name!r} is longer than {MAX_BUCKET} characters")
    return name


def accounts_by_region(placed: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(account, region) pairs as region -> sorted accounts: who reads each region's bucket."""
    result: dict[str, set[str]] = defaultdict(set)
    for account, region in placed:
        result[region].add(account)
    return {region: sorted(accounts) for region, accounts in sorted(result.items())}

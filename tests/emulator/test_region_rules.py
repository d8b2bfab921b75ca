"""The AWS rule `payctl plan` and `deploy` read before anything else (Rollout.
refuse_disabled_regions); it runs unchanged against a real account (see conformance.py)."""

from __future__ import annotations

from typing import Any


def test_regions_disabled_by_default_are_listed_with_their_opt_in_status(cloud: Any) -> None:
    """User guide, "Prepare to perform StackSet operations in AWS Regions that are disabled by
    default": "AWS Regions introduced after March 20, 2019, such as Asia Pacific (Hong Kong),
    are disabled by default. You must enable these Regions for your account(s) before you can
    use them." EC2 DescribeRegions, AllRegions: "Indicates whether to display all Regions,
    including Regions that are disabled for your account", each with its OptInStatus
    (opt-in-not-required | opted-in | not-opted-in)."""
    regions = cloud.client("ec2").describe_regions(
        AllRegions=True, RegionNames=["us-east-1", "ap-east-1"])["Regions"]
    status = {r["RegionName"]: r["OptInStatus"] for r in regions}
    assert status["us-east-1"] == "opt-in-not-required"
    assert status["ap-east-1"] in ("opted-in", "not-opted-in")  # whichever this account chose

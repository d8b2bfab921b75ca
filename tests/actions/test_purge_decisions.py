"""The pure decisions of `payctl purge` (scripts/actions/purge.py); the calls are proven end to end in
tests/e2e/test_purge.py."""

from __future__ import annotations

import pytest

from scripts.actions.adoption import Found, Retained
from scripts.actions.purge import Removal, refuse_live, removal, report_lines, retained_zones
from scripts.errors import UnsafeChange
from scripts.plan.decide import Target

DEV = Target("dev", "123456789012", "us-east-1", {"DomainName": "Dev.Api.Example.org."})
ZONE = {"Type": "AWS::Route53::HostedZone", "DeletionPolicy": "Retain",
        "Properties": {"Name": {"Ref": "DomainName"}}}


def test_retained_zones_are_named_by_the_environments_domain() -> None:
    template = {"Resources": {"HostedZone": ZONE, "Other": {**ZONE, "DeletionPolicy": "Delete"}}}
    [zone] = retained_zones(template, DEV, "aws")
    assert (zone.logical_id, zone.name) == ("HostedZone", "dev.api.example.org")


def test_present_resources_are_removed_and_foreign_ones_kept_with_the_reason() -> None:
    bucket = Retained("AuditLogBucket", "AWS::S3::Bucket", "b")
    table = Retained("TransactionsTable", "AWS::DynamoDB::Table", "t")
    key = Retained("PlatformKey", "AWS::KMS::Key", "payment-key-dev")
    assert removal(Found(table, "present", "t")) == Removal("AWS::DynamoDB::Table", "t", "t",
                                                            "remove")
    assert removal(Found(table, "absent")) is None
    assert removal(Found(table, "conflict", detail="it is being deleted; wait")) is None
    kept = removal(Found(bucket, "conflict", detail="the name belongs to another AWS account; "
                                                    "bucket names are global"))
    assert kept is not None and (kept.action, kept.detail) == (
        "kept", "the name belongs to another AWS account")
    pending = removal(Found(key, "conflict", "k-1", detail="key k-1 is PendingDeletion; ..."))
    assert pending is not None and (pending.action, pending.identifier) == ("check", "k-1")


def test_the_report_lists_what_goes_and_what_stays() -> None:
    lines = report_lines("dev", [Removal("AWS::DynamoDB::Table", "t", "t", "remove"),
                                 Removal("AWS::KMS::Key", "k", "k-1", "kept",
                                         "already scheduled for deletion on 2026-12-01")])
    assert lines == ["dev: 1 retained resource(s) to delete for good:",
                     "  AWS::DynamoDB::Table       t",
                     "  left as it is: AWS::KMS::Key k-1: already scheduled for deletion on "
                     "2026-12-01"]
    assert report_lines("dev", []) == ["dev: nothing to remove"]


def test_a_live_environment_is_refused() -> None:
    refuse_live("dev", [])
    with pytest.raises(UnsafeChange, match="refusing to purge dev: it still has stack instances"):
        refuse_live("dev", ["payment-platform in 123456789012 us-east-1 (CURRENT)"])


def test_a_zone_found_by_the_adoption_survey_is_removed_by_its_bare_id() -> None:
    """Route 53 answers zone ids as `/hostedzone/ID`; the survey's duplicates collapse on ID."""
    zone = Retained("HostedZone", "AWS::Route53::HostedZone", "dev.api.example.org")
    found = removal(Found(zone, "present", "/hostedzone/Z123"))
    assert found is not None and found.identifier == "Z123"


def test_several_zones_of_the_domain_are_no_reason_to_keep_one() -> None:
    """Adoption calls two public zones of the domain a conflict; purge removes each by its id
    (`retained_zones`), so the conflict adds no `kept` line."""
    zone = Retained("HostedZone", "AWS::Route53::HostedZone", "dev.api.example.org")
    assert removal(Found(zone, "conflict", detail="2 public hosted zones have this name")) is None
    assert removal(Found(zone, "present", "/hostedzone/Z1")) == Removal(
        "AWS::Route53::HostedZone", "dev.api.example.org", "Z1", "remove")

"""The edge's hosted zone outlives its stack (issue 14, defect 13): CloudFormation leaves the
certificate's validation CNAME in the zone, so deleting the zone would fail with HostedZoneNotEmpty
and leave the instance INOPERABLE; kept, it also keeps the name servers the parent delegates to."""

from __future__ import annotations

import json
from pathlib import Path

from emulated import Platform, deploy_all

TEMPLATE = Path(__file__).resolve().parents[2] / "build" / "templates" / "payment-platform-edge.json"


def test_the_built_zone_is_retained_on_deletion_and_replacement() -> None:
    zone = json.loads(TEMPLATE.read_text())["Resources"]["HostedZone"]
    assert zone["DeletionPolicy"] == zone["UpdateReplacePolicy"] == "Retain"


def test_destroy_keeps_the_zone_and_says_how_to_remove_it(fresh: Platform) -> None:
    deploy_all(fresh)
    route53 = fresh.client("route53", "dev")
    before = [z["Id"] for z in route53.list_hosted_zones()["HostedZones"]]

    result = fresh.payctl("destroy", "dev", "--yes")

    assert result.exit_code == 0, result.output
    assert [z["Id"] for z in route53.list_hosted_zones()["HostedZones"]] == before
    assert "AWS::Route53::HostedZone" in result.output
    # runnable as printed: the validation record stays in the zone, so no single AWS CLI command
    # deletes it; purge removes the records, then the zone (tests/e2e/test_purge.py)
    assert "delete-hosted-zone" not in result.output
    assert "To delete them all for good (it lists them and asks first): payctl purge dev" \
        in result.output

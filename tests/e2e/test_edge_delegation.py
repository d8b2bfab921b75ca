"""deploy says which name servers the parent domain must delegate to, and they stay the same
across redeploys (issue 14, defect 13): read from the edge stack's HostedZoneNameServers output."""

from __future__ import annotations

import re

from emulated import Platform, rollout_with_probe


def name_servers(platform: Platform) -> tuple[str, list[str]]:
    """The dev zone's id and name servers, as Route 53 reports them in dev's account."""
    route53 = platform.client("route53", "dev")
    zones = [z for z in route53.list_hosted_zones()["HostedZones"]
             if z["Name"].rstrip(".") == "dev.api.example.com"]
    assert len(zones) == 1
    return zones[0]["Id"], route53.get_hosted_zone(Id=zones[0]["Id"])["DelegationSet"]["NameServers"]


def printed(output: str) -> list[str]:
    block = output.split("dev: edge: delegate dev.api.example.com to its hosted zone", 1)[1]
    return re.findall(r"^    (\S+)$", block, flags=re.M)


def test_deploy_prints_the_zones_name_servers_and_they_survive_a_redeploy(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    first = fresh.payctl("deploy", "dev")
    assert first.exit_code == 0, first.output
    zone, servers = name_servers(fresh)
    assert printed(first.output) == servers
    assert "it can never be delegated" in first.output  # example.com is reserved

    # an edge-only update (a template change; the zone itself is untouched) keeps the zone
    rollout = rollout_with_probe(fresh, "payment-platform-edge", "EdgeProbe")
    results = rollout.deploy([fresh.config.environments["dev"]])
    assert [bool(r.operations) for r in results] == [False, True]
    assert name_servers(fresh) == (zone, servers)
    again = fresh.payctl("manifest", "dev")
    assert again.exit_code == 0, again.output
    assert printed(again.output) == servers

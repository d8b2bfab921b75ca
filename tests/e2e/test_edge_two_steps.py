"""The edge in two steps (issue 14, defect 13; issue 15, point 1): with `edge.delegated: false`
only the hosted zone is created and deploy prints its name servers; `true` is refused (exit 2,
no operation started) until the public DNS delegates the domain to the zone, and then completes
the edge; destroy and deploy again keep the zone, its id and its name servers, so the parent's
delegation stays valid. The public DNS is a responder on 127.0.0.1 that both payctl and the
emulator's ACM ask (PAYCTL_DNS_RESOLVER)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulated import Platform, running_platform
from paramfiles import edit

from scripts.emulator.dns_responder import Responder, responding

DOMAIN = "dev.api.payments-platform.io"  # not reserved: it could be delegated
EDGE = "payment-platform-edge"


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, Responder]]:
    with responding() as dns:
        monkeypatch.setenv("PAYCTL_DNS_RESOLVER", dns.address)  # before the emulator starts
        for platform in running_platform(tmp_path):
            edit(platform.params_dir / "dev.yaml", "edge.domain", DOMAIN)
            yield platform, dns


def _zones(platform: Platform) -> list[tuple[str, list[str]]]:
    route53 = platform.client("route53", "dev")
    return [(z["Id"], route53.get_hosted_zone(Id=z["Id"])["DelegationSet"]["NameServers"])
            for z in route53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == DOMAIN]


def _edge_resources(platform: Platform) -> dict[str, str]:
    stack_id = platform.aws().client("cloudformation").describe_stack_instance(
        StackSetName=EDGE, StackInstanceAccount="123456789012",
        StackInstanceRegion="us-east-1")["StackInstance"]["StackId"]
    cfn = platform.client("cloudformation", "dev")
    return {r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]}


def _operations(platform: Platform) -> int:
    cfn = platform.aws().client("cloudformation")
    return sum(len(cfn.list_stack_set_operations(StackSetName=s["StackSetName"])["Summaries"])
               for s in cfn.list_stack_sets(Status="ACTIVE")["Summaries"])


def _check_security_controls(platform: Platform) -> None:
    """The served edge: the WAF web ACL in front of CloudFront, access logs to the platform's
    bucket, HTTPS only, TLS 1.2 (2021 policy) at least."""
    acls = platform.client("wafv2", "dev").list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    [acl] = [a for a in acls if a["Name"] == "payment-edge-dev"]
    cloudfront = platform.client("cloudfront", "dev")
    [summary] = cloudfront.list_distributions()["DistributionList"]["Items"]
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    access = "payment-access-logs-dev-123456789012-us-east-1"
    assert config["WebACLId"] == acl["ARN"]
    assert (config["Logging"]["Enabled"], config["Logging"]["Bucket"]) == (
        True, f"{access}.s3.amazonaws.com")
    assert config["Aliases"]["Items"] == [DOMAIN]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def _printed(output: str) -> list[str]:
    block = output.split(f"dev: edge: delegate {DOMAIN} to its hosted zone", 1)[1]
    return re.findall(r"^    (\S+)$", block, flags=re.M)


def _refused(platform: Platform, reason: str) -> None:
    before = _operations(platform)
    plan = platform.payctl("plan", "dev")
    result = platform.payctl("deploy", "dev")
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.strip()]
    assert re.search(r"dev\.yaml: edge\.delegated: true, but ", line), line
    assert reason in line
    assert f"warning: deploy would refuse: {line.removeprefix('error: ')}" in plan.output
    assert _operations(platform) == before  # no StackSet operation started


def test_delegation_in_two_steps_and_a_zone_that_outlives_destroy(
        platform: tuple[Platform, Responder]) -> None:
    fresh, dns = platform
    assert fresh.payctl("bootstrap").exit_code == 0
    # true before the zone even exists: nothing to delegate to yet
    edit(fresh.params_dir / "dev.yaml", "edge.delegated", True)
    _refused(fresh, "has no hosted zone in account 123456789012 yet")
    assert fresh.aws().client("cloudformation").list_stack_sets(Status="ACTIVE")["Summaries"] == []

    # step 1: only the zone, and the name servers to delegate to
    edit(fresh.params_dir / "dev.yaml", "edge.delegated", False)
    first = fresh.payctl("deploy", "dev")
    assert first.exit_code == 0, first.output
    [(zone, servers)] = _zones(fresh)
    assert _printed(first.output) == servers
    assert set(_edge_resources(fresh)) == {"HostedZone"}
    assert fresh.client("acm", "dev").list_certificates()["CertificateSummaryList"] == []

    # step 2 refused while the public DNS does not delegate to the zone
    edit(fresh.params_dir / "dev.yaml", "edge.delegated", True)
    _refused(fresh, "are not its hosted zone's name servers")
    dns.records[DOMAIN] = ["ns-1.elsewhere.net", "ns-2.elsewhere.net"]  # delegated elsewhere
    _refused(fresh, "(ns-1.elsewhere.net ns-2.elsewhere.net)")

    # delegated: the certificate validates and the edge completes
    dns.records[DOMAIN] = servers
    second = fresh.payctl("deploy", "dev")
    assert second.exit_code == 0, second.output
    resources = _edge_resources(fresh)
    template = json.loads((fresh.build_dir / "templates" / f"{EDGE}.json").read_text())
    assert set(resources) == {name for name, spec in template["Resources"].items() if spec.get(
        "Condition") in ("EnvironmentAssignedEdgeOn", "EnvironmentAssignedEdgeServing")}
    assert {"HostedZone", "Certificate", "WebAcl", "Distribution", "AliasRecord"} <= set(resources)
    _check_security_controls(fresh)
    assert resources["HostedZone"] == zone.rsplit("/", 1)[-1]
    # once an instance runs with it, the flag is not checked again: a later deploy does not
    # depend on the public DNS answering
    dns.records.clear()
    unchanged = fresh.payctl("deploy", "dev")
    assert unchanged.exit_code == 0, unchanged.output
    dns.records[DOMAIN] = servers

    # destroy keeps the zone; deploy adopts it: same id, same name servers, one zone
    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0
    assert _zones(fresh) == [(zone, servers)]
    plan = fresh.payctl("plan", "dev")
    assert f"adopt     HostedZone  AWS::Route53::HostedZone  {zone.rsplit('/', 1)[-1]}" in plan.output
    again = fresh.payctl("deploy", "dev")
    assert again.exit_code == 0, again.output
    assert _zones(fresh) == [(zone, servers)]
    assert _edge_resources(fresh)["HostedZone"] == zone.rsplit("/", 1)[-1]
    assert "Distribution" in _edge_resources(fresh)
    assert fresh.payctl("plan", "dev", "--detailed-exitcode").exit_code == 0


def test_two_zones_of_the_domain_stop_deploy_before_any_operation(
        platform: tuple[Platform, Responder]) -> None:
    fresh, _ = platform
    assert fresh.payctl("bootstrap").exit_code == 0
    route53 = fresh.client("route53", "dev")
    for reference in ("one", "two"):
        route53.create_hosted_zone(Name=DOMAIN, CallerReference=reference)

    plan = fresh.payctl("plan", "dev")
    result = fresh.payctl("deploy", "dev")

    assert "CONFLICT  HostedZone  AWS::Route53::HostedZone" in plan.output
    assert result.exit_code == 1
    assert "2 public hosted zones have this name" in result.output
    assert "aws route53 delete-hosted-zone --id" in result.output  # the way out
    assert "nothing was changed" in result.output
    assert fresh.aws().client("cloudformation").list_stack_sets(Status="ACTIVE")["Summaries"] == []


def test_outside_us_east_1_the_edge_stops_at_its_zone(platform: tuple[Platform, Responder]) -> None:
    """CloudFront takes its certificate and its web ACL from us-east-1 only, and the edge makes
    them in the environment's region: in eu-west-1 the zone deploys, and the full edge is
    refused before any operation, even once the domain is delegated."""
    fresh, dns = platform
    edit(fresh.params_dir / "dev.yaml", "region", "eu-west-1")
    assert fresh.payctl("bootstrap").exit_code == 0
    first = fresh.payctl("deploy", "dev")
    assert first.exit_code == 0, first.output
    [(_, servers)] = _zones(fresh)
    dns.records[DOMAIN] = servers
    edit(fresh.params_dir / "dev.yaml", "edge.delegated", True)
    _refused(fresh, "region: eu-west-1: CloudFront takes its certificate (ACM) and its web ACL "
                    "(WAF, scope CLOUDFRONT) only from us-east-1")

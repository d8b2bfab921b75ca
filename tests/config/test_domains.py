"""plan and deploy warn about domains that can never be delegated (RFC 2606 / RFC 6761), whose
edge therefore never gets past its hosted zone (issue 14, defect 13)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scripts.config.domains import edge_warnings, reserved
from scripts.config.reader import load_config

PARAMS = Path(__file__).resolve().parents[2] / "params"


@pytest.mark.parametrize(("domain", "expected"), [
    ("example.com", "example.com"), ("api.example.com", "example.com"),
    ("dev.api.example.net", "example.net"), ("x.example.org.", "example.org"),
    ("api.test", ".test"), ("shop.invalid", ".invalid"), ("a.example", ".example"),
    ("web.localhost", ".localhost"),
    ("api.payments.io", None), ("example.co.uk", None), ("notexample.com", None),
    ("example.com.au", None), ("testing.dev", None)])
def test_reserved_names(domain: str, expected: str | None) -> None:
    assert reserved(domain) == expected


def test_the_shipped_domains_are_flagged_in_every_environment_with_the_edge_on() -> None:
    environments = list(load_config(PARAMS).environments.values())
    warnings = edge_warnings(environments)
    assert len(warnings) == 3
    assert all("example.com" in w and "edge.enabled: false" in w for w in warnings)
    assert "prod.yaml: edge.domain: api.example.com" in warnings[2]


def test_no_warning_when_the_edge_is_off_or_the_domain_is_real() -> None:
    dev = load_config(PARAMS).environments["dev"]
    off = replace(dev, values={**dev.values, "EdgeEnabled": "false"})
    owned = replace(dev, values={**dev.values, "DomainName": "dev.api.payments-corp.io"})
    assert edge_warnings([off, owned]) == []


def test_deploy_says_which_name_servers_the_parent_domain_must_delegate_to() -> None:
    from scripts.config.domains import delegation_message

    message = delegation_message("prod", "api.payments.io", "ns-1.awsdns-01.org, ns-2.awsdns-02.com")
    assert message.splitlines() == [
        "prod: edge: delegate api.payments.io to its hosted zone: in the zone of payments.io, add "
        "an NS record for api.payments.io with these name servers:",
        "    ns-1.awsdns-01.org", "    ns-2.awsdns-02.com",
        "  once they answer for api.payments.io (`dig NS api.payments.io +short`), "
        "edge.delegated: true adds the certificate and CloudFront (deploy checks first)"]
    assert "can never be delegated" in delegation_message("dev", "dev.api.example.com", "ns-1")

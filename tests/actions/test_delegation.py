"""`edge.delegated: true` is refused until the domain's public NS records name the hosted
zone's name servers (scripts/actions/delegation.py): the pure decision, and the lookup against a DNS
responder on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scripts.actions.delegation import public_name_servers, refusal, refusals, wants_delegated
from scripts.config.reader import Environment, load_config
from scripts.emulator.dns_responder import responding

PARAMS = Path(__file__).resolve().parents[2] / "params"
ZONE = ("ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net")


def _dev(**values: str) -> Environment:
    env = load_config(PARAMS).environments["dev"]
    return replace(env, values={**env.values, "DomainName": "dev.api.payments.io",
                                "EdgeDelegated": "true", **values})


def test_the_shipped_environments_do_not_ask_for_the_full_edge() -> None:
    """false is the fail-safe default: the shipped example.com domains can never validate."""
    for env in load_config(PARAMS).environments.values():
        assert env.values["EdgeDelegated"] == "false"
        assert not wants_delegated(env)
        assert refusal(env, [], None) is None


def test_matching_name_servers_pass_whatever_their_case_order_and_final_dot() -> None:
    public = [s.upper() + "." for s in reversed(ZONE)]
    assert refusal(_dev(), [ZONE], public) is None
    # with two zones of the name, the one the parent delegates to is the one that counts
    assert refusal(_dev(), [("ns-9.awsdns-09.com",), ZONE], list(ZONE)) is None


@pytest.mark.parametrize(("values", "zones", "public", "error", "says"), [
    ({}, [ZONE], [], "", "the public NS records of dev.api.payments.io (none) are not its hosted "
                         "zone's name servers"),
    ({}, [ZONE], list(ZONE[:3]), "", "are not its hosted zone's name servers"),
    ({}, [ZONE], ["ns1.registrar.example"], "", "(ns1.registrar.example)"),
    ({}, [], None, "", "has no hosted zone in account 123456789012 yet: deploy with "
                       "edge.delegated: false first"),
    ({}, [ZONE], None, "public DNS: The DNS operation timed out.",
     "the delegation of dev.api.payments.io could not be checked (public DNS: The DNS operation "
     "timed out.)"),
    ({}, [], None, "Route 53 in account 123456789012: AccessDenied", "could not be checked "
                                                                     "(Route 53 in account"),
    ({"DomainName": "dev.api.example.com"}, [ZONE], list(ZONE), "",
     "is under the reserved name example.com"),
])
def test_refusals_name_the_file_and_key_in_one_line(values: dict[str, str], zones: list[tuple[str, ...]],
                                                    public: list[str] | None, error: str,
                                                    says: str) -> None:
    line = refusal(_dev(**values), zones, public, error)
    assert line is not None and "\n" not in line
    assert line.startswith(f"{PARAMS / 'dev.yaml'}: edge.delegated: true, but ")
    assert says in line


def test_outside_us_east_1_the_full_edge_is_refused_without_a_read() -> None:
    """CloudFront takes ACM certificates and CLOUDFRONT-scoped web ACLs from us-east-1 only, and
    the edge makes both in the environment's region: however the delegation stands, no."""
    west = replace(_dev(), region="eu-west-1")
    line = refusal(west, [ZONE], list(ZONE))
    assert line is not None and "\n" not in line
    assert line.startswith(f"{PARAMS / 'dev.yaml'}: edge.delegated: true, but region: eu-west-1: ")
    assert "only from us-east-1" in line and "set edge.delegated: false" in line

    def no_reads(env: Environment) -> None:
        raise AssertionError("read Route 53")

    assert refusals([west], no_reads, lambda env: False) == [line]
    assert refusal(replace(west, values={**west.values, "EdgeDelegated": "false"}), [], None) is None


def test_edge_off_needs_no_delegation() -> None:
    assert refusal(_dev(EdgeEnabled="false"), [], None) is None


def test_the_lookup_asks_the_configured_resolver() -> None:
    with responding() as dns:
        dns.records["dev.api.payments.io"] = list(ZONE)
        assert sorted(public_name_servers("dev.api.payments.io", dns.address)) == \
            sorted(f"{s}." for s in ZONE)
        assert public_name_servers("other.payments.io", dns.address) == []  # NXDOMAIN: none

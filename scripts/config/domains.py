"""Domains that can never be delegated, so a DNS-validated certificate for them never validates.

RFC 2606 reserves example.com, example.net and example.org and the top-level names .test,
.example, .invalid and .localhost; RFC 6761 confirms them as special-use. ACM waits up to 72 hours
for DNS validation of such a name and then fails, and managed execution queues every later edge
operation behind it, so plan and deploy say so before anything starts, and such an edge never
gets past its hosted zone (scripts.actions.delegation refuses `edge.delegated: true`).
"""

from __future__ import annotations

from collections.abc import Iterable

from scripts.config.reader import Environment
from templates_py.parameters import DOMAIN_NAME, EDGE_ENABLED

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TOP_LEVEL = ("test", "example", "invalid", "localhost")


def reserved(domain: str) -> str | None:
    """The reserved name `domain` falls under (itself or a parent), or None."""
    name = domain.rstrip(".").lower()
    for parent in RESERVED_DOMAINS:
        if name == parent or name.endswith(f".{parent}"):
            return parent
    top = name.rsplit(".", 1)[-1]
    return f".{top}" if top in RESERVED_TOP_LEVEL else None


def edge_warnings(environments: Iterable[Environment]) -> list[str]:
    """One line per environment whose edge is on with a domain that can never validate."""
    warnings = []
    for env in environments:
        if env.values.get(EDGE_ENABLED.name) != "true":
            continue
        domain = env.values.get(DOMAIN_NAME.name, "")
        if (parent := reserved(domain)) is not None:
            warnings.append(
                f"warning: {env.source}: edge.domain: {domain} is under the reserved name "
                f"{parent} (RFC 2606/6761) and can never be delegated, so its edge stays a "
                "hosted zone (edge.delegated: true is refused: a DNS-validated certificate for "
                "it would never validate); use a domain you own, or set edge.enabled: false")
    return warnings


NAME_SERVERS_OUTPUT = "HostedZoneNameServers"


def delegation_message(environment: str, domain: str, name_servers: str) -> str:
    """What to do so the edge's certificate can validate: the parent zone delegates `domain` to
    the hosted zone's name servers. They stay the same across redeploys (the zone is retained,
    never re-created), so the records are added once."""
    parent = domain.split(".", 1)[1] if "." in domain else domain
    lines = [f"{environment}: edge: delegate {domain} to its hosted zone: in the zone of "
             f"{parent}, add an NS record for {domain} with these name servers:"]
    lines += [f"    {server.strip()}" for server in name_servers.split(",") if server.strip()]
    if (reserved_name := reserved(domain)) is not None:
        lines.append(f"  ({domain} is under the reserved {reserved_name}: it can never be "
                     "delegated; its edge stays a hosted zone)")
    else:
        lines.append(f"  once they answer for {domain} (`dig NS {domain} +short`), edge.delegated: "
                     "true adds the certificate and CloudFront (deploy checks first)")
    return "\n".join(lines)

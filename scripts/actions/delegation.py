"""`edge.delegated: true` only once the domain is delegated to its hosted zone.

With the flag true the edge creates a DNS-validated certificate. ACM issues it only once the
validation record, which CloudFormation writes in the hosted zone, resolves publicly, i.e. once
the parent zone's NS records for the domain name the hosted zone's name servers; until then the
StackSet operation waits (up to 72 hours, after which ACM gives up) and every later edge
operation queues behind it. So deploy refuses to set the flag before the public DNS agrees, and
plan says it would. The certificate and the CLOUDFRONT-scoped web ACL the flag creates exist for
CloudFront only in us-east-1, so the flag is refused, without a read, for an environment in any
other region.

The decision (`refusal`) is pure: the zone's name servers against the public ones. The I/O is
thin: the zones through Route 53 in the environment's account, the public NS records through a
resolver (the system's, or the one `PAYCTL_DNS_RESOLVER` names, `host` or `host:port`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.clients import describe
from scripts.aws.regions import CLOUDFRONT_REGION
from scripts.config.domains import reserved
from scripts.config.reader import Environment
from templates_py.parameters import DOMAIN_NAME, EDGE_DELEGATED, EDGE_ENABLED

RESOLVER_VARIABLE = "PAYCTL_DNS_RESOLVER"
LOOKUP_SECONDS = 5.0


def _servers(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.strip().rstrip(".").lower() for n in names if n.strip())


def wants_delegated(env: Environment) -> bool:
    return env.values.get(EDGE_ENABLED.name) == "true" and \
        env.values.get(EDGE_DELEGATED.name) == "true"


def refusal(env: Environment, zones: Sequence[Sequence[str]], public: Sequence[str] | None,
            lookup_error: str = "") -> str | None:
    """Why `env` may not have `edge.delegated: true` yet (one line naming the file and key), or
    None. `zones`: the name servers of each public hosted zone named like the domain in the
    environment's account; `public`: the domain's NS records as the public DNS answers them."""
    if not wants_delegated(env):
        return None
    domain = env.values.get(DOMAIN_NAME.name, "")
    where = f"{env.source}: {EDGE_DELEGATED.key}: true, but"
    back = f"set {EDGE_DELEGATED.key}: false"
    if env.region != CLOUDFRONT_REGION:
        return (f"{where} region: {env.region}: CloudFront takes its certificate (ACM) and its "
                f"web ACL (WAF, scope CLOUDFRONT) only from {CLOUDFRONT_REGION}, and the edge "
                f"makes them in the environment's region; move the environment to "
                f"{CLOUDFRONT_REGION}, or {back} (the hosted zone works in any region)")
    if (parent := reserved(domain)) is not None:
        return (f"{where} {domain} is under the reserved name {parent} (RFC 2606/6761) and can "
                f"never be delegated; use a domain you own, or {back}")
    if lookup_error:
        return (f"{where} the delegation of {domain} could not be checked ({lookup_error}); "
                f"try again, or {back}")
    if not zones:
        return (f"{where} {domain} has no hosted zone in account {env.account_id} yet: deploy "
                f"with {EDGE_DELEGATED.key}: false first, add the NS records it prints in the "
                "parent zone, then set it to true")
    found = _servers(public or ())
    if any(_servers(zone) == found for zone in zones):
        return None
    wanted = " ".join(sorted(_servers(zones[0])))
    shown = " ".join(sorted(found)) or "none"
    return (f"{where} the public NS records of {domain} ({shown}) are not its hosted zone's "
            f"name servers ({wanted}): add those in the parent zone and wait until "
            f"`dig NS {domain} +short` shows them, or {back}")


# -- I/O -------------------------------------------------------------------------------------------


def zone_name_servers(route53: Any, domain: str) -> list[tuple[str, ...]]:
    """The name servers of every public hosted zone named `domain` in the client's account
    (ListHostedZones and GetHostedZone: the execution role has both)."""
    name = domain.rstrip(".").lower()
    zones = [z for page in route53.get_paginator("list_hosted_zones").paginate()
             for z in page["HostedZones"]
             if z["Name"].rstrip(".").lower() == name and not z.get("Config", {}).get("PrivateZone")]
    return [tuple(route53.get_hosted_zone(Id=z["Id"]).get("DelegationSet", {})
                  .get("NameServers", [])) for z in zones]


def public_name_servers(domain: str, resolver: str | None = None) -> list[str]:
    """The domain's NS records as the public DNS answers them (none when it has none).
    `resolver` (`host` or `host:port`) replaces the system's resolvers."""
    import dns.exception
    import dns.resolver

    lookup = dns.resolver.Resolver(configure=resolver is None)
    if resolver:
        host, _, port = resolver.rpartition(":")
        if resolver.count(":") != 1:  # a bare IPv6 address
            host, port = resolver, ""
        lookup.nameservers = [host]
        lookup.port = int(port) if port else 53
    lookup.lifetime = LOOKUP_SECONDS
    try:
        answer = lookup.resolve(domain, "NS")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as err:
        raise LookupError(str(err) or type(err).__name__) from None
    return [str(record.target) for record in answer]


def refusals(environments: Iterable[Environment], route53_in: Callable[[Environment], Any],
             already_delegated: Callable[[Environment], bool],
             resolver: str | None = None) -> list[str]:
    """One line per environment that would set `edge.delegated: true` too early. An instance
    that already runs with it true is not checked again (its certificate is issued)."""
    if resolver is None:
        resolver = os.environ.get(RESOLVER_VARIABLE) or None
    lines = []
    for env in environments:
        if not wants_delegated(env) or already_delegated(env):
            continue  # not asking for it, or already there
        domain = env.values[DOMAIN_NAME.name]
        zones: list[tuple[str, ...]] = []
        public: list[str] | None = None
        error = ""
        if reserved(domain) is None and env.region == CLOUDFRONT_REGION:
            try:
                zones = zone_name_servers(route53_in(env), domain)
                if zones:
                    public = public_name_servers(domain, resolver)
            except LookupError as err:
                error = f"public DNS: {err}"
            except (BotoCoreError, ClientError) as err:  # no execution role yet, ...
                error = f"Route 53 in account {env.account_id}: {describe(err)}"
        if (line := refusal(env, zones, public, error)) is not None:
            lines.append(line)
    return lines


def check(rollout: Any, environments: Iterable[Environment]) -> list[str]:
    """`refusals` for a rollout: Route 53 read in each environment's account through the
    read role; the edge instance's current overrides read from the StackSet."""
    from scripts.aws.clients import error_code

    deployment = rollout.config.deployment
    edge = next((s.name for s in deployment.stacksets if s.template == "payment-platform-edge"),
                None)

    def route53_in(env: Environment) -> Any:
        return rollout.aws.client("route53", rollout.aws.in_account(
            env.account_id, deployment.read_role_name))

    def already_delegated(env: Environment) -> bool:
        if edge is None:
            return False
        try:
            instance = rollout.cfn.describe_stack_instance(
                StackSetName=edge, StackInstanceAccount=env.account_id,
                StackInstanceRegion=env.region)["StackInstance"]
        except Exception as err:
            if error_code(err) in ("StackSetNotFoundException", "StackInstanceNotFoundException"):
                return False
            raise
        overrides = {p["ParameterKey"]: p["ParameterValue"]
                     for p in instance.get("ParameterOverrides", [])}
        return instance.get("Status") == "CURRENT" and overrides.get(EDGE_DELEGATED.name) == "true"

    return refusals(environments, route53_in, already_delegated)

"""ACM's DNS validation, as the emulator models it: a certificate is issued only once its domain
is delegated to the hosted zone that holds the validation record.

What AWS documents:
- AWS::CertificateManager::Certificate: "if the certificate uses email validation, or if the
  domain is not hosted in Route 53, then the stack will remain in the CREATE_IN_PROGRESS state.
  Further stack operations are delayed until you validate the certificate request" (CloudFormation
  template reference). A zone that the public DNS does not reach hosts nothing publicly.
- ACM CertificateDetail.Status: "ACM makes repeated attempts to validate a certificate for 72
  hours and then times out", leaving VALIDATION_TIMED_OUT (ACM API reference).
The wording CloudFormation then gives the failed resource is not documented; the reason here
says what happened.

Validation reads the validation CNAME through the public DNS, which answers from the hosted zone
only when the parent's NS records for the domain name the zone's name servers; so "delegated"
is: the domain's public NS records are the zone's name servers. The emulator never leaves the
machine: its public DNS is the resolver `PAYCTL_DNS_RESOLVER` names (`host` or `host:port`,
e.g. a test's responder on 127.0.0.1); without one nothing is delegated.
"""

from __future__ import annotations

import os
from typing import Any

RESOLVER_VARIABLE = "PAYCTL_DNS_RESOLVER"
VALIDATION_TIMEOUT_SECONDS = 72 * 3600.0


class ValidationTimedOut(Exception):
    """The certificate's creation fails once ACM gives up: after 72 (simulated) hours."""

    def __init__(self, domain: str) -> None:
        super().__init__(f"Certificate for {domain} failed validation: VALIDATION_TIMED_OUT "
                         "(ACM tried for 72 hours; the domain's public NS records do not name "
                         "the hosted zone's name servers)")
        self.seconds = VALIDATION_TIMEOUT_SECONDS


def _public_ns(domain: str) -> set[str]:
    address = os.environ.get(RESOLVER_VARIABLE)
    if not address:
        return set()
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    host, _, port = address.rpartition(":")
    if address.count(":") != 1:
        host, port = address, ""
    resolver.nameservers, resolver.port, resolver.lifetime = [host], int(port or 53), 5.0
    try:
        return {str(r.target).rstrip(".").lower() for r in resolver.resolve(domain, "NS")}
    except dns.exception.DNSException:
        return set()  # no answer: ACM keeps trying, and times out


def _zone_servers(account: str, zone_id: str) -> set[str]:
    from moto.route53.models import route53_backends

    zone = route53_backends[account]["global"].zones.get(str(zone_id).rsplit("/", 1)[-1])
    if zone is None or zone.delegation_set is None:
        return set()
    return {s.rstrip(".").lower() for s in zone.delegation_set.name_servers}


def require_delegated(props: dict[str, Any], account: str) -> None:
    """Raise ValidationTimedOut unless every DNS-validated name of the certificate is delegated
    to the hosted zone its DomainValidationOptions name."""
    if props.get("ValidationMethod", "EMAIL") != "DNS":
        return
    zones = {o["DomainName"]: o.get("HostedZoneId", "")
             for o in props.get("DomainValidationOptions", [])}
    for domain in [props["DomainName"], *props.get("SubjectAlternativeNames", [])]:
        servers = _zone_servers(account, zones.get(domain, ""))
        if not servers or _public_ns(domain) != servers:
            raise ValidationTimedOut(domain)

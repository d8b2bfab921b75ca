"""How long a stack operation takes on AWS, from the resource types in its template.

CloudFormation creates independent resources in parallel, so a stack takes as long as its
longest chain of dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn), plus the stack's own
overhead. The per-type figures are typical AWS durations, in seconds; where AWS documents one,
the source is named, otherwise the figure is the order of magnitude seen in CloudFormation's
stack events for that type (DESCRIBED as such, not measured here).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from scripts.intrinsics import references

# Seconds to create a resource of each type.
CREATE_SECONDS: dict[str, float] = {
    # "it can take a few minutes for the distribution to deploy" (CloudFront Developer Guide,
    # Creating a distribution); stack events typically show 4-8 minutes.
    "AWS::CloudFront::Distribution": 360,
    # The NAT gateway starts PENDING and is AVAILABLE in one to two minutes (stack events).
    "AWS::EC2::NatGateway": 100,
    # DNS validation completes "within a few minutes" once the CNAME resolves (ACM User Guide,
    # DNS validation); the stack waits for ISSUED.
    "AWS::CertificateManager::Certificate": 180,
    # Route 53 changes reach INSYNC "generally within 60 seconds" (Route 53 API, GetChange).
    "AWS::Route53::HostedZone": 45,
    "AWS::Route53::RecordSet": 45,
    # A VPC-attached function stays Pending while Lambda creates its network interfaces.
    "AWS::Lambda::Function": 45,
    "AWS::DynamoDB::Table": 20,
    "AWS::EC2::VPCEndpoint": 20,
    "AWS::EC2::InternetGateway": 10,
    "AWS::EC2::VPCGatewayAttachment": 15,
    "AWS::IAM::Role": 15,
    "AWS::S3::Bucket": 20,
    "AWS::WAFv2::WebACL": 30,
    "AWS::KMS::Key": 10,
    "AWS::ApiGateway::Stage": 10,
    "AWS::Logs::LogGroup": 2,
    "AWS::CloudWatch::Alarm": 3,
}
DEFAULT_SECONDS = 5.0
# Deletion: CloudFront must be disabled and then deleted, which takes as long again.
DELETE_SECONDS: dict[str, float] = {
    "AWS::CloudFront::Distribution": 600,
    "AWS::EC2::NatGateway": 60,
    "AWS::Lambda::Function": 30,
}
DELETE_DEFAULT_SECONDS = 3.0
# CloudFormation's own work for one stack operation (validation, events, outputs).
STACK_OVERHEAD_SECONDS = 10.0


def _critical_path(resources: dict[str, Any], seconds: dict[str, float]) -> float:
    finish: dict[str, float] = {}

    def done(name: str, visiting: frozenset[str] = frozenset()) -> float:
        if name in finish:
            return finish[name]
        spec = resources[name]
        depends = spec.get("DependsOn", [])
        before = (references(spec.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends)) & set(resources) - visiting - {name}
        start = max((done(d, visiting | {name}) for d in before), default=0.0)
        finish[name] = start + seconds[name]
        return finish[name]

    return max((done(name) for name in resources), default=0.0)


@lru_cache(maxsize=256)
def _stack_seconds(template: str, action: str) -> float:
    table, default = (DELETE_SECONDS, DELETE_DEFAULT_SECONDS) if action == "DELETE" else \
        (CREATE_SECONDS, DEFAULT_SECONDS)
    resources = _resources(template)
    seconds = {name: table.get(spec.get("Type", ""), default) for name, spec in resources.items()}
    # deletion walks the same dependency chains in reverse, so it costs the same path
    return STACK_OVERHEAD_SECONDS + _critical_path(resources, seconds)


def _resources(template: str) -> dict[str, Any]:
    """The template's resources; a YAML template (not used by the platform) counts as having
    none, so it costs only the overhead."""
    try:
        return json.loads(template).get("Resources", {})
    except (ValueError, AttributeError):
        return {}


def stack_seconds(template: str, action: str, changed: set[str] | None = None) -> float:
    """Simulated AWS seconds for one stack operation. An update touches only `changed`
    resources (all of them when not given), so it costs the overhead plus their chain."""
    if action != "UPDATE" or changed is None:
        return _stack_seconds(template, "DELETE" if action == "DELETE" else "CREATE")
    if not changed:
        return STACK_OVERHEAD_SECONDS
    resources = _resources(template)
    subset = {name: spec for name, spec in resources.items() if name in changed}
    seconds = {name: CREATE_SECONDS.get(spec.get("Type", ""), DEFAULT_SECONDS)
               for name, spec in subset.items()}
    return STACK_OVERHEAD_SECONDS + _critical_path(subset, seconds)

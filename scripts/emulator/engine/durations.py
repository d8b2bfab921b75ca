"""How long a stack operation takes on AWS, from the resource types in its template.

CloudFormation creates independent resources in parallel, so a stack takes as long as its
longest chain of dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn), plus the stack's own
overhead; a resource whose Condition is false is not created and costs nothing. The per-type
figures are typical AWS durations, in seconds; where AWS documents one, the source is named,
otherwise the figure is the order of magnitude seen in CloudFormation's stack events for that
type (DESCRIBED as such, not measured here).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from scripts.aws.intrinsics import condition_holds, references

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


def stack_seconds(template: str, action: str, changed: set[str] | None = None,
                  parameters: dict[str, str] | None = None) -> float:
    """Simulated AWS seconds for one stack operation with these parameter values (the
    template's defaults for the rest): only resources whose Condition holds are created, so a
    zone-only edge costs a zone, not a distribution. An update touches only `changed` resources
    (all of them when not given), so it costs the overhead plus their chain."""
    resources = present(template, parameters)
    if action == "UPDATE" and changed is not None:
        if not changed & resources:
            return STACK_OVERHEAD_SECONDS
        return _seconds(template, "CREATE", frozenset(changed & resources))
    return _seconds(template, "DELETE" if action == "DELETE" else "CREATE", resources)


@lru_cache(maxsize=256)
def _seconds(template: str, action: str, names: frozenset[str]) -> float:
    table, default = (DELETE_SECONDS, DELETE_DEFAULT_SECONDS) if action == "DELETE" else \
        (CREATE_SECONDS, DEFAULT_SECONDS)
    resources = {name: spec for name, spec in _template(template).get("Resources", {}).items()
                 if name in names}
    seconds = {name: table.get(spec.get("Type", ""), default) for name, spec in resources.items()}
    # deletion walks the same dependency chains in reverse, so it costs the same path
    return STACK_OVERHEAD_SECONDS + _critical_path(resources, seconds)


def present(template: str, parameters: dict[str, str] | None = None) -> frozenset[str]:
    """The resources a stack of `template` has with these parameter values (the template's
    defaults for the rest): those without a Condition or whose Condition holds."""
    return _present(template, _frozen({**_defaults(template), **(parameters or {})}))


@lru_cache(maxsize=256)
def _present(template: str, parameters: frozenset[tuple[str, str]]) -> frozenset[str]:
    body = _template(template)
    values = dict(parameters)
    return frozenset(name for name, spec in body.get("Resources", {}).items()
                     if "Condition" not in spec
                     or condition_holds(body, spec["Condition"], values))


def _defaults(template: str) -> dict[str, str]:
    return {name: str(spec["Default"]) for name, spec in
            _template(template).get("Parameters", {}).items() if "Default" in spec}


def _frozen(parameters: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((k, str(v)) for k, v in parameters.items())


@lru_cache(maxsize=64)
def _template(template: str) -> dict[str, Any]:
    """The parsed template; a YAML template (not used by the platform) counts as having no
    resources, so it costs only the overhead. Cached: the engine asks once per account."""
    try:
        body = json.loads(template)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

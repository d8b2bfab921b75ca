"""Derive the StackSet execution role's actions from everything CloudFormation does in the account.

CloudFormation acts in each target account with the execution role's permissions, so the role
needs more than the resource handlers' permissions (read from the resource schemas cfn-lint
ships):

- intrinsic functions that CloudFormation resolves by calling AWS: `Fn::GetAZs` calls
  `ec2:DescribeAvailabilityZones` and `ec2:DescribeAccountAttributes` (and `ec2:DescribeSubnets`
  on EC2-VPC), as the Fn::GetAZs reference's "IAM permissions" section says;
- dynamic references (`{{resolve:ssm:...}}`), AWS-specific parameter types and transforms,
  which CloudFormation resolves or validates with the caller's permissions;
- its own stack calls: the StackSets prerequisites say the target account "always needs full
  AWS CloudFormation permissions", so every CloudFormation action is listed (explicitly: the
  project's policy check allows no wildcard action).

The deployer's own calls through the role are added too (`deployer_actions`: `payctl purge`).

Anything a template uses that this module does not know (a new intrinsic, transform or
parameter type) stops the derivation instead of silently granting nothing. The result is
committed as `templates_py/execution_actions.json` so the build stays free of cfn-lint; a test
regenerates it and fails when it is stale. Regenerate with `python -m scripts.checks.permissions`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scripts.aws.intrinsics import functions
from scripts.aws.resource_schemas import handler_permissions, iam_actions

ACTIONS_FILE = Path(__file__).resolve().parents[2] / "templates_py" / "execution_actions.json"

# Each call the purge makes in the environment's account, and the IAM actions it needs there
# (Service Authorization Reference; DeleteObjects with version ids needs s3:DeleteObjectVersion
# beside s3:DeleteObject). `deployer_actions` grants exactly these to the execution role.
PURGE_CALL_ACTIONS: dict[str, tuple[str, ...]] = {
    "dynamodb:DescribeTable": ("dynamodb:DescribeTable",),
    "dynamodb:UpdateTable": ("dynamodb:UpdateTable",),
    "dynamodb:DeleteTable": ("dynamodb:DeleteTable",),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:GetBucketEncryption": ("s3:GetEncryptionConfiguration",),
    "s3:ListObjectVersions": ("s3:ListBucketVersions",),
    "s3:DeleteObjects": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "s3:DeleteBucket": ("s3:DeleteBucket",),
    "logs:DescribeLogGroups": ("logs:DescribeLogGroups",),
    "logs:DeleteLogGroup": ("logs:DeleteLogGroup",),
    "kms:DescribeKey": ("kms:DescribeKey",),
    "kms:ListResourceTags": ("kms:ListResourceTags",),
    "kms:ScheduleKeyDeletion": ("kms:ScheduleKeyDeletion",),
    "route53:ListHostedZones": ("route53:ListHostedZones",),
    "route53:ListResourceRecordSets": ("route53:ListResourceRecordSets",),
    "route53:ChangeResourceRecordSets": ("route53:ChangeResourceRecordSets",),
    "route53:DeleteHostedZone": ("route53:DeleteHostedZone",),
}
# The reads plan and deploy make through the role to see whether the account's quotas take
# what the platform needs (`scripts.actions.quotas`).
QUOTA_CALL_ACTIONS: dict[str, tuple[str, ...]] = {
    "lambda:GetAccountSettings": ("lambda:GetAccountSettings",),
    "lambda:GetFunctionConcurrency": ("lambda:GetFunctionConcurrency",),
    "ec2:DescribeAccountAttributes": ("ec2:DescribeAccountAttributes",),
    "ec2:DescribeAddresses": ("ec2:DescribeAddresses",),
    "ec2:DescribeVpcs": ("ec2:DescribeVpcs",),
    "service-quotas:GetServiceQuota": ("servicequotas:GetServiceQuota",),
    "service-quotas:GetAWSDefaultServiceQuota": ("servicequotas:GetAWSDefaultServiceQuota",),
}
# Handlers also list permissions for optional integrations the platform does not use
# (Kinesis streaming, S3 Tables, VPC Lattice, ...); the role grants only these services.
PLATFORM_SERVICES = frozenset({"acm", "apigateway", "cloudformation", "cloudfront", "cloudwatch",
                               "dynamodb", "ec2", "iam", "kms", "lambda", "logs", "route53", "s3",
                               "secretsmanager", "servicequotas", "ssm", "wafv2"})
# Intrinsic functions and what CloudFormation calls in the account to resolve them. The empty
# ones are evaluated by CloudFormation itself (Fn::ImportValue reads the account's exports,
# covered by the CloudFormation actions every template gets).
INTRINSIC_ACTIONS: dict[str, tuple[str, ...]] = {
    "Fn::GetAZs": ("ec2:DescribeAvailabilityZones", "ec2:DescribeAccountAttributes",
                   "ec2:DescribeSubnets"),
    **{name: () for name in (
        "Ref", "Condition", "Fn::And", "Fn::Base64", "Fn::Cidr", "Fn::Equals", "Fn::FindInMap",
        "Fn::GetAtt", "Fn::If", "Fn::ImportValue", "Fn::Join", "Fn::Length", "Fn::Not",
        "Fn::Or", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::ToJsonString")},
}
# `{{resolve:<service>:...}}` dynamic references.
DYNAMIC_REFERENCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "ssm": ("ssm:GetParameters",), "ssm-secure": ("ssm:GetParameters",),
    "secretsmanager": ("secretsmanager:GetSecretValue",)}
# Parameter types: CloudFormation validates AWS-specific ones against the account.
PARAMETER_TYPE_ACTIONS: dict[str, tuple[str, ...]] = {
    "String": (), "Number": (), "CommaDelimitedList": (), "List<Number>": (),
    "AWS::EC2::AvailabilityZone::Name": ("ec2:DescribeAvailabilityZones",),
    "AWS::EC2::SecurityGroup::Id": ("ec2:DescribeSecurityGroups",),
    "AWS::EC2::Subnet::Id": ("ec2:DescribeSubnets",),
    "AWS::EC2::VPC::Id": ("ec2:DescribeVpcs",),
    "AWS::Route53::HostedZone::Id": ("route53:ListHostedZones",),
}
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<"
TRANSFORM_ACTIONS: dict[str, tuple[str, ...]] = {"AWS::Include": ("s3:GetObject",)}
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([a-z-]+):")


def resource_types(templates: Iterable[dict[str, Any]]) -> set[str]:
    return {r["Type"] for t in templates for r in t.get("Resources", {}).values()
            if not r["Type"].startswith("AWS::CloudFormation::")}


def _intrinsics(template: dict[str, Any]) -> set[str]:
    """Intrinsic function names used anywhere (Resources, Outputs, Conditions, ...)."""
    found = {key for key, _ in functions(template) if key.startswith("Fn::") or key == "Ref"}
    conditions = {key for key, value in functions(template.get("Conditions", {}))
                  if key == "Condition" and isinstance(value, str)}
    return found | conditions


def _transforms(template: dict[str, Any]) -> set[str]:
    declared = template.get("Transform", [])
    names = set(declared if isinstance(declared, list) else [declared])
    names |= {value["Name"] for key, value in functions(template)
              if key == "Fn::Transform" and isinstance(value, dict) and "Name" in value}
    return names


def _lookup(table: dict[str, tuple[str, ...]], name: str, what: str) -> tuple[str, ...]:
    if name not in table:
        raise ValueError(f"the templates use the {what} {name}, and scripts/checks/permissions.py does "
                         "not know what CloudFormation calls in the account for it: add it there")
    return table[name]


def template_actions(template: dict[str, Any]) -> set[str]:
    """What CloudFormation calls in the account for `template`, beyond its resource handlers
    and its own stack calls: intrinsics, dynamic references, parameter types, transforms."""
    actions: set[str] = set()
    for name in _intrinsics(template):
        actions |= set(_lookup(INTRINSIC_ACTIONS, name, "intrinsic function"))
    for service in DYNAMIC_REFERENCE.findall(json.dumps(template)):  # in any string
        actions |= set(_lookup(DYNAMIC_REFERENCE_ACTIONS, service, "dynamic reference"))
    for spec in template.get("Parameters", {}).values():
        kind = spec.get("Type", "String")
        if kind.startswith(SSM_PARAMETER_TYPE):
            actions.add("ssm:GetParameters")
        else:
            actions |= set(_lookup(PARAMETER_TYPE_ACTIONS, kind, "parameter type"))
    for name in _transforms(template):
        actions |= set(_lookup(TRANSFORM_ACTIONS, name, "transform"))
    return actions


def cloudformation_actions() -> set[str]:
    """Every CloudFormation action ("full AWS CloudFormation permissions"), spelled as awacs
    spells them and known to IAM's catalogue."""
    import awacs.aws
    import awacs.cloudformation

    return {f"cloudformation:{value.action}" for value in vars(awacs.cloudformation).values()
            if isinstance(value, awacs.aws.Action) and value.prefix == "cloudformation"}


def handler_actions(types: Iterable[str]) -> set[str]:
    """Every IAM action the create/read/update/delete handlers of `types` call."""
    return set().union(*(handler_permissions(t) for t in types))


def needed_actions(templates: Iterable[dict[str, Any]]) -> list[str]:
    """Every action CloudFormation needs in a target account to deploy `templates`."""
    templates = list(templates)
    actions = handler_actions(resource_types(templates)) | cloudformation_actions()
    for template in templates:
        actions |= template_actions(template)
    # Schemas also list retired or non-IAM names ("s3:REST.PUT.OBJECT"); keep actions IAM knows.
    return sorted(a for a in actions if _known(a) and a.split(":")[0] in PLATFORM_SERVICES)


def _known(action: str) -> bool:
    service, _, name = action.partition(":")
    return name.lower() in iam_actions().get(service.lower(), {}).get("Actions", {})


def by_service(actions: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for action in sorted(actions):
        service, name = action.split(":", 1)
        grouped.setdefault(service, []).append(name)
    return grouped


def granted_actions(role_template: dict[str, Any]) -> set[str]:
    """Lower-cased actions every Allow statement of `role_template`'s policies grants (inline
    policies and managed policies alike): what the role can do, read from the built template."""
    granted: set[str] = set()
    for resource in role_template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document.get("Statement", []):
                if statement.get("Effect") == "Allow":
                    action = statement.get("Action", [])
                    granted |= {a.lower() for a in (action if isinstance(action, list) else [action])}
    return granted


def missing_actions(role_template: dict[str, Any], templates: Iterable[dict[str, Any]]) -> list[str]:
    """Actions CloudFormation needs for `templates` that the role does not grant."""
    granted = granted_actions(role_template)
    return [a for a in needed_actions(templates) if a.lower() not in granted]


def stack_set_templates() -> list[dict[str, Any]]:
    from templates_py.edge import build_edge
    from templates_py.platform import build_platform

    return [bp.template.to_dict() for bp in (build_platform(), build_edge())]


def deployer_actions() -> set[str]:
    """What the deployer itself does through the execution role beyond CloudFormation's needs:
    `payctl purge` removes a destroyed environment's retained resources (its versioned buckets
    need s3:ListBucketVersions and s3:DeleteObjectVersion, which no resource handler calls),
    and plan and deploy read the Lambda concurrency, Elastic IP and VPC quotas."""
    return set().union(*PURGE_CALL_ACTIONS.values(), *QUOTA_CALL_ACTIONS.values())


def derive() -> dict[str, list[str]]:
    return by_service(set(needed_actions(stack_set_templates())) | deployer_actions())


def main() -> None:
    ACTIONS_FILE.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {ACTIONS_FILE}")


if __name__ == "__main__":
    main()

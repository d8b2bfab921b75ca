"""The project's own policy checks over built templates, for what cfn-lint does not check.

Each check is a small function from a template (a dict) to a list of violations, one line
each. Facts about resource types (which are taggable, which are stateful) come from the
CloudFormation resource schemas and lists that cfn-lint ships, not from a hand-kept list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from scripts.aws.resource_schemas import stateful_types, tag_property
from templates_py.blueprint import TAG_KEYS

Template = dict[str, Any]
Check = Callable[[Template], list[str]]

# PCI DSS 10.5.1: audit logs are kept for at least a year.
MINIMUM_PROD_RETENTION_DAYS = 365
# Allow statements may use "*" as the resource only for actions AWS documents as supporting no
# resource-level permissions, or where the resource's ARN cannot exist before the call.
STAR_RESOURCE_ALLOWED = {
    "xray:PutTraceSegments": "X-Ray write APIs support no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray write APIs support no resource-level permissions",
    "ec2:DescribeRegions": "EC2's Describe actions support no resource-level permissions",
    "route53:ListHostedZones": "Route 53 lists hosted zones for the account, not one resource",
    "lambda:GetAccountSettings": "Lambda's account settings are the account's, not a resource's",
    "ec2:DescribeAccountAttributes": "EC2's Describe actions support no resource-level permissions",
    "ec2:DescribeAddresses": "EC2's Describe actions support no resource-level permissions",
    "ec2:DescribeVpcs": "EC2's Describe actions support no resource-level permissions",
    "servicequotas:GetAWSDefaultServiceQuota": "AWS's default quotas are no account's resource",
}
# The StackSet execution role creates resources whose ARNs do not exist yet; its service
# statements (Sid "Manage<Service>") are the documented exception.
EXECUTION_ROLE_SIDS = "Manage"


def _resources(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from template.get("Resources", {}).items()


def _policy_documents(resource: dict[str, Any]) -> Iterator[tuple[bool, dict[str, Any]]]:
    """Each policy document of the resource, and whether it is a KMS key policy (in which
    `"Resource": "*"` means the key itself, as AWS documents)."""
    props = resource.get("Properties", {})
    for key in ("PolicyDocument", "KeyPolicy"):
        if isinstance(props.get(key), dict):
            yield key == "KeyPolicy", props[key]
    for policy in props.get("Policies", []):
        yield False, policy.get("PolicyDocument", {})


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_tags(template: Template) -> list[str]:
    """Every taggable resource carries the five platform tags."""
    problems = []
    for logical_id, resource in _resources(template):
        prop = tag_property(resource["Type"])
        if prop is None:
            continue
        tags = resource.get("Properties", {}).get(prop, [])
        keys = set(tags) if isinstance(tags, dict) else {t.get("Key") for t in tags}
        missing = [k for k in TAG_KEYS if k not in keys]
        if missing:
            problems.append(f"{logical_id} ({resource['Type']}): missing tags {', '.join(missing)}")
    return problems


def check_retained(template: Template) -> list[str]:
    """Stateful resources survive stack deletion and replacement."""
    return [f"{logical_id} ({resource['Type']}): needs DeletionPolicy and UpdateReplacePolicy Retain"
            for logical_id, resource in _resources(template)
            if resource["Type"] in stateful_types()
            and not (resource.get("DeletionPolicy") == "Retain"
                     and resource.get("UpdateReplacePolicy") == "Retain")]


def check_tls_only_buckets(template: Template) -> list[str]:
    """Every bucket has a policy that denies requests not made over TLS."""
    protected = set()
    for _, resource in _resources(template):
        if resource["Type"] != "AWS::S3::BucketPolicy":
            continue
        for statement in _list(resource["Properties"]["PolicyDocument"].get("Statement", [])):
            condition = statement.get("Condition", {}).get("Bool", {})
            if statement.get("Effect") == "Deny" and \
                    str(condition.get("aws:SecureTransport")).lower() == "false":
                protected.add(json.dumps(resource["Properties"]["Bucket"], sort_keys=True))
    return [f"{logical_id}: no bucket policy denies aws:SecureTransport false"
            for logical_id, resource in _resources(template)
            if resource["Type"] == "AWS::S3::Bucket"
            and json.dumps({"Ref": logical_id}) not in protected]


def check_iam_wildcards(template: Template) -> list[str]:
    """Allow statements name explicit actions, and use a `*` resource only where AWS requires."""
    problems = []
    for logical_id, resource in _resources(template):
        for key_policy, document in _policy_documents(resource):
            for statement in _list(document.get("Statement", [])):
                if statement.get("Effect") != "Allow":
                    continue
                actions = [a for a in _list(statement.get("Action", [])) if isinstance(a, str)]
                for action in actions:
                    if "*" in action:
                        problems.append(f"{logical_id}: Allow with wildcard action {action}")
                if not key_policy and "*" in _list(statement.get("Resource", [])):
                    sid = str(statement.get("Sid", ""))
                    unexplained = [a for a in actions if a not in STAR_RESOURCE_ALLOWED]
                    if unexplained and not sid.startswith(EXECUTION_ROLE_SIDS):
                        problems.append(f"{logical_id}: Allow {', '.join(unexplained)} on "
                                        "resource *")
    return problems


def check_flow_logs(template: Template) -> list[str]:
    """Every VPC logs its traffic."""
    logged = {json.dumps(resource["Properties"].get("ResourceId"))
              for _, resource in _resources(template) if resource["Type"] == "AWS::EC2::FlowLog"}
    return [f"{logical_id}: no AWS::EC2::FlowLog for this VPC"
            for logical_id, resource in _resources(template)
            if resource["Type"] == "AWS::EC2::VPC" and json.dumps({"Ref": logical_id}) not in logged]


def _retention_problem(days: Any) -> str | None:
    if days is None:
        return None  # never expires
    if not isinstance(days, int | str) or not str(days).isdigit():
        return f"retention {json.dumps(days)} is not resolved to a number of days"
    if int(days) < MINIMUM_PROD_RETENTION_DAYS:
        return f"keeps logs {days} days, fewer than {MINIMUM_PROD_RETENTION_DAYS}"
    return None


def check_prod_retention(template: Template) -> list[str]:
    """Log groups and log-bucket expirations keep at least a year (PCI DSS 10.5.1); run on
    the template as resolved with prod's parameters (`effective`)."""
    problems = []
    for logical_id, resource in _resources(template):
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Logs::LogGroup":
            found = [_retention_problem(props.get("RetentionInDays"))]
        elif resource["Type"] == "AWS::S3::Bucket":
            rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
            found = [_retention_problem(r.get("ExpirationInDays")) for r in rules]
        else:
            continue
        problems += [f"{logical_id}: {problem}" for problem in found if problem]
    return problems


def effective(template: Template, overrides: dict[str, str]) -> Template:
    """The template with each parameter reference replaced by its value for one environment:
    the override the deployer sends, else the parameter's default."""
    values = {name: overrides.get(name, spec.get("Default"))
              for name, spec in template.get("Parameters", {}).items()}

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in values:
                return values[node["Ref"]]
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(template)


CHECKS: dict[str, Check] = {
    "five-tags-on-taggable-resources": check_tags,
    "stateful-resources-retained": check_retained,
    "tls-only-buckets": check_tls_only_buckets,
    "no-iam-wildcards": check_iam_wildcards,
    "vpc-flow-logs-on": check_flow_logs,
}
# Checks of the configuration prod actually gets: they run on `effective` templates.
PROD_CHECKS: dict[str, Check] = {
    "prod-log-retention-at-least-365-days": check_prod_retention,
}


def run_all(templates: dict[str, Template], prod_overrides: dict[str, dict[str, str]]
            ) -> list[str]:
    """Every check over every template; `prod_overrides` maps template name to prod's values."""
    problems = [f"{name}: {check_name}: {problem}"
                for name, template in sorted(templates.items())
                for check_name, check in CHECKS.items()
                for problem in check(template)]
    for name, overrides in sorted(prod_overrides.items()):
        prod = effective(templates[name], overrides)
        problems += [f"{name} (prod): {check_name}: {problem}"
                     for check_name, check in PROD_CHECKS.items() for problem in check(prod)]
    return problems

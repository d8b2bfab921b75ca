"""The project's own policy checks over built templates, for what cfn-lint does not check.

Each check is a small function from a template (a dict) to a list of violations, one line
each. Facts about resource types (which are taggable, which are stateful) come from the
CloudFormation resource schemas and lists that cfn-lint ships, not from a hand-kept list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from scripts.resource_schemas import stateful_types, tag_property
from templates_py.blueprint import TAG_KEYS

Template = dict[str, Any]
Check = Callable[[Template], list[str]]

# Allow statements may use "*" as the resource only for actions AWS documents as supporting no
# resource-level permissions, or where the resource's ARN cannot exist before the call.
STAR_RESOURCE_ALLOWED = {
    "xray:PutTraceSegments": "X-Ray write APIs support no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray write APIs support no resource-level permissions",
}
# The StackSet execution role creates resources whose ARNs do not exist yet; its service
# statements (Sid "Manage<Service>") are the documented exception.
EXECUTION_ROLE_SIDS = "Manage"


def _resources(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from template.get("Resources", {}).items()


def _policy_documents(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    props = resource.get("Properties", {})
    for key in ("PolicyDocument", "KeyPolicy"):
        if isinstance(props.get(key), dict):
            yield props[key]
    for policy in props.get("Policies", []):
        yield policy.get("PolicyDocument", {})


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
        for document in _policy_documents(resource):
            for statement in _list(document.get("Statement", [])):
                if statement.get("Effect") != "Allow":
                    continue
                actions = [a for a in _list(statement.get("Action", [])) if isinstance(a, str)]
                for action in actions:
                    if "*" in action:
                        problems.append(f"{logical_id}: Allow with wildcard action {action}")
                if "*" in _list(statement.get("Resource", [])):
                    sid = str(statement.get("Sid", ""))
                    unexplained = [a for a in actions if a not in STAR_RESOURCE_ALLOWED]
                    if unexplained and not sid.startswith(EXECUTION_ROLE_SIDS):
                        problems.append(f"{logical_id}: Allow {', '.join(unexplained)} on "
                                        "resource *")
    return problems


CHECKS: dict[str, Check] = {
    "five-tags-on-taggable-resources": check_tags,
    "stateful-resources-retained": check_retained,
    "tls-only-buckets": check_tls_only_buckets,
    "no-iam-wildcards": check_iam_wildcards,
}


def run_all(templates: dict[str, Template]) -> list[str]:
    return [f"{name}: {check_name}: {problem}"
            for name, template in sorted(templates.items())
            for check_name, check in CHECKS.items()
            for problem in check(template)]

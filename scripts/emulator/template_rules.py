"""Template rules CloudFormation applies before it starts anything: every create, update and
change set of a stack, and every StackSet's template, is refused with the same error as on AWS.

Owns the rule checks and their installation on moto's CloudFormation backend; may import only
scripts.aws, scripts.errors and scripts.emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack

from scripts.aws.intrinsics import SUB_NAMES

# "Pseudo parameters are parameters that are predefined by AWS CloudFormation" (user guide,
# Pseudo parameters reference): a Ref to one resolves without a declaration.
PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"})


def _walk(value: Any) -> Iterator[tuple[str, str]]:
    """(function, logical id) for every Ref, Fn::GetAtt and Fn::Sub name inside `value`; a
    Sub's own variables (its second argument's keys) are local to it, not references."""
    if isinstance(value, list):
        for inner in value:
            yield from _walk(inner)
        return
    if not isinstance(value, dict):
        return
    for key, inner in value.items():
        if key == "Ref" and isinstance(inner, str):
            yield "Ref", inner
        elif key == "Fn::GetAtt":
            name = inner[0] if isinstance(inner, list) and inner else str(inner).split(".")[0]
            if isinstance(name, str):
                yield "Fn::GetAtt", name
            continue
        elif key == "Fn::Sub":
            text, variables = (inner[0], inner[1]) if isinstance(inner, list) and len(inner) == 2 \
                else (inner, {})
            names = set(variables) if isinstance(variables, dict) else set()
            for found in SUB_NAMES.findall(str(text)):
                if found not in names:
                    yield "Fn::Sub", found
            yield from _walk(variables)
            continue
        yield from _walk(inner)


def unresolved(template: dict[str, Any]) -> str | None:
    """The error for the first reference to nothing, or None. The wording is AWS's as users
    report it ("Template format error: Unresolved resource dependencies [X] in the Resources
    block of the template"; "Template error: instance of Fn::GetAtt references undefined
    resource X"); the reference gives no wording. A template with a Transform is left alone:
    a macro may declare what it refers to."""
    if template.get("Transform"):
        return None
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return None
    declared = set(resources) | set(template.get("Parameters") or {}) | PSEUDO_PARAMETERS
    for block in ("Resources", "Outputs"):
        missing: list[str] = []
        for spec in (template.get(block) or {}).values():
            if not isinstance(spec, dict):
                continue
            body = {k: v for k, v in spec.items() if k not in ("Metadata", "DependsOn")}
            for function, name in _walk(body):
                if name in declared:
                    continue
                if function == "Fn::GetAtt":
                    return f"Template error: instance of Fn::GetAtt references undefined resource {name}"
                missing.append(name)
            depends = spec.get("DependsOn") if block == "Resources" else None
            for name in [depends] if isinstance(depends, str) else depends or []:
                if name not in resources:
                    missing.append(name)
        if missing:
            return (f"Template format error: Unresolved resource dependencies "
                    f"[{', '.join(dict.fromkeys(missing))}] in the {block} block of the template")
    return None


def parsed(text: str) -> dict[str, Any] | None:
    """The template as a dict, read as moto reads it; None if unreadable (moto's own parser
    then gives the format error)."""
    try:
        value = Stack.parse_template(text)
    except Exception:
        return None
    return value if isinstance(value, dict) else None


def check(text: str) -> None:
    """Refuse a template CloudFormation would refuse before starting."""
    template = parsed(text)
    error = unresolved(template) if template is not None else None
    if error:
        raise ValidationError(message=error)


def apply() -> None:
    """Every template a stack takes passes the rules first."""
    for name, position in (("create_stack", 2), ("update_stack", 2), ("create_change_set", 3),
                           ("validate_template", 1)):
        original = getattr(CloudFormationBackend, name)

        def checked(self: CloudFormationBackend, *args: Any, __original: Any = original,
                    __position: int = position, **kwargs: Any) -> Any:
            template = kwargs.get("template", args[__position - 1] if len(args) >= __position else None)
            if isinstance(template, str):
                check(template)
            return __original(self, *args, **kwargs)

        setattr(CloudFormationBackend, name, checked)

"""Template rules CloudFormation applies before it starts anything: every create, update and
change set of a stack, and every StackSet's template, is refused with the same error as on AWS.

Owns the rule checks and their installation on moto's CloudFormation backend; may import only
scripts.aws, scripts.errors and scripts.emulator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from scripts.aws.intrinsics import SUB_NAMES

# "Pseudo parameters are parameters that are predefined by AWS CloudFormation" (user guide,
# Pseudo parameters reference): a Ref to one resolves without a declaration.
PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"})


IAM_TYPES = ("AWS::IAM::AccessKey", "AWS::IAM::Group", "AWS::IAM::InstanceProfile",
             "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User",
             "AWS::IAM::UserToGroupAddition", "AWS::IAM::ManagedPolicy")
IAM_NAMES = ("RoleName", "UserName", "GroupName", "InstanceProfileName", "ManagedPolicyName")


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


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _constraint(name: str, declared: dict[str, Any], value: str) -> str | None:
    """What one value breaks of its parameter's declaration (user guide, "Parameters syntax":
    AllowedPattern "A regular expression that represents the patterns to allow for String or
    CommaDelimitedList types"; AllowedValues "An array containing the list of values allowed for
    the parameter"; MaxLength/MinLength "An integer value that determines the largest [smallest]
    number of characters you want to allow for String types"; MaxValue/MinValue "A numeric value
    that determines the largest [smallest] numeric value you want to allow for Number types";
    Number "An integer or float"). The words are the ones users report; the reference gives none.
    """
    kind = declared.get("Type", "String")
    numeric = kind in ("Number", "List<Number>")
    if numeric and _number(value) is None:
        return f"Parameter '{name}' must be a number."
    allowed = declared.get("AllowedValues")
    if allowed is not None and value not in [str(v) for v in allowed]:
        return f"Parameter '{name}' must be one of AllowedValues"
    pattern = declared.get("AllowedPattern")
    if pattern is not None and not numeric and re.fullmatch(str(pattern), value) is None:
        return f"Parameter '{name}' must match pattern {pattern}"
    if numeric:
        number = _number(value)
        if "MinValue" in declared and number < float(declared["MinValue"]):
            return f"Parameter '{name}' must be a number not less than {declared['MinValue']}"
        if "MaxValue" in declared and number > float(declared["MaxValue"]):
            return f"Parameter '{name}' must be a number not greater than {declared['MaxValue']}"
    elif kind == "String":
        if "MinLength" in declared and len(value) < int(declared["MinLength"]):
            return f"Parameter '{name}' must contain at least {declared['MinLength']} characters"
        if "MaxLength" in declared and len(value) > int(declared["MaxLength"]):
            return f"Parameter '{name}' must contain at most {declared['MaxLength']} characters"
    return None


def parameter_error(name: str, declared: dict[str, Any], value: Any) -> str | None:
    """Why `value` is refused for the parameter `name`, or None. With a
    ConstraintDescription, AWS says "failed to satisfy constraint:" and that description."""
    kind = declared.get("Type", "String")
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    items = text.split(",") if kind == "CommaDelimitedList" or kind.startswith("List<") \
        else [text]
    for item in items:
        error = _constraint(name, declared, item.strip() if len(items) > 1 else item)
        if error:
            described = declared.get("ConstraintDescription")
            return f"Parameter '{name}' failed to satisfy constraint: {described}" \
                if described and "must be a number." not in error else error
    return None


def _parameters_meet_their_constraints() -> None:
    """Every value a stack takes, given or default, before anything is created: the single
    place moto resolves them (stacks, change sets and the StackSet engine's stacks alike)."""
    from moto.cloudformation.parsing import ResourceMap

    load = ResourceMap.load_parameters

    def load_parameters(self: ResourceMap) -> None:
        declared = self._template.get("Parameters", {}) or {}
        for name, declaration in declared.items():
            value = self.input_parameters.get(name, declaration.get("Default"))
            if value is None or str(declaration.get("Type", "")).startswith("AWS::"):
                continue  # missing: moto's MissingParameterError; AWS types: not modelled
            error = parameter_error(name, declaration, value)
            if error:
                raise ValidationError(message=error)
        load(self)

    ResourceMap.load_parameters = load_parameters


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


def insufficient_capabilities(template: dict[str, Any], capabilities: list[str]) -> str | None:
    """AWS's InsufficientCapabilities message when `template` needs a capability not given, or
    None. The same sentence stands in CreateStack, UpdateStack, CreateChangeSet and
    CreateStackSet ("Capabilities"): "If you have IAM resources, you can specify either
    capability. If you have IAM resources with custom names, you must specify
    CAPABILITY_NAMED_IAM. If you don't specify either of these capabilities, CloudFormation
    returns an InsufficientCapabilities error." The wording is AWS's as users report it."""
    resources = [r for r in (template.get("Resources") or {}).values() if isinstance(r, dict)]
    iam = [r for r in resources if r.get("Type") in IAM_TYPES]
    if any(set(IAM_NAMES) & set(r.get("Properties") or {}) for r in iam) and \
            "CAPABILITY_NAMED_IAM" not in capabilities:
        return "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    if iam and not {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(capabilities):
        return "Requires capabilities : [CAPABILITY_IAM]"
    return None


def no_echo_refusal(template: dict[str, Any]) -> str | None:
    """Why a stack with this template cannot be imported into a StackSet, or None: "The NoEcho
    property is not supported by StackSet import. Stacks that contain NoEcho won't be imported"
    (user guide, "Importing a stack into CloudFormation StackSets"; the wording of the refusal
    is not documented)."""
    hidden = sorted(name for name, declared in (template.get("Parameters") or {}).items()
                    if isinstance(declared, dict) and str(declared.get("NoEcho")).lower() == "true")
    return (f"Stacks that contain NoEcho parameters cannot be imported into a StackSet: "
            f"{', '.join(hidden)}") if hidden else None


def _request_template(response: CloudFormationResponse) -> str:
    """The template a request gives: its body, its TemplateURL's object, or (UsePreviousTemplate)
    the stack's own."""
    if response._get_param("TemplateURL"):
        return response._get_stack_from_s3_url(response._get_param("TemplateURL"))
    if response._get_param("TemplateBody"):
        return response._get_param("TemplateBody")
    name = response._get_param("StackName")
    stack = next((s for s in response.cloudformation_backend.stacks.values()
                  if name in (s.name, s.stack_id)), None)
    return stack.template if stack is not None else ""


def require_capabilities(response: CloudFormationResponse, text: str | None = None) -> None:
    """Refuse a CreateStack, UpdateStack or CreateChangeSet request whose template (`text` when
    the caller has read it already) needs a capability the request does not acknowledge."""
    from scripts.emulator.engine.errors import InsufficientCapabilities

    text = _request_template(response) if text is None else text
    template = parsed(text) if text else None
    missing = insufficient_capabilities(template, response._get_param("Capabilities", []) or []) \
        if template is not None else None
    if missing:
        raise InsufficientCapabilities(missing)


def _requests_acknowledge_capabilities() -> None:
    for name in ("create_stack", "update_stack", "create_change_set"):
        original = getattr(CloudFormationResponse, name)

        def checked(self: CloudFormationResponse, __original: Any = original) -> ActionResult:
            require_capabilities(self)
            return __original(self)

        setattr(CloudFormationResponse, name, checked)


def apply() -> None:
    """Every template a stack takes passes the rules first."""
    _parameters_meet_their_constraints()
    _requests_acknowledge_capabilities()
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

"""Plain stacks as CloudFormation runs them: an update that changes nothing is refused, the
template summary carries what the console reads, and a retained resource outlives its stack.

moto accepts an UpdateStack that changes nothing unless parameters are passed and the template
text is identical, answers GetTemplateSummary without Metadata, Description, Version or
Capabilities (and with an HTTP 500 for a StackSet), and deletes a resource removed from the
template even when its DeletionPolicy keeps it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from scripts.aws.intrinsics import condition_holds

# "The following IAM resources require you to specify either the CAPABILITY_IAM or
# CAPABILITY_NAMED_IAM capability" (CreateStack, Capabilities), each with its custom-name property.
IAM_TYPES = {"AWS::IAM::AccessKey": None, "AWS::IAM::Group": "GroupName",
             "AWS::IAM::InstanceProfile": "InstanceProfileName",
             "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::Policy": None,
             "AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName",
             "AWS::IAM::UserToGroupAddition": None}
# DeletionPolicy attribute (template reference): "This capability also applies to stack update
# operations that lead to resources being deleted from stacks." "RetainExceptOnCreate behaves
# like Retain for stack operations, except for the stack operation that initially created the
# resource" (which, rolled back, deletes it; the emulator's stacks never roll back a creation
# resource by resource, so it is kept like Retain).
RETAINED = ("Retain", "RetainExceptOnCreate")
NO_UPDATES = "No updates are to be performed."


def apply() -> None:
    original_update = CloudFormationResponse.update_stack

    def update_stack(self: CloudFormationResponse) -> ActionResult:
        _refuse_no_op_update(self)
        return original_update(self)

    CloudFormationResponse.update_stack = update_stack
    CloudFormationResponse.get_template_summary = _get_template_summary
    _retained_resources_survive()
    _updates_add_resources_in_dependency_order()
    _updates_delete_what_their_conditions_turn_off()
    _updates_change_exports()


# -- UpdateStack with nothing to do ------------------------------------------------------------

def _refuse_no_op_update(self: CloudFormationResponse) -> None:
    """AWS answers an UpdateStack whose template, parameter values and tags are all unchanged
    with ValidationError "No updates are to be performed." (HTTP 400).

    The documentation says only that CloudFormation "compares the changes you submit with the
    current state of your stack" (user guide, stack updates) and gives no error text; the text
    and the comparison (template, effective parameter values, tags) are what AWS is observed to
    do. Templates are compared parsed, so JSON whitespace alone is no change.
    """
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    if self._get_bool_param("UsePreviousTemplate", False):
        body = stack.template
    elif self._get_param("TemplateURL") and not self._get_param("TemplateBody"):
        body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    else:
        body = self._get_param("TemplateBody")
    if not body:
        return  # moto's own validation answers a missing template
    new_template = Stack.parse_template(body)
    old_template = Stack.parse_template(stack.template) if isinstance(stack.template, str) \
        else stack.template
    if new_template != old_template:
        return
    old_values = _effective_values(old_template, stack.resource_map.input_parameters, {})
    given = self._get_param("Parameters", [])
    new_values = _effective_values(new_template, {
        p["ParameterKey"]: p["ParameterValue"] for p in given if "ParameterValue" in p
    }, {p["ParameterKey"]: old_values.get(p["ParameterKey"])
        for p in given if p.get("UsePreviousValue")})
    if new_values != old_values:
        return
    # "If you don't specify this parameter, CloudFormation doesn't modify the stack's tags."
    tags = self._get_param("Tags")
    if tags is not None and {t["Key"]: t["Value"] for t in tags} != dict(stack.tags or {}):
        return
    raise ValidationError(stack.stack_id, message=NO_UPDATES)


def _effective_values(template: dict[str, Any], given: dict[str, Any],
                      previous: dict[str, Any]) -> dict[str, str | None]:
    """Each declared parameter's value as text: the value given, the previous one, or the
    template's default (what CloudFormation uses for an omitted parameter)."""
    values: dict[str, str | None] = {}
    for key, declaration in (template.get("Parameters") or {}).items():
        value = previous[key] if key in previous else given.get(key, declaration.get("Default"))
        values[key] = None if value is None else _text(value)
    return values


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


# -- GetTemplateSummary -------------------------------------------------------------------------

def template_summary(template_text: str) -> dict[str, Any]:
    """GetTemplateSummary's answer for one template (JSON or YAML).

    Metadata is the template's Metadata section as JSON text: that is where the console reads
    AWS::CloudFormation::Interface parameter labels and groups.
    """
    try:
        template = Stack.parse_template(template_text)
    except ValueError as err:
        raise ValidationError(message=f"Template format error: {err}") from None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ValidationError(message="Template format error: At least one Resources member "
                                      "must be defined.")
    resources = template["Resources"]
    summary: dict[str, Any] = {
        "Parameters": [_declaration(key, value)
                       for key, value in (template.get("Parameters") or {}).items()],
        "ResourceTypes": [resource["Type"] for resource in resources.values()],
        # "If you don't specify a value, CloudFormation assumes the latest template format
        # version" (user guide, Format version); AWS reports it in the summary.
        "Version": str(template.get("AWSTemplateFormatVersion", "2010-09-09")),
    }
    if "Description" in template:
        summary["Description"] = template["Description"]
    if "Metadata" in template:
        summary["Metadata"] = json.dumps(template["Metadata"])
    transforms = template.get("Transform")
    if transforms:
        summary["DeclaredTransforms"] = transforms if isinstance(transforms, list) else [transforms]
    iam = sorted({r["Type"] for r in resources.values() if r["Type"] in IAM_TYPES})
    if iam:
        named = any(IAM_TYPES[r["Type"]] in (r.get("Properties") or {})
                    for r in resources.values() if IAM_TYPES.get(r["Type"]))
        summary["Capabilities"] = ["CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"]
        # The reason's wording is what AWS is observed to return; the reference gives none.
        summary["CapabilitiesReason"] = \
            f"The following resource(s) require capabilities: [{', '.join(iam)}]"
    return summary


def _declaration(key: str, declared: dict[str, Any]) -> dict[str, Any]:
    """A ParameterDeclaration: values come back as text, as the API's types say."""
    declaration: dict[str, Any] = {"ParameterKey": key,
                                   "ParameterType": declared.get("Type", "String"),
                                   "NoEcho": _text(declared.get("NoEcho", False)) == "true",
                                   "Description": declared.get("Description", ""),
                                   "ParameterConstraints": {}}
    if "Default" in declared:
        declaration["DefaultValue"] = _text(declared["Default"])
    if "AllowedValues" in declared:
        declaration["ParameterConstraints"]["AllowedValues"] = \
            [_text(v) for v in declared["AllowedValues"]]
    return declaration


def _get_template_summary(self: CloudFormationResponse) -> ActionResult:
    """The template of a TemplateBody, TemplateURL, stack (deleted ones by id) or StackSet.

    "Conditional: You must specify only one of the following parameters: StackName,
    StackSetName, TemplateBody, or TemplateURL."
    """
    sources = {name: self._get_param(name)
               for name in ("StackName", "StackSetName", "TemplateBody", "TemplateURL")}
    given = [name for name, value in sources.items() if value]
    if len(given) != 1:
        raise ValidationError(message="Exactly one of StackName, StackSetName, TemplateBody or "
                                      "TemplateURL must be specified.")
    if sources["StackName"]:
        stack = self.cloudformation_backend.get_stack(sources["StackName"])
        if stack.status == "REVIEW_IN_PROGRESS":
            raise ValidationError(
                message="GetTemplateSummary cannot be called on REVIEW_IN_PROGRESS stacks.")
        body = stack.template
    elif sources["StackSetName"]:
        # StackSetNotFoundException for an unknown name (the operation's documented error).
        from scripts.emulator.engine.api import stack_set_template

        body = stack_set_template(self)
    elif sources["TemplateURL"]:
        body = self._get_stack_from_s3_url(sources["TemplateURL"])
    else:
        body = sources["TemplateBody"]
    text = body if isinstance(body, str) else json.dumps(body)
    return ActionResult(template_summary(text))


# -- DeletionPolicy Retain ----------------------------------------------------------------------

def _retained_resources_survive() -> None:
    """A resource whose DeletionPolicy is Retain or RetainExceptOnCreate is left in place when
    an update removes it from the template or the stack is deleted; it only leaves the stack.

    Every deletion moto makes for a stack (update removals and stack deletion) goes through
    `ResourceMap._delete_resource`, so this is the one place that decides.
    """
    original = parsing.ResourceMap._delete_resource

    def _delete_resource(self: parsing.ResourceMap, parsed_resource: Any,
                         resource_json: dict[str, Any]) -> None:
        if resource_json.get("DeletionPolicy") in RETAINED:
            return
        original(self, parsed_resource, resource_json)

    parsing.ResourceMap._delete_resource = _delete_resource


# -- resources an update adds ---------------------------------------------------------------------

def _updates_add_resources_in_dependency_order() -> None:
    """DependsOn: "you can specify that the creation of a specific resource follows another"
    (template reference) — on an update as on a creation. moto creates the resources an update
    adds in template order, so an API Gateway deployment could come before the methods it
    depends on; here they follow their DependsOn, as in moto's own creation order."""
    original = parsing.ResourceMap.build_resource_diff

    def build_resource_diff(self: Any, other_template: dict[str, Any],
                            parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        actions = original(self, other_template, parameters)
        actions["Add"] = _in_dependency_order(actions["Add"], other_template.get("Resources", {}))
        return actions

    parsing.ResourceMap.build_resource_diff = build_resource_diff


def _turned_off(resource_map: parsing.ResourceMap, template: dict[str, Any],
                parameters: dict[str, Any] | None) -> list[str]:
    """The resources the stack has whose Condition is false with the update's values."""
    declared = template.get("Parameters") or {}
    values = {**{k: str(v["Default"]) for k, v in declared.items()
                 if isinstance(v, dict) and "Default" in v},
              **{k: str(v) for k, v in resource_map.input_parameters.items()},
              **{k: str(v) for k, v in (parameters or {}).items()}}
    existing = resource_map._parsed_resources
    return [name for name, spec in (template.get("Resources") or {}).items()
            if isinstance(spec, dict) and spec.get("Condition")
            and existing.get(name) is not None and not isinstance(existing[name], str)
            and not condition_holds(template, spec["Condition"], values)]


def _updates_delete_what_their_conditions_turn_off() -> None:
    """Conditions (user guide): "CloudFormation also re-evaluates these conditions during each
    stack update before modifying any resources. Entities that remain associated with a true
    condition are updated, while those that become associated with a false condition are
    deleted." moto compares only the resources' declarations, so a resource whose condition
    turned false stayed, and was even updated. Here it is removed as if the template had
    dropped it (a DeletionPolicy that retains it is honoured, as for a removal), then leaves
    the stack's resources."""
    diff = parsing.ResourceMap.build_resource_diff
    update = parsing.ResourceMap.update

    def build_resource_diff(self: parsing.ResourceMap, other_template: dict[str, Any],
                            parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        actions = diff(self, other_template, parameters)
        off = _turned_off(self, other_template, parameters)
        actions["Modify"] = [name for name in actions["Modify"] if name not in off]
        actions["Remove"] = [*actions["Remove"], *off]
        return actions

    def updated(self: parsing.ResourceMap, template: dict[str, Any],
                parameters: dict[str, Any] | None = None) -> None:
        off = _turned_off(self, template, parameters)
        update(self, template, parameters)
        for name in off:
            self._parsed_resources.pop(name, None)

    parsing.ResourceMap.build_resource_diff = build_resource_diff
    parsing.ResourceMap.update = updated


def _in_dependency_order(names: list[str], resources: dict[str, Any]) -> list[str]:
    ordered: list[str] = []
    wanted = set(names)

    def visit(name: str, seen: tuple[str, ...] = ()) -> None:
        if name in ordered or name in seen or name not in wanted:
            return
        depends = resources.get(name, {}).get("DependsOn") or []
        for dependency in [depends] if isinstance(depends, str) else depends:
            visit(dependency, (*seen, name))
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def _updates_change_exports() -> None:
    """Outputs' Export: an update that adds an exported output exports it, and one that removes
    it stops exporting it (user guide, "Get exported outputs from a deployed CloudFormation
    stack"). moto refreshes a stack's exports only when it creates the stack."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.update_stack

    def update_stack(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        stack = original(self, name, *args, **kwargs)
        for export_name in [n for n, e in self.exports.items()
                            if e.exporting_stack_id == stack.stack_id]:
            self.exports.pop(export_name)
        for export in stack.exports:
            self.exports[export.name] = export
        return stack

    CloudFormationBackend.update_stack = update_stack

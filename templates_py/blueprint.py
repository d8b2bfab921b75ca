"""What every platform template shares: its inputs, resource naming, tags and described outputs.

Each part of the platform (network, data, ...) is a function that takes a `Blueprint` and adds
its resources; naming and tagging therefore live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from troposphere import And as AndCondition
from troposphere import (
    AWSObject,
    Condition,
    Equals,
    Export,
    Not,
    Output,
    Ref,
    Sub,
    Tags,
    Template,
    cloudformation,
)

from templates_py.parameters import (
    COST_CENTER,
    DATA_CLASSIFICATION,
    ENVIRONMENT,
    UNASSIGNED,
    Inputs,
    Setting,
)

PROJECT = "payment-platform"
MANAGED_BY = "cloudformation-stacksets"
TAG_KEYS = ("Environment", "CostCenter", "DataClassification", "ManagedBy", "Project")
# Template metadata key under which outputs are mapped to the resources they describe; the
# compliance manifest reads it to give every id, name and ARN its CloudFormation type.
MANIFEST_METADATA = "PaymentPlatform::Manifest"
# Stateful resources (data, audit logs, keys) outlive stack deletion and replacement.
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
# Every resource and output exists only when the instance names its environment.
ASSIGNED = "EnvironmentAssigned"
UNASSIGNED_CONDITION = "EnvironmentUnassigned"


def physical_name(base: str, environment: str) -> str:
    """The one naming rule for per-environment resources: the template's (with `${Environment}`)
    and the deployer's, which looks them up by name."""
    return f"{base}-{environment}"


class Blueprint:
    """A template under construction, with the platform's conventions at hand."""

    def __init__(self, description: str, settings: Iterable[Setting]) -> None:
        self.template = Template(Description=description)
        self.template.set_version()
        self.inputs = Inputs(self.template, settings)
        self.manifest: dict[str, dict[str, str]] = {}
        self.template.metadata[MANIFEST_METADATA] = self.manifest

    def __getitem__(self, setting: Setting) -> Ref:
        return self.inputs[setting]

    def add(self, resource: AWSObject) -> Any:
        return self.template.add_resource(resource)

    def condition(self, name: str, body: Any) -> str:
        self.template.add_condition(name, body)
        return name

    @staticmethod
    def name(base: str) -> Sub:
        """Physical name of a per-environment resource, e.g. `payment-transactions-prod`."""
        return Sub(physical_name(base, f"${{{ENVIRONMENT.name}}}"))

    def tag_values(self, name: str | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "Environment": self[ENVIRONMENT],
            "CostCenter": self[COST_CENTER],
            "DataClassification": self[DATA_CLASSIFICATION],
            "ManagedBy": MANAGED_BY,
            "Project": PROJECT,
        }
        if name is not None:
            values["Name"] = self.name(name)
        return values

    def tags(self, name: str | None = None) -> Tags:
        """The five platform tags (plus a Name tag where the console shows one)."""
        return Tags(**self.tag_values(name))

    def output(self, key: str, value: Any, description: str, resource: AWSObject, kind: str,
               export: bool = False, condition: str | None = None) -> None:
        """A described output; `kind` (id, name, arn, url) tells the manifest what it holds."""
        props: dict[str, Any] = {"Description": description, "Value": value}
        if export:
            props["Export"] = Export(export_name(key))
        if condition:
            props["Condition"] = condition
        self.template.add_output(Output(key, **props))
        self.manifest[key] = {"LogicalId": resource.title, "Type": resource.resource_type,
                              "Kind": kind}


    def create_nothing_when_unassigned(self) -> None:
        """Put every resource and output under the `EnvironmentAssigned` condition (combined with
        its own condition, if any) and add a free placeholder for the other case. Call last.

        An instance that runs on the StackSet's own values (added without overrides) then
        creates nothing, rather than a stack tagged and sized from placeholders."""
        template = self.template
        template.add_condition(ASSIGNED, Not(Equals(self[ENVIRONMENT], UNASSIGNED)))
        template.add_condition(UNASSIGNED_CONDITION, Equals(self[ENVIRONMENT], UNASSIGNED))

        def guarded(own: str | None) -> str:
            if own is None:
                return ASSIGNED
            name = f"{ASSIGNED}{own}"
            if name not in template.conditions:
                template.add_condition(name, AndCondition(Condition(ASSIGNED), Condition(own)))
            return name

        for item in [*template.resources.values(), *template.outputs.values()]:
            item.Condition = guarded(getattr(item, "Condition", None))
        template.add_resource(cloudformation.WaitConditionHandle(
            "UnassignedPlaceholder", Condition=UNASSIGNED_CONDITION,
            Metadata={"Why": f"Environment is {UNASSIGNED} (no parameter overrides): this stack "
                             "instance deploys nothing. Add instances with `payctl deploy ENV`."}))


def checkov_skips(**reasons: str) -> dict[str, Any]:
    """Resource Metadata telling checkov that a check does not apply here, and why: the reason
    is what an auditor reads, in the template and in the README's list of skipped checks."""
    return {"checkov": {"skip": [{"id": check, "comment": reason}
                                 for check, reason in reasons.items()]}}


def export_name(key: str) -> Sub:
    """Export names are per environment so a second StackSet in the account can import them."""
    return Sub(f"{PROJECT}-${{{ENVIRONMENT.name}}}-{key}")

"""An instance that runs on the StackSet's own parameter values (added from the console without
overrides) creates nothing but a free placeholder, and the console says why (issue 14, defect 4).
Before, it was a deployable "dev"-tagged stack with DataClassification public, 1-day logs, 128 MB
functions and code key unset.zip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.actions.desired import placeholder_parameters
from scripts.checks.policy import effective
from templates_py.parameters import UNASSIGNED

TEMPLATES = Path(__file__).resolve().parents[2] / "build" / "templates"
STACK_SETS = ("payment-platform", "payment-platform-edge")


def _condition(template: dict[str, Any], node: Any) -> Any:
    """Evaluate a resolved condition body (Equals, Not, And, Or, Condition)."""
    if not isinstance(node, dict):
        return node
    (name, args), = node.items()
    if name == "Condition":
        return _condition(template, template["Conditions"][args])
    values = [_condition(template, a) for a in args]
    return {"Fn::Equals": lambda: str(values[0]) == str(values[1]),
            "Fn::Not": lambda: not values[0], "Fn::And": lambda: all(values),
            "Fn::Or": lambda: any(values)}[name]()


def created(template: dict[str, Any], values: dict[str, str]) -> list[str]:
    """Logical ids of the resources a stack with these parameter values would have."""
    resolved = effective(template, values)
    return sorted(logical_id for logical_id, resource in resolved["Resources"].items()
                  if "Condition" not in resource
                  or _condition(resolved, {"Condition": resource["Condition"]}))


@pytest.mark.parametrize("name", STACK_SETS)
def test_an_instance_on_the_stack_set_values_creates_only_a_placeholder(name: str) -> None:
    template = json.loads((TEMPLATES / f"{name}.json").read_text())
    values = placeholder_parameters(template)
    assert values["Environment"] == UNASSIGNED
    assert created(template, values) == ["UnassignedPlaceholder"]


@pytest.mark.parametrize("name", STACK_SETS)
def test_an_instance_with_its_environment_creates_everything_but_the_placeholder(name: str) -> None:
    template = json.loads((TEMPLATES / f"{name}.json").read_text())
    overrides = json.loads((TEMPLATES.parent / "parameters" / "prod" / f"{name}.json").read_text())
    values = {**placeholder_parameters(template),
              **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}
    if "EdgeDelegated" in values:  # shipped false (the domain is not delegated): the zone only
        assert created(template, values) == ["HostedZone"]
        values["EdgeDelegated"] = "true"
    resources = created(template, values)
    assert "UnassignedPlaceholder" not in resources
    assert len(resources) == len(template["Resources"]) - 1 - ("EdgeDisabledPlaceholder" in template["Resources"])


@pytest.mark.parametrize("name", STACK_SETS)
def test_the_console_says_why(name: str) -> None:
    template = json.loads((TEMPLATES / f"{name}.json").read_text())
    parameter = template["Parameters"]["Environment"]
    assert placeholder_parameters(template)["Environment"] == UNASSIGNED
    assert "an instance added without overrides deploys nothing" in parameter["Description"]
    assert "unassigned deploys nothing" in parameter["ConstraintDescription"]


@pytest.mark.parametrize("name", STACK_SETS)
def test_no_default_switches_the_resources_off_for_scanners(name: str) -> None:
    """checkov resolves conditions with parameter defaults: a Default of `unassigned` would make
    it skip every resource of the template (24 checks ran instead of 109)."""
    parameter = json.loads((TEMPLATES / f"{name}.json").read_text())["Parameters"]["Environment"]
    assert "Default" not in parameter
    assert parameter["AllowedValues"][0] == UNASSIGNED

"""What a CloudFormation template fragment refers to, read one way for every reader: the
architecture drawing, the emulator's resource timings and the resource-import checks; and
whether a resource's Condition holds, for the timings and the adoption look-up alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# `${Name}` and `${Name.Attribute}` in Fn::Sub; `${!Literal}` is text, not a reference.
SUB_NAMES = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def functions(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of every mapping inside `value`, outermost first."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from functions(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from functions(inner)


def references(value: Any) -> set[str]:
    """Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub (pseudo parameters,
    parameters and a Sub's own variable names included; the caller keeps what it looks for).
    What a Sub's variables refer to is found where their values are walked."""
    found: set[str] = set()
    for key, inner in functions(value):
        if key == "Ref" and isinstance(inner, str):
            found.add(inner)
        elif key == "Fn::GetAtt":
            found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
        elif key == "Fn::Sub":
            found |= set(SUB_NAMES.findall(str(inner[0] if isinstance(inner, list) else inner)))
    return found


def condition_holds(template: dict[str, Any], condition: str, parameters: dict[str, str]) -> bool:
    """A template condition's value with these parameters (Fn::Equals, Not, And, Or and
    Condition over Refs to parameters: what the platform's conditions use). Anything else
    counts as true: a reader then expects the resource (adoption looks for it rather than
    creating one beside it; a stack's time counts it) rather than silently missing it."""
    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return parameters.get(node["Ref"])
        return node if isinstance(node, str) else None

    def truth(node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            return True
        (key, args), = node.items()
        if key == "Condition":
            return truth(template.get("Conditions", {}).get(args))
        if key == "Fn::Equals":
            left, right = (value(a) for a in args)
            return left is None or right is None or str(left) == str(right)
        if key == "Fn::Not":
            return not truth(args[0])
        if key == "Fn::And":
            return all(truth(a) for a in args)
        if key == "Fn::Or":
            return any(truth(a) for a in args)
        return True

    return truth({"Condition": condition})

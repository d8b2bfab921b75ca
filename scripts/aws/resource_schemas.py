"""Facts about CloudFormation resource types, read from the schemas and lists cfn-lint ships.

Which types are taggable (and through which property), which are stateful, and which properties
force a replacement when they change: all come from AWS's published resource schemas, so no
list is kept by hand. cfn-lint's data files are read directly; cfn-lint itself is not imported.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any


@cache
def _data_dir() -> Path:
    spec = find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed; its resource schemas are needed here")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _index(region: str = "us-east-1") -> dict[str, str]:
    return json.loads((_data_dir() / "schemas" / "providers" / f"{region}.json").read_text())


@cache
def schema(type_name: str) -> dict[str, Any]:
    return json.loads((_data_dir() / "schemas" / "resources" / f"{_index()[type_name]}.json")
                      .read_text())


@cache
def stateful_types() -> frozenset[str]:
    specs = json.loads((_data_dir() / "AdditionalSpecs" / "StatefulResources.json").read_text())
    return frozenset(specs["ResourceTypes"])


@cache
def iam_actions() -> dict[str, Any]:
    """cfn-lint's catalogue of IAM actions per service prefix (lower-case names)."""
    return json.loads((_data_dir() / "AdditionalSpecs" / "Policies.json").read_text())


def identifier_properties(type_name: str) -> tuple[str, ...]:
    """The properties of the type's primary identifier: what resource import's
    ResourceIdentifier gives ("The key is an identifier property (for example, BucketName for
    AWS::S3::Bucket resources)", ResourceToImport)."""
    return tuple(p.rsplit("/", 1)[-1] for p in schema(type_name).get("primaryIdentifier", []))


def required_properties(type_name: str) -> tuple[str, ...]:
    return tuple(schema(type_name).get("required", []))


def tag_property(type_name: str) -> str | None:
    tagging = schema(type_name).get("tagging", {})
    if not tagging.get("taggable", False):
        return None
    return tagging.get("tagProperty", "/properties/Tags").rsplit("/", 1)[-1]


def _top_level(paths: list[str]) -> frozenset[str]:
    return frozenset(p.split("/")[2] for p in paths if p.startswith("/properties/"))


def replacement_policy(type_name: str, prop: str) -> str:
    """How changing `prop` affects the resource, in change-set terms: "True" (always
    replaced), "Conditional" (the schema's conditionalCreateOnlyProperties), or "False"."""
    definition = schema(type_name)
    if prop in _top_level(definition.get("createOnlyProperties", [])):
        return "True"
    if prop in _top_level(definition.get("conditionalCreateOnlyProperties", [])):
        return "Conditional"
    return "False"


def handler_permissions(type_name: str) -> set[str]:
    return {permission for name, handler in schema(type_name).get("handlers", {}).items()
            if name != "list" for permission in handler.get("permissions", [])}


def write_only_paths(type_name: str) -> tuple[tuple[str, ...], ...]:
    """The schema's writeOnlyProperties as paths below the resource's properties ("*" stands
    for any item of an array): values a template can set but the read handler never returns."""
    return tuple(tuple(p.split("/")[2:]) for p in schema(type_name).get("writeOnlyProperties", [])
                 if p.startswith("/properties/"))


def unordered_arrays(type_name: str) -> frozenset[str]:
    """Top-level array properties whose order means nothing (the schema's insertionOrder false),
    such as a security group's rules: compared as sets, not item by item."""
    return frozenset(name for name, definition in schema(type_name)["properties"].items()
                     if definition.get("insertionOrder") is False)

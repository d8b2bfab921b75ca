"""What a template change does to each resource: added, removed, modified, and replaced or not.

Whether a modification replaces a resource comes from the resource schema's create-only
properties (a changed `KeySchema` replaces a DynamoDB table), so the answer follows AWS's own
definition. Replacing a stateful resource (tables, buckets, log groups, keys) is what loses
data, so it is flagged separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.aws.resource_schemas import replacement_policy, stateful_types

ADD, REMOVE, MODIFY = "add", "remove", "modify"
SECTIONS = ("Parameters", "Conditions", "Outputs", "Metadata", "Mappings", "Description")


@dataclass(frozen=True)
class PropertyChange:
    name: str
    old: Any
    new: Any
    replacement: str = "False"  # "True", "Conditional" or "False", as in a change set


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    action: str
    properties: tuple[PropertyChange, ...] = ()
    replacement: str = "False"

    @property
    def stateful(self) -> bool:
        return self.type in stateful_types()

    @property
    def loses_data(self) -> bool:
        """Replacing or removing a stateful resource (Retain keeps the old one, orphaned)."""
        return self.stateful and (self.replacement != "False" or self.action == REMOVE)


def _modified(logical_id: str, old: dict[str, Any], new: dict[str, Any]) -> ResourceChange | None:
    if old == new:
        return None
    if old["Type"] != new["Type"]:
        return ResourceChange(logical_id, new["Type"], MODIFY, replacement="True")
    before, after = old.get("Properties", {}), new.get("Properties", {})
    changes = tuple(PropertyChange(name, before.get(name), after.get(name),
                                   replacement_policy(new["Type"], name))
                    for name in sorted(set(before) | set(after))
                    if before.get(name) != after.get(name))
    attributes = tuple(PropertyChange(name, old.get(name), new.get(name))
                       for name in sorted((set(old) | set(new)) - {"Type", "Properties"})
                       if old.get(name) != new.get(name))
    policies = {c.replacement for c in changes}
    replacement = "True" if "True" in policies else "Conditional" if "Conditional" in policies \
        else "False"
    return ResourceChange(logical_id, new["Type"], MODIFY, changes + attributes, replacement)


def diff_resources(old: dict[str, Any], new: dict[str, Any]) -> list[ResourceChange]:
    before, after = old.get("Resources", {}), new.get("Resources", {})
    changes = [ResourceChange(lid, after[lid]["Type"], ADD) for lid in sorted(set(after) - set(before))]
    changes += [ResourceChange(lid, before[lid]["Type"], REMOVE)
                for lid in sorted(set(before) - set(after))]
    for lid in sorted(set(before) & set(after)):
        change = _modified(lid, before[lid], after[lid])
        if change:
            changes.append(change)
    return changes


def changed_sections(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [s for s in SECTIONS if old.get(s) != new.get(s)]

"""Turn plans into what people and pipelines read: a JSON document and its text rendering.

The JSON shape is the contract (`schemas/plan.schema.json`); the text is drawn from it, so both
always say the same thing.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.plan.decide import DesiredStackSet, StackSetPlan, Target
from scripts.plan.template_diff import ResourceChange

MAX_VALUE = 160


def _target(target: Target) -> dict[str, str]:
    return {"environment": target.environment, "account": target.account,
            "region": target.region}


def _resources(changes: tuple[ResourceChange, ...]) -> list[dict[str, Any]]:
    return [{"logical_id": r.logical_id, "type": r.type, "action": r.action,
             "replacement": r.replacement, "stateful": r.stateful, "data_loss": r.loses_data,
             "properties": [{"name": p.name, "old": p.old, "new": p.new,
                             "replacement": p.replacement} for p in r.properties]}
            for r in changes]


def _stack_set(desired: DesiredStackSet, plan: StackSetPlan) -> dict[str, Any]:
    action = "create" if plan.create_stack_set else "none" if plan.empty else "update"
    resources = [] if plan.create_stack_set else _resources(plan.resources)
    overrides = [{**_target(c.target), "key": c.subject, "old": c.old, "new": c.new}
                 for c in plan.changes if c.kind == "override"]
    return {
        "name": desired.name,
        "action": action,
        "resource_count": len(desired.template.get("Resources", {})),
        "add_instances": [_target(t) for g in plan.create_instances for t in g.targets],
        "update_instances": [_target(t) for g in plan.update_instances for t in g.targets],
        "stack_set_update": [_target(t) for t in plan.update_stack_set],
        "retry_instances": [{**_target(c.target), "status": c.old}
                            for c in plan.changes if c.kind == "status"],
        "template_changed": any(c.kind == "template" for c in plan.changes),
        "sections_changed": list(plan.sections),
        "resources": resources,
        "stack_set_parameters": [{"key": c.subject, "old": c.old, "new": c.new}
                                 for c in plan.changes if c.kind == "parameter"],
        "stack_set_roles": [{"key": c.subject, "old": c.old, "new": c.new}
                            for c in plan.changes if c.kind == "role"],
        "tags_changed": any(c.kind == "tags" for c in plan.changes),
        "parameter_overrides": overrides,
        # instances whose own stack runs another template than the StackSet's old one (an
        # OUTDATED instance left behind by an earlier deploy of other environments)
        "instance_templates": [{**_target(i.target), "resources": _resources(i.resources)}
                               for i in plan.instance_resources
                               if i.resources != plan.resources or not resources],
        "recover_instances": [{**_target(r.target), "stack_id": r.stack_id, "reason": r.reason}
                              for r in plan.recover_instances],
        "retry_imports": [{**_target(r.target), "stack_id": r.stack_id, "reason": r.reason}
                          for r in plan.retry_imports],
    }


def report(plans: list[tuple[DesiredStackSet, StackSetPlan]]) -> dict[str, Any]:
    stack_sets = [_stack_set(d, p) for d, p in plans]
    return {"changes": any(s["action"] != "none" for s in stack_sets),
            "data_loss": list(dict.fromkeys(
                [f"{s['name']}/{r['logical_id']}" for s in stack_sets
                 for r in s["resources"] if r["data_loss"]]
                + [f"{s['name']}/{r['logical_id']} ({i['environment']})" for s in stack_sets
                   for i in s["instance_templates"] for r in i["resources"] if r["data_loss"]])),
            "stack_sets": stack_sets}


def _value(value: Any) -> str:
    text = "(none)" if value is None else value if isinstance(value, str) else \
        json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _where(item: dict[str, Any]) -> str:
    return f"{item['environment']} ({item['account']} {item['region']})"


def _resource_lines(resource: dict[str, Any]) -> list[str]:
    mark = {"add": "+", "remove": "-", "modify": "~"}[resource["action"]]
    note = ""
    if resource["replacement"] != "False":
        kind = "REPLACEMENT" if resource["replacement"] == "True" else "MAY BE REPLACED"
        note = f"  {kind}"
    if resource["data_loss"]:
        note += ("  !! STATEFUL: the retained old resource keeps the data; the stack would "
                 "use a new, empty one")
    lines = [f"    {mark} {resource['logical_id']}  {resource['type']}{note}"]
    for prop in resource["properties"]:
        forces = "  (forces replacement)" if prop["replacement"] == "True" else \
            "  (may force replacement)" if prop["replacement"] == "Conditional" else ""
        lines.append(f"        {prop['name']}: {_value(prop['old'])} -> {_value(prop['new'])}{forces}")
    return lines


def render_text(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    for s in doc["stack_sets"]:
        if s["action"] == "none":
            lines.append(f"{s['name']}: no changes")
            continue
        if s["action"] == "create":
            envs = ", ".join(_where(t) for t in s["add_instances"])
            lines.append(f"{s['name']}: create StackSet ({s['resource_count']} resources) with "
                         f"instances for {envs}")
            continue
        lines.append(f"{s['name']}: update")
        if s["template_changed"]:
            counts = {word: sum(r["action"] == action for r in s["resources"])
                      for action, word in (("add", "added"), ("modify", "modified"),
                                           ("remove", "removed"))}
            summary = ", ".join(f"{n} {word}" for word, n in counts.items() if n)
            other = f"; {', '.join(s['sections_changed'])} changed" if s["sections_changed"] else ""
            lines.append(f"  template: {summary or 'no resource changes'}{other}"
                         f" — redeploys {', '.join(t['environment'] for t in s['stack_set_update'])}")
            for resource in s["resources"]:
                lines += _resource_lines(resource)
        for p in s["stack_set_parameters"]:
            lines.append(f"  StackSet parameter {p['key']}: {_value(p['old'])} -> {_value(p['new'])}")
        for r in s["stack_set_roles"]:
            lines.append(f"  StackSet {r['key']}: {_value(r['old'])} -> {_value(r['new'])} "
                         "(operations from now on act through it)")
        if s["tags_changed"]:
            lines.append("  StackSet tags change")
        for t in s["add_instances"]:
            lines.append(f"  + instance {_where(t)}")
        for t in s["retry_instances"]:
            lines.append(f"  ~ instance {_where(t)} is {t['status']}: redeploy it")
        for t in s["instance_templates"]:
            lines.append(f"  ~ instance {_where(t)} runs another template; deploying it does:")
            lines += ["  " + line for r in t["resources"] for line in _resource_lines(r)]
        for t in s["retry_imports"]:
            lines.append(f"  ! instance {_where(t)} is INOPERABLE: its import failed"
                         f"{': ' + t['reason'] if t['reason'] else ''}. deploy imports its stack "
                         "again (nothing is deleted)")
        for t in s["recover_instances"]:
            lines.append(f"  ! instance {_where(t)} is INOPERABLE (a deletion failed"
                         f"{': ' + t['reason'] if t['reason'] else ''}); AWS will not update it. "
                         "deploy deletes its stack (Retain resources, the data, stay), removes the "
                         "instance with RetainStacks and creates it again, adopting the retained resources "
                         "listed below, if any")
        current = None
        for o in s["parameter_overrides"]:
            if o["environment"] != current:
                current = o["environment"]
                lines.append(f"  {_where(o)}")
            lines.append(f"    {o['key']}: {_value(o['old'])} -> {_value(o['new'])}")
    if doc["data_loss"]:
        lines.append(f"!! {len(doc['data_loss'])} stateful resource(s) would lose their data: "
                     f"{', '.join(doc['data_loss'])}. deploy refuses this without --allow-data-loss.")
    lines.append("Plan: changes pending." if doc["changes"] else "Plan: no changes.")
    return "\n".join(lines)

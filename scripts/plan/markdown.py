"""The plan as a pull-request comment (`payctl plan --output markdown`), drawn from the same JSON
document as the text, so the three outputs always agree.

GitHub refuses a comment over 65,536 characters. The comment is drawn at the most detail that
fits under `LIMIT` (which leaves room for a workflow's own heading): every account named, those
with the same changes counted on one line and listed under it; else only the count of accounts
with the same changes; else counts per environment and the changed keys. It says when detail
was folded, and is cut with a marker only if even the counts do not fit (thousands of
resources changed at once).
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from typing import Any

GITHUB_LIMIT = 65_536
LIMIT = GITHUB_LIMIT - 1_536  # a workflow adds its marker, a heading and a link
MARKER = "<!-- payctl-plan -->"  # how a workflow finds its own comment to update it
MAX_VALUE = 160
LEVELS = ("accounts", "grouped", "counts")
FEW = 3  # up to this many accounts are named one by one; more share one line with a count
CUT = "\n\n… cut here: the plan is longer than a comment; run `payctl plan --all` for all of it.\n"


def _code(value: Any) -> str:
    """A value as inline code that neither Markdown nor HTML can break out of (table pipes too)."""
    text = "(none)" if value is None else value if isinstance(value, str) else \
        json.dumps(value, sort_keys=True, separators=(",", ":"))
    text = text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"
    return "<code>" + escape(text).replace("|", "&#124;").replace("\n", " ") + "</code>"


def _where(t: dict[str, Any]) -> str:
    return f"{t['environment']} ({t['account']} {t['region']})"


def _accounts(doc: dict[str, Any]) -> set[tuple[str, str]]:
    keys = ("add_instances", "update_instances", "stack_set_update", "retry_instances",
            "recover_instances", "retry_imports", "parameter_overrides", "instance_templates")
    return {(t["account"], t["region"]) for s in doc["stack_sets"] for k in keys
            for t in s.get(k, [])}


def _resource_table(resources: list[dict[str, Any]], detail: str) -> list[str]:
    if not resources:
        return []
    rows = ["| | logical id | type | replacement | changed properties |", "|---|---|---|---|---|"]
    for r in resources:
        mark = {"add": "➕", "remove": "➖", "modify": "✏️"}[r["action"]]
        replace = {"True": "**yes**", "Conditional": "maybe", "False": "no"}[r["replacement"]]
        if r["data_loss"]:
            replace += " ⚠️ **stateful: its data stays behind**"
        props = ("<br>".join(f"{escape(p['name'])}: {_code(p['old'])} → {_code(p['new'])}"
                             for p in r["properties"]) if detail != "counts"
                 else escape(", ".join(p["name"] for p in r["properties"])))
        rows.append(f"| {mark} | `{r['logical_id']}` | {r['type']} | {replace} | {props} |")
    return rows


def _overrides(overrides: list[dict[str, Any]], detail: str) -> list[str]:
    if not overrides:
        return []
    lines = ["", "**Parameter overrides per account**", ""]
    per_account: dict[tuple[str, str], list[tuple[str, Any, Any]]] = defaultdict(list)
    envs: dict[tuple[str, str], str] = {}
    for o in overrides:
        per_account[(o["account"], o["region"])].append((o["key"], o["old"], o["new"]))
        envs[(o["account"], o["region"])] = o["environment"]
    if detail in ("accounts", "grouped"):  # accounts with the very same changes: one line
        same: dict[tuple[str, tuple[tuple[str, str, str], ...]], list[tuple[str, str]]] = \
            defaultdict(list)
        for where, changes in per_account.items():
            same[(envs[where], tuple((k, _code(a), _code(b)) for k, a, b in changes))].append(where)
        for (env, changes), wheres in same.items():
            text = "; ".join(f"`{k}` {a} → {b}" for k, a, b in changes)
            if detail == "grouped":
                n = len(wheres)
                lines.append(f"- {n} account{'s' * (n != 1)} in {env}: {text}")
            elif len(wheres) <= FEW:
                lines += [f"- {escape(env)} ({account} {region}): {text}" for account, region in wheres]
            else:
                lines += [f"- {len(wheres)} accounts in {escape(env)}: {text}",
                          "  - " + ", ".join(f"{account} {region}" for account, region in wheres)]
        return lines
    counts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    keys: dict[str, set[str]] = defaultdict(set)
    for o in overrides:
        counts[o["environment"]].add((o["account"], o["region"]))
        keys[o["environment"]].add(o["key"])
    return lines + [f"- {env}: {len(accounts)} accounts change "
                    + ", ".join(f"`{k}`" for k in sorted(keys[env]))
                    for env, accounts in counts.items()]


def _targets(title: str, targets: list[dict[str, Any]], detail: str) -> list[str]:
    if not targets:
        return []
    if len(targets) <= FEW:
        return [f"- {title}: " + ", ".join(escape(_where(t)) for t in targets)]
    per_env: dict[str, list[str]] = defaultdict(list)
    for t in targets:
        per_env[t["environment"]].append(f"{t['account']} {t['region']}")
    if detail != "accounts":
        return [f"- {title}: " + ", ".join(f"{len(w)} in {env}" for env, w in per_env.items())]
    return [f"- {title}: " + ", ".join(f"{len(w)} in {escape(env)}" for env, w in per_env.items()),
            *(f"  - {escape(env)}: " + ", ".join(w) for env, w in per_env.items())]


def _stack_set(s: dict[str, Any], detail: str) -> list[str]:
    if s["action"] == "none":
        return [f"- **{s['name']}**: no changes"]
    counts = {word: sum(r["action"] == action for r in s["resources"])
              for action, word in (("add", "added"), ("modify", "modified"),
                                   ("remove", "removed"))}
    summary = ", ".join(f"{n} {word}" for word, n in counts.items() if n)
    head = (f"create StackSet ({s['resource_count']} resources)" if s["action"] == "create"
            else f"update{': ' + summary if summary else ''}")
    body = [f"<details><summary><b>{escape(s['name'])}</b>: {head}</summary>", ""]
    if s["template_changed"] and s["action"] == "update":
        sections = f"; {', '.join(s['sections_changed'])} changed" if s["sections_changed"] else ""
        body += [f"**Template** changes{sections}", ""]
        body += _resource_table(s["resources"], detail)
        body.append("")
    body += _targets("template redeploys", s["stack_set_update"], detail)
    body += _targets("new instances", s["add_instances"], detail)
    body += _targets("instances updated", s["update_instances"], detail)
    body += [f"- instance {escape(_where(t))} is {t['status']}: redeployed"
             for t in s["retry_instances"]]
    body += [f"- ⚠️ instance {escape(_where(t))} is INOPERABLE: its stack is deleted (retained "
             "resources stay) and created again" for t in s["recover_instances"]]
    body += [f"- ⚠️ instance {escape(_where(t))} is INOPERABLE: its import failed; its stack is "
             "imported again" for t in s["retry_imports"]]
    body += [f"- instance {escape(_where(t))} runs another template: deploying it changes "
             f"{len(t['resources'])} resources" for t in s["instance_templates"]]
    body += [f"- StackSet parameter `{p['key']}`: {_code(p['old'])} → {_code(p['new'])}"
             for p in s["stack_set_parameters"]]
    body += [f"- StackSet {r['key']}: {_code(r['old'])} → {_code(r['new'])}"
             for r in s["stack_set_roles"]]
    if s["tags_changed"]:
        body.append("- StackSet tags change")
    body += _overrides(s["parameter_overrides"], detail)
    return [*body, "", "</details>"]


def _draw(doc: dict[str, Any], extra: str, detail: str) -> str:
    lines = [MARKER]
    stateful = [f"{s['name']}/{r['logical_id']}" for s in doc["stack_sets"]
                for r in s["resources"] if r["stateful"] and r["replacement"] != "False"]
    if doc["data_loss"]:
        lines += ["> [!CAUTION]", f"> **{len(doc['data_loss'])} stateful resource(s) would lose "
                  f"their data**: {escape(', '.join(doc['data_loss']))}. deploy refuses this "
                  "without `--allow-data-loss`.", ""]
    elif stateful:
        lines += ["> [!WARNING]", f"> Stateful resources may be replaced: "
                  f"{escape(', '.join(stateful))}.", ""]
    changing = [s for s in doc["stack_sets"] if s["action"] != "none"]
    if not doc["changes"]:
        lines.append("**payctl plan: no changes.** Every StackSet and instance already matches.")
    else:
        accounts = len(_accounts(doc))
        lines.append(f"**payctl plan: {len(changing)} StackSet{'s' * (len(changing) != 1)} "
                     f"and {accounts} account{'s' * (accounts != 1)} to change.**")
    if detail != "accounts":
        how = ("accounts with the same changes counted, not named" if detail == "grouped"
               else "counts per environment")
        lines.append(f"\n_Per-account detail folded ({how}) to fit a comment; "
                     "`payctl plan --all` prints every line._")
    lines.append("")
    for s in doc["stack_sets"]:
        lines += _stack_set(s, detail)
        lines.append("")
    if extra:
        lines += ["<details><summary>Adoption and change sets</summary>", "",
                  f"<pre>{escape(extra)}</pre>", "", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(doc: dict[str, Any], extra: str = "", limit: int = LIMIT) -> str:
    """The comment at the most detail that fits in `limit` characters; `extra` is the text of
    the plan's adoption and --exact sections, shown as it is."""
    for detail in LEVELS:
        drawn = _draw(doc, extra, detail)
        if len(drawn) <= limit:
            return drawn
    return drawn[:limit - len(CUT)] + CUT

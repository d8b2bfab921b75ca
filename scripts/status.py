"""Where every StackSet stands in every account: one read of each StackSet, its instances and
its operations, and a comparison with the template built from this checkout."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from scripts.aws import error_code
from scripts.config import Config, Environment
from scripts.manifest import template_digest


@dataclass(frozen=True)
class InstanceStatus:
    stack_set: str
    environment: str
    account: str
    region: str
    status: str
    detailed_status: str
    drift_status: str
    reason: str
    deployed_digest: str | None
    built_digest: str
    last_operation_id: str | None
    last_operation_action: str | None
    last_operation_status: str | None
    last_operation_end: str | None

    @property
    def behind(self) -> bool:
        return self.status != "CURRENT" or self.deployed_digest != self.built_digest


def _last_operation(cfn: Any, name: str) -> dict[str, Any]:
    summaries = cfn.list_stack_set_operations(StackSetName=name).get("Summaries", [])
    summaries.sort(key=lambda o: o.get("CreationTimestamp") or "", reverse=True)
    return summaries[0] if summaries else {}


def _stack_set_rows(cfn: Any, name: str, built: dict[str, Any],
                    environments: list[Environment]) -> list[InstanceStatus]:
    try:
        stack_set = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    except Exception as err:
        if error_code(err) != "StackSetNotFoundException":
            raise
        stack_set = None
    deployed = template_digest(json.loads(stack_set["TemplateBody"])) if stack_set else None
    summaries = {}
    if stack_set:
        pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=name)
        summaries = {(s["Account"], s["Region"]): s for page in pages for s in page["Summaries"]}
    last = _last_operation(cfn, name) if stack_set else {}
    rows = []
    for env, account in ((e, a) for e in environments for a in e.account_ids):
        s = summaries.get((account, env.region), {})
        end = last.get("EndTimestamp")
        rows.append(InstanceStatus(
            stack_set=name, environment=env.name, account=account, region=env.region,
            status=s.get("Status", "NOT DEPLOYED" if stack_set else "NO STACKSET"),
            detailed_status=s.get("StackInstanceStatus", {}).get("DetailedStatus", ""),
            drift_status=s.get("DriftStatus", ""), reason=s.get("StatusReason", ""),
            deployed_digest=deployed, built_digest=template_digest(built),
            last_operation_id=last.get("OperationId"), last_operation_action=last.get("Action"),
            last_operation_status=last.get("Status"),
            last_operation_end=end.isoformat() if hasattr(end, "isoformat") else end))
    return rows


def collect(cfn: Any, config: Config, environments: list[Environment],
            templates: dict[str, dict[str, Any]]) -> list[InstanceStatus]:
    specs = config.deployment.stacksets
    with ThreadPoolExecutor(max_workers=len(specs)) as pool:
        parts = pool.map(lambda s: _stack_set_rows(cfn, s.name, templates[s.template],
                                                   environments), specs)
        return [row for rows in parts for row in rows]


def to_json(rows: list[InstanceStatus]) -> list[dict[str, Any]]:
    return [{**asdict(r), "behind": r.behind} for r in rows]


def render_table(rows: list[InstanceStatus]) -> str:
    header = ("STACKSET", "ENV", "ACCOUNT", "STATUS", "DETAIL", "DRIFT", "TEMPLATE",
              "LAST OPERATION")
    lines = [header]
    for r in rows:
        template = "-" if r.deployed_digest is None else \
            "current" if r.deployed_digest == r.built_digest else "behind build"
        op = "-" if not r.last_operation_id else \
            f"{r.last_operation_id} {r.last_operation_action} {r.last_operation_status} " \
            f"{r.last_operation_end or ''}".rstrip()
        lines.append((r.stack_set, r.environment, r.account, r.status, r.detailed_status or "-",
                      r.drift_status or "-", template, op))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True))
                     + "  " + line[-1] for line in lines)

"""Where every StackSet stands in every account: one read of each StackSet, its instances and
its operations, and a comparison with the template built from this checkout.

Each row is one instance's own story: the operation that last touched it (its LastOperationId,
not the StackSet's latest operation, which may have named other accounts) and the template its
stack runs (read through the execution role: an OUTDATED instance runs an older one than the
StackSet's). A row without an instance claims no template at all."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from scripts.aws.clients import error_code
from scripts.build.manifest import template_digest
from scripts.config.reader import Config, Environment
from scripts.stacksets.instance_stacks import running_template

CURRENT, BEHIND, NOT_DEPLOYED, NO_STACK = "current", "behind build", "not deployed", "no stack"


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
    stack_set_digest: str | None = None

    @property
    def behind(self) -> bool:
        return self.status != "CURRENT" or self.deployed_digest != self.built_digest

    @property
    def template(self) -> str:
        """What the instance's stack runs, against this checkout's build."""
        return template_state(self.status, self.deployed_digest, self.built_digest)


def template_state(status: str, deployed: str | None, built: str) -> str:
    if status in ("NOT DEPLOYED", "NO STACKSET"):
        return NOT_DEPLOYED
    if deployed is None:
        return NO_STACK
    return CURRENT if deployed == built else BEHIND


def _operations(cfn: Any, name: str) -> dict[str, dict[str, Any]]:
    pages = cfn.get_paginator("list_stack_set_operations").paginate(StackSetName=name)
    return {o["OperationId"]: o for page in pages for o in page.get("Summaries", [])}


def _digest(stacks: Callable[[str, str], Any] | None, summary: dict[str, Any],
            stack_set_digest: str | None) -> str | None:
    """The digest of the template the instance's stack runs; None when it has no stack. Without
    access to the accounts, and for a CURRENT instance, the StackSet's: "The stack is currently
    up to date with the stack set" (StackInstanceSummary), so only the others are read."""
    if not summary.get("StackId"):
        return None
    if stacks is None or summary.get("Status") == "CURRENT":
        return stack_set_digest
    template = running_template(stacks(summary["Account"], summary["Region"]), summary["StackId"])
    return template_digest(template) if template else None


def _stack_set_rows(cfn: Any, name: str, built: dict[str, Any],
                    environments: list[Environment],
                    stacks: Callable[[str, str], Any] | None = None) -> list[InstanceStatus]:
    try:
        stack_set = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    except Exception as err:
        if error_code(err) != "StackSetNotFoundException":
            raise
        stack_set = None
    stack_set_digest = template_digest(json.loads(stack_set["TemplateBody"])) if stack_set \
        else None
    summaries = {}
    if stack_set:
        pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=name)
        summaries = {(s["Account"], s["Region"]): s for page in pages for s in page["Summaries"]}
    operations = _operations(cfn, name) if stack_set else {}
    wanted = [(env, account, summaries.get((account, env.region), {}))
              for env in environments for account in env.account_ids]
    with ThreadPoolExecutor(max_workers=min(16, len(wanted)) or 1) as pool:
        digests = list(pool.map(lambda w: _digest(stacks, w[2], stack_set_digest), wanted))
    rows = []
    for (env, account, s), deployed in zip(wanted, digests, strict=True):
        last_id = s.get("LastOperationId") or None
        last = operations.get(last_id or "", {})
        end = last.get("EndTimestamp")
        rows.append(InstanceStatus(
            stack_set=name, environment=env.name, account=account, region=env.region,
            status=s.get("Status", "NOT DEPLOYED" if stack_set else "NO STACKSET"),
            detailed_status=s.get("StackInstanceStatus", {}).get("DetailedStatus", ""),
            drift_status=s.get("DriftStatus", ""), reason=s.get("StatusReason", ""),
            deployed_digest=deployed, built_digest=template_digest(built),
            last_operation_id=last_id, last_operation_action=last.get("Action"),
            last_operation_status=last.get("Status"),
            last_operation_end=end.isoformat() if hasattr(end, "isoformat") else end,
            stack_set_digest=stack_set_digest))
    return rows


def collect(cfn: Any, config: Config, environments: list[Environment],
            templates: dict[str, dict[str, Any]],
            stacks: Callable[[str, str], Any] | None = None) -> list[InstanceStatus]:
    """Every row; `stacks` (account -> CloudFormation client there) reads what each instance's
    stack runs."""
    specs = config.deployment.stacksets
    with ThreadPoolExecutor(max_workers=len(specs)) as pool:
        parts = pool.map(lambda s: _stack_set_rows(cfn, s.name, templates[s.template],
                                                   environments, stacks), specs)
        return [row for rows in parts for row in rows]


def to_json(rows: list[InstanceStatus]) -> list[dict[str, Any]]:
    return [{**asdict(r), "behind": r.behind, "template": r.template} for r in rows]


def render_table(rows: list[InstanceStatus]) -> str:
    header = ("STACKSET", "ENV", "ACCOUNT", "STATUS", "DETAIL", "DRIFT", "TEMPLATE",
              "LAST OPERATION")
    lines = [header]
    for r in rows:
        template = r.template
        op = "-" if not r.last_operation_id else \
            f"{r.last_operation_id} {r.last_operation_action} {r.last_operation_status} " \
            f"{r.last_operation_end or ''}".rstrip()
        lines.append((r.stack_set, r.environment, r.account, r.status, r.detailed_status or "-",
                      r.drift_status or "-", template, op))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True))
                     + "  " + line[-1] for line in lines)

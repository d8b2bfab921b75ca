"""The rollout report: what the waiter saw of every operation, beside the floor of its schedule,
kept as build/reports/rollout-<id>.json and drawn into rollout-<id>.html.

deploy writes one after every rollout that started an operation (succeeded, failed or
stopped); `payctl report` draws one again from the JSON, or, for an operation no deploy of this
checkout watched, from what AWS keeps of it (DescribeStackSetOperation's start and end, and each
account's status and reason: AWS keeps no per-account times, so each bar spans the operation).

The floor is the ideal schedule (scripts/stacksets/ideal.py) of the same operations: one at a
time per StackSet, the accounts at the concurrency the operation preferences allow, each
account taking the shortest time the waiter saw an account of that operation take.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from scripts.aws.clients import describe, error_code
from scripts.build.rollout_report import render
from scripts.config.files import read_bytes
from scripts.config.reader import Config
from scripts.errors import ConfigError, DeploymentError
from scripts.stacksets.deployer import concurrent_accounts
from scripts.stacksets.ideal import Op, operation_seconds, spans
from scripts.stacksets.operations import RESULTS_PAGE

NOT_FOUND = {"OperationNotFoundException", "StackSetNotFoundException"}
MAX_REPORT_BYTES = 64 << 20  # 2,000 accounts x a few operations is a few MiB
SCHEMA = Draft202012Validator(json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "rollout-report.schema.json").read_text()))


def reports_dir(build_dir: Path) -> Path:
    return build_dir / "reports"


def rollout_id(began_at: datetime) -> str:
    return began_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _stack_seconds(op: dict[str, Any]) -> float:
    """The shortest account the waiter saw finish, else the operation's own time."""
    seen = [a["finished"] - a["started"] for a in op["accounts"]
            if a["started"] is not None and a["finished"] is not None]
    return min(seen) if seen else op["finished"] - op["started"]


def with_floor(operations: list[dict[str, Any]], config: Config, strategy: str
               ) -> dict[str, Any]:
    """Each operation's environments and its place in the ideal schedule; the floor's end."""
    names = config.account_names()
    order = [name for name in config.environments]
    for op in operations:
        found = {names.get(a["account"], "") for a in op["accounts"]} - {""}
        op["environments"] = [e for e in order if e in found]
    stack_sets = [s.name for s in config.deployment.stacksets]
    stages: list[list[dict[str, Any]]] = [[op for op in operations if op["stack_set"] == name]
                                          for name in stack_sets]
    priced = [[Op(tuple(op["environments"]) or ("",), operation_seconds(
        len(op["accounts"]), concurrent_accounts(config.deployment.operation_preferences,
                                                 max(1, len(op["accounts"]))),
        _stack_seconds(op))) for op in ops] for ops in stages]
    times = spans(strategy, priced, order)
    for ops, op_times in zip(stages, times, strict=True):
        for op, (start, end) in zip(ops, op_times, strict=True):
            op["floor"] = {"started": start, "finished": end}
    return {"seconds": max([0.0, *(end for t in times for _, end in t)])}


def record(config: Config, operations: list[dict[str, Any]], began_at: datetime | None,
           command: str, strategy: str, outcome: str, error: str | None,
           plan: str | None, note: str = "") -> dict[str, Any]:
    """The report's data, everything the drawing needs (the JSON file is it)."""
    began = began_at or datetime.now(UTC)
    floor = with_floor(operations, config, strategy)
    return {"id": rollout_id(began), "began_at": began.isoformat(timespec="seconds"),
            "command": command, "strategy": strategy, "outcome": outcome, "error": error,
            "environments": [{"name": e.name, "accounts": list(e.account_ids)}
                             for e in config.environments.values()],
            "stack_sets": [s.name for s in config.deployment.stacksets],
            "operations": operations, "floor": floor, "plan": plan, "note": note}


def write(build_dir: Path, data: dict[str, Any], name: str | None = None) -> Path:
    """rollout-<id>.json and rollout-<id>.html in build/reports; the HTML's path."""
    folder = reports_dir(build_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"rollout-{name or data['id']}"
    (folder / f"{stem}.json").write_text(json.dumps(data, indent=1) + "\n")
    page = folder / f"{stem}.html"
    page.write_text(render(data))
    return page


def saved(build_dir: Path) -> list[Path]:
    """Every saved rollout, oldest first (ids are UTC times)."""
    return sorted(reports_dir(build_dir).glob("rollout-*.json"))


def load(path: Path) -> dict[str, Any]:
    """A saved rollout, read in bounded memory and checked against its schema, or one
    ConfigError naming the file and what is wrong."""
    try:
        data = json.loads(read_bytes(path, MAX_REPORT_BYTES, too_large="").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ConfigError(f"{path}: not a rollout report ({err})") from None
    problem = next(iter(SCHEMA.iter_errors(data)), None)
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path) or "the document"
        raise ConfigError(f"{path}: not a rollout report ({where}: {problem.message[:120]})")
    return data


def last(build_dir: Path) -> Path:
    found = saved(build_dir)
    if not found:
        raise ConfigError(f"--last: no rollout saved in {reports_dir(build_dir)}; deploy writes "
                          "one after each rollout, or give an operation id")
    return write(build_dir, load(found[-1]))


def containing(build_dir: Path, operation_id: str) -> dict[str, Any] | None:
    for path in reversed(saved(build_dir)):
        data = load(path)
        if any(op.get("operation_id") == operation_id for op in data["operations"]):
            return data
    return None


def from_aws(cfn: Any, config: Config, operation_id: str) -> dict[str, Any]:
    """An operation no saved rollout holds, from what AWS keeps, looked for in each StackSet."""
    for name in (s.name for s in config.deployment.stacksets):
        try:
            op = cfn.describe_stack_set_operation(StackSetName=name,
                                                  OperationId=operation_id)["StackSetOperation"]
        except Exception as err:
            if error_code(err) in NOT_FOUND:
                continue
            raise DeploymentError(f"{name}: {describe(err)}") from None
        began: datetime = op["CreationTimestamp"]
        ended = op.get("EndTimestamp")
        seconds = ((ended - began).total_seconds() if ended else 0.0)
        pages = cfn.get_paginator("list_stack_set_operation_results").paginate(
            StackSetName=name, OperationId=operation_id,
            PaginationConfig={"PageSize": RESULTS_PAGE})
        accounts = [{"account": r["Account"], "region": r["Region"], "status": r["Status"],
                     "reason": r.get("StatusReason", ""), "started": 0.0, "finished": seconds}
                    for page in pages for r in page["Summaries"]]
        operations = [{"stack_set": name, "operation_id": operation_id, "status": op["Status"],
                       "started": 0.0, "finished": seconds, "accounts": accounts}]
        return record(config, operations, began, f"operation {operation_id} ({op['Action']})",
                      "waves", op["Status"].lower(), op.get("StatusReason"), None,
                      note="Read from AWS, which keeps each account's status but not its times: "
                           "every bar spans the whole operation.")
    raise ConfigError(f"OPERATION: no StackSet in params/deployment.yaml has an operation "
                      f"{operation_id!r}, and no rollout saved in build/reports holds it")


def of_rollout(rollout: Any, command: str, strategy: str,
               error: BaseException | None) -> dict[str, Any] | None:
    """The report of what `rollout` ran (None when it started no operation): a deploy stopped
    by Ctrl-C, SIGTERM or --timeout is `stopped`, its operations still running."""
    from scripts.plan.report import render_text, report
    from scripts.stacksets.operations import Detached

    operations = rollout.timeline.operations()
    if not operations:
        return None
    outcome = ("succeeded" if error is None else
               "stopped" if isinstance(error, Detached) else "failed")
    plan = render_text(report(rollout.planned)) if rollout.planned else None
    return record(rollout.config, operations, rollout.timeline.began_at, command, strategy,
                  outcome, None if error is None else str(error).splitlines()[0], plan)

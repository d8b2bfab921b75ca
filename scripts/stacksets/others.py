"""Someone else's operations on the StackSets a deploy is about to change.

A deploy plans against what is deployed; an operation that another person is running or has
queued will change that state under it. So deploy looks first (ListStackSetOperations) and either
refuses, naming the operations (the default: nothing is sent), or with `--wait-for-others` waits
for them in line, visibly and bounded by `--timeout`, and then plans again against what they left.
It looks again before each operation it starts (`before_operation`), since someone can start one
while the rollout runs: then it stops there (nothing more is sent) or waits and plans again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scripts.aws.clients import error_code
from scripts.errors import DeploymentError, PlatformError
from scripts.stacksets.operations import Detached

ACTIVE = ("RUNNING", "QUEUED", "STOPPING")


class Busy(PlatformError):
    """Another operation runs or waits on a StackSet this deploy would change: nothing sent."""

    exit_code = 2


def active(summaries: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(operation id, status) of the operations that still run or wait, oldest first."""
    ops = [s for s in summaries if s.get("Status") in ACTIVE]
    ops.sort(key=lambda s: str(s.get("CreationTimestamp", "")))
    return [(s["OperationId"], s["Status"]) for s in ops]


def find(cfn: Any, names: list[str]) -> dict[str, list[tuple[str, str]]]:
    found = {}
    for name in names:
        pages = cfn.get_paginator("list_stack_set_operations").paginate(StackSetName=name)
        try:
            ops = active(s for page in pages for s in page["Summaries"])
        except Exception as err:
            if error_code(err) == "StackSetNotFoundException":
                continue  # created by this deploy: nobody else can have an operation on it
            raise
        if ops:
            found[name] = ops
    return found


class Overtaken(DeploymentError):
    """Someone else's operation started on a StackSet while this rollout ran: it stopped before
    its next operation there (what it did stays applied, so not exit 2: something was sent)."""


class PlanAgain(PlatformError):
    """Someone else's operation, started during the rollout, was waited for: the rest of the
    rollout must be planned again against what it left."""


def refusal(found: dict[str, list[tuple[str, str]]], midway: bool = False) -> str:
    listed = "; ".join(f"{name}: {', '.join(f'{op} {status}' for op, status in ops)}"
                       for name, ops in found.items())
    if midway:
        return (f"someone else's operations started on these StackSets during this rollout "
                f"({listed}); it stopped before its next operation, which was planned against a "
                "state they are about to change. What it already did stays applied; nothing more "
                "was sent. Wait for them (payctl status) and deploy again, or pass "
                "--wait-for-others to wait in line and plan again after them")
    return (f"someone else's operations are running or queued on these StackSets ({listed}); "
            "deploying now would plan against a state they are about to change. Wait for them "
            "(payctl status), or pass --wait-for-others to wait in line and plan again after "
            "them; nothing was sent")


def before_operation(cfn: Any, name: str, wait: bool, wait_for: Callable[[str, str], Any],
                     say: Callable[[str], None]) -> None:
    """Just before the rollout starts an operation on `name` (its own earlier ones there have
    ended, so any that runs or waits is someone else's): go on, refuse (Overtaken), or wait for
    them and raise PlanAgain."""
    found = find(cfn, [name])
    if not found:
        return
    if not wait:
        raise Overtaken(refusal(found, midway=True))
    wait_in_line(found, wait_for, say)
    raise PlanAgain(f"{name}: planning again after someone else's operations")


def wait_or_refuse(cfn: Any, names: list[str], wait: bool,
                   wait_for: Callable[[str, str], Any], say: Callable[[str], None]) -> bool:
    """Refuse (Busy) or wait for every active operation on `names`; True if any was waited
    for (the caller then plans again)."""
    found = find(cfn, names)
    if not found:
        return False
    if not wait:
        raise Busy(refusal(found))
    wait_in_line(found, wait_for, say)
    return True


def wait_in_line(found: dict[str, list[tuple[str, str]]], wait_for: Callable[[str, str], Any],
                 say: Callable[[str], None]) -> None:
    for name, ops in found.items():
        for op, status in ops:
            say(f"{name}: waiting in line for operation {op} ({status}), started by someone else")
            try:
                wait_for(name, op)
            except Detached:
                raise  # interrupted or timed out: stop, never plan on a moving state
            except PlatformError as err:
                say(f"{name}: that operation did not succeed ({str(err).splitlines()[0]})")

"""Someone else's operations on the StackSets a deploy is about to change.

A deploy plans against what is deployed; an operation that another person is running or has
queued will change that state under it. So deploy looks first (ListStackSetOperations) and either
refuses, naming the operations (the default: nothing is sent), or with `--wait-for-others` waits
for them in line, visibly and bounded by `--timeout`, and then plans again against what they left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scripts.aws import error_code
from scripts.errors import PlatformError
from scripts.operations import Detached

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


def refusal(found: dict[str, list[tuple[str, str]]]) -> str:
    listed = "; ".join(f"{name}: {', '.join(f'{op} {status}' for op, status in ops)}"
                       for name, ops in found.items())
    return (f"someone else's operations are running or queued on these StackSets ({listed}); "
            "deploying now would plan against a state they are about to change. Wait for them "
            "(payctl status), or pass --wait-for-others to wait in line and plan again after "
            "them; nothing was sent")


def wait_or_refuse(cfn: Any, names: list[str], wait: bool,
                   wait_for: Callable[[str, str], Any], say: Callable[[str], None]) -> bool:
    """Refuse (Busy) or wait for every active operation on `names`; True if any was waited
    for (the caller then plans again)."""
    found = find(cfn, names)
    if not found:
        return False
    if not wait:
        raise Busy(refusal(found))
    for name, ops in found.items():
        for op, status in ops:
            say(f"{name}: waiting in line for operation {op} ({status}), started by someone else")
            try:
                wait_for(name, op)
            except Detached:
                raise  # interrupted or timed out: stop, never plan on a moving state
            except PlatformError as err:
                say(f"{name}: that operation did not succeed ({str(err).splitlines()[0]})")
    return True

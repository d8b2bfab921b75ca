"""The simulated time an ideal schedule takes: the floor a measured rollout is compared with.

Pure: from the built templates (engine/durations.py gives each stack's simulated seconds), the
accounts per environment and the operation preferences, priced on the rules of the ideal
schedule (scripts/stacksets/ideal.py). Polling latency, API latency and the deployer's own work
are what a measurement adds on top.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from scripts.aws.intrinsics import references
from scripts.emulator.engine import durations
from scripts.stacksets.deployer import concurrent_accounts
from scripts.stacksets.ideal import Op, floor, operation_seconds, pipelined, waves

__all__ = ["Op", "changed_resources", "first_poll_after", "floor", "operation_seconds",
           "pipelined", "polled", "rollout_stages", "stack_seconds", "waves"]


def changed_resources(template: dict[str, Any], before: dict[str, str],
                      after: dict[str, str]) -> set[str]:
    """Resources an instance update touches when its parameters go from `before` to `after`:
    those that refer to a parameter whose value changed, and those the new values' conditions
    create (what the emulator updates)."""
    moved = {k for k in template.get("Parameters", {}) if before.get(k) != after.get(k)}
    text = json.dumps(template)
    created = durations.present(text, after) - durations.present(text, before)
    return {name for name, spec in template.get("Resources", {}).items()
            if references(spec) & moved} | created  # the engine's own reading


def stack_seconds(template: dict[str, Any], changed: set[str] | None = None,
                  parameters: dict[str, str] | None = None) -> float:
    """Simulated seconds of one stack with these parameter values: created (`changed` None)
    or updated."""
    text = json.dumps(template)
    return durations.stack_seconds(text, "CREATE" if changed is None else "UPDATE", changed,
                                   parameters)


def rollout_stages(templates: Sequence[dict[str, Any]], accounts: dict[str, int],
                   preferences: dict[str, Any],
                   changes: Sequence[dict[str, set[str] | None]] | None = None,
                   parameters: dict[str, dict[str, str]] | None = None) -> list[list[Op]]:
    """Per StackSet (in deployment order), the operations of a rollout: a first rollout
    (`changes` None) creates every environment's instances; otherwise `changes[k][env]` names the
    resources the update touches in StackSet k for env (an env absent: no operation).
    `parameters[env]` are env's values (the resources whose Condition holds are its stack)."""
    stages = []
    for k, template in enumerate(templates):
        ops = []
        for env, count in accounts.items():
            values = (parameters or {}).get(env)
            if changes is None:
                seconds = stack_seconds(template, parameters=values)
            elif env in changes[k]:
                seconds = stack_seconds(template, changes[k][env], values)
            else:
                continue
            ops.append(Op((env,), operation_seconds(
                count, concurrent_accounts(preferences, count), seconds)))
        stages.append(ops)
    return stages


def first_poll_after(seconds: float) -> float:
    """When the deployer's waiter (capped backoff, scripts/stacksets/operations.py) first sees an
    operation of `seconds` done: its polls fall at 0, 2, 5, 9.5, ... 64.4 s, then every 30 s."""
    from scripts.stacksets.operations import delays

    elapsed = 0.0
    for delay in delays():
        if elapsed >= seconds:
            return elapsed
        elapsed += delay
    raise AssertionError("unreachable: delays() is endless")


def polled(stages: Sequence[Sequence[Op]]) -> list[list[Op]]:
    """The same schedule with each operation lasting until the waiter sees it done: the time
    model's AWS part (the deployer's own time comes on top)."""
    return [[Op(op.environments, first_poll_after(op.seconds)) for op in ops] for ops in stages]

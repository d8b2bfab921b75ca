"""The simulated time an ideal schedule takes: the floor a measured rollout is compared with.

Pure: from the built templates (engine/durations.py gives each stack's simulated seconds), the
accounts per environment and the operation preferences. What AWS imposes, and so the floor too:
- one operation at a time per StackSet (managed execution queues the rest);
- one set of parameter overrides per CreateStackInstances/UpdateStackInstances call, so every
  environment is its own operation;
- within an operation, `concurrent_accounts` accounts at a time (MaxConcurrent*, and under
  STRICT_FAILURE_TOLERANCE at most FailureToleranceCount + 1), so an operation over n accounts
  of identical stacks takes ceil(n / concurrency) x the stack's time;
- a later StackSet's step for an environment waits for the earlier StackSet to be done with it
  (the edge imports the platform's exports).
Polling latency, API latency and the deployer's own work are what a measurement adds on top.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scripts.aws.intrinsics import references
from scripts.emulator.engine import durations
from scripts.stacksets.deployer import concurrent_accounts


@dataclass(frozen=True)
class Op:
    """One StackSet operation in an ideal schedule: the environments it touches, its seconds."""

    environments: tuple[str, ...]
    seconds: float


def operation_seconds(accounts: int, concurrency: int, stack_seconds: float) -> float:
    """An operation over `accounts` identical stacks, `concurrency` at a time."""
    if accounts <= 0:
        return 0.0
    return math.ceil(accounts / max(1, concurrency)) * stack_seconds


def pipelined(stages: Sequence[Sequence[Op]]) -> float:
    """Finish time of StackSets run side by side (scripts/stacksets/schedule.py): each stage runs its
    operations one after another; a step touching environment E starts once the stage before
    has no operation left for E."""
    previous: dict[str, float] = {}
    end = 0.0
    for ops in stages:
        clock, finished = 0.0, {}
        for op in ops:
            clock = max([clock, *(previous.get(e, 0.0) for e in op.environments)]) + op.seconds
            for env in op.environments:
                finished[env] = clock
        previous = finished  # an environment the stage skips waits for nothing (schedule.py)
        end = max(end, clock)
    return end


def waves(stages: Sequence[Sequence[Op]], order: Sequence[str]) -> float:
    """One environment after another (deploy --strategy waves), every StackSet for it."""
    return sum(pipelined([[op for op in ops if env in op.environments] for ops in stages])
               for env in order)


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


def floor(strategy: str, stages: Sequence[Sequence[Op]], order: Sequence[str]) -> float:
    """The ideal time of `strategy`'s schedule (its operations with no latency in between)."""
    return pipelined(stages) if strategy == "parallel" else waves(stages, order)


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

"""The ideal schedule of a rollout: its operations with no latency in between, the floor.

Pure. What AWS imposes, and so the floor too:
- one operation at a time per StackSet (managed execution queues the rest);
- one set of parameter overrides per CreateStackInstances/UpdateStackInstances call, so every
  environment is its own operation;
- within an operation, `concurrent_accounts` accounts at a time (MaxConcurrent*, and under
  STRICT_FAILURE_TOLERANCE at most FailureToleranceCount + 1), so an operation over n accounts
  of identical stacks takes ceil(n / concurrency) x the stack's time;
- a later StackSet's step for an environment waits for the earlier StackSet to be done with it
  (the edge imports the platform's exports).
The bench (scripts/bench/floor.py) prices the operations with the emulator's durations; the
rollout report (scripts/actions/report.py) with the stack times the waiter saw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


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


def pipelined_spans(stages: Sequence[Sequence[Op]], start: float = 0.0
                    ) -> list[list[tuple[float, float]]]:
    """(start, end) of every operation of StackSets run side by side (scripts/stacksets/
    schedule.py): each stage runs its operations one after another; a step touching environment
    E starts once the stage before has no operation left for E."""
    previous: dict[str, float] = {}
    spans = []
    for ops in stages:
        clock, finished, times = start, {}, []
        for op in ops:
            began = max([clock, *(previous.get(e, start) for e in op.environments)])
            clock = began + op.seconds
            times.append((began, clock))
            for env in op.environments:
                finished[env] = clock
        previous = finished  # an environment the stage skips waits for nothing (schedule.py)
        spans.append(times)
    return spans


def wave_spans(stages: Sequence[Sequence[Op]], order: Sequence[str]
               ) -> list[list[tuple[float, float]]]:
    """(start, end) of every operation when one environment runs after another (deploy
    --strategy waves), every StackSet for it; an operation is in the wave of its first
    environment."""
    spans: list[list[tuple[float, float]]] = [[(0.0, 0.0)] * len(ops) for ops in stages]
    clock = 0.0
    for env in order:
        picked = [[k for k, op in enumerate(ops) if op.environments[:1] == (env,)]
                  for ops in stages]
        wave = pipelined_spans([[stages[s][k] for k in ks] for s, ks in enumerate(picked)], clock)
        for s, ks in enumerate(picked):
            for k, span in zip(ks, wave[s], strict=True):
                spans[s][k] = span
        clock = max([clock, *(end for times in wave for _, end in times)])
    return spans


def spans(strategy: str, stages: Sequence[Sequence[Op]], order: Sequence[str]
          ) -> list[list[tuple[float, float]]]:
    return pipelined_spans(stages) if strategy == "parallel" else wave_spans(stages, order)


def _end(times: list[list[tuple[float, float]]]) -> float:
    return max([0.0, *(end for ops in times for _, end in ops)])


def pipelined(stages: Sequence[Sequence[Op]]) -> float:
    return _end(pipelined_spans(stages))


def waves(stages: Sequence[Sequence[Op]], order: Sequence[str]) -> float:
    return _end(wave_spans(stages, order))


def floor(strategy: str, stages: Sequence[Sequence[Op]], order: Sequence[str]) -> float:
    """The ideal time of `strategy`'s schedule (its operations with no latency in between)."""
    return _end(spans(strategy, stages, order))

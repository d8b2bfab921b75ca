"""The `parallel` rollout schedule: StackSets side by side, each one operation at a time.

What AWS allows: with managed execution a StackSet queues every operation that arrives while
another runs or is queued, even a non-conflicting one, so one StackSet's operations run one after
another however they are submitted. Different StackSets do run at the same time. A later StackSet
imports an earlier one's exports per environment, so its step for an environment waits only until
the earlier StackSet is done with that environment: while the edge StackSet updates dev, the
platform StackSet already updates staging. For n environments that takes about
n × (platform operation) + (edge operation) instead of n × (platform + edge).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from scripts.errors import Terminated
from scripts.stacksets.deployer import Step
from scripts.stacksets.operations import Detached, Interrupted


def run_pipelined(stages: Sequence[Sequence[Step]],
                  interrupted: threading.Event | None = None) -> list[list[str]]:
    """Run each stage's steps in order, the stages side by side; a step of stage k touching
    environment E starts once stage k-1 has no step left for E. After a failure no further step
    starts; the first error is raised once every stage has stopped. Returns each stage's
    operation ids.

    Ctrl-C and SIGTERM reach only this (the main) thread: either sets `interrupted`, which the
    caller's waiter turns into its usual "interrupted; the operation keeps running" error inside
    every stage that is waiting; those are raised together as one `Interrupted` naming every
    running operation (exit 130, or 143 for SIGTERM), so each is saved for `deploy --resume`."""
    interrupted = interrupted or threading.Event()
    environments = {e for steps in stages for step in steps for e in step.environments}
    done = [{e: threading.Event() for e in environments} for _ in stages]
    failed = threading.Event()
    operations: list[list[str]] = [[] for _ in stages]
    errors: list[BaseException] = []

    def run(k: int) -> None:
        steps = stages[k]
        for env, event in done[k].items():
            if not any(env in step.environments for step in steps):
                event.set()
        try:
            for i, step in enumerate(steps):
                for env in step.environments if k else ():
                    done[k - 1][env].wait()
                if failed.is_set() or interrupted.is_set():
                    return
                if operation := step.run():
                    operations[k].append(operation)
                later = {e for s in steps[i + 1:] for e in s.environments}
                for env in set(step.environments) - later:
                    done[k][env].set()
        except BaseException as err:  # re-raised in the caller's thread
            errors.append(err)
            failed.set()
        finally:
            for event in done[k].values():
                event.set()

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(len(stages))]
    for thread in threads:
        thread.start()
    signals: list[int] = []
    with _signals_set(interrupted, signals):
        for thread in threads:
            while thread.is_alive():  # short joins: the main thread runs signal handlers
                thread.join(timeout=0.2)
    terminated = signal.SIGTERM in signals
    stopped = [e for e in errors if isinstance(e, Detached)]
    if interrupted.is_set() and stopped:
        raise Interrupted(stopped, 143 if terminated else 130,
                          [e for e in errors if not isinstance(e, Detached)])
    if errors:
        raise errors[0]
    if interrupted.is_set():
        raise Terminated if terminated else KeyboardInterrupt
    return operations


@contextmanager
def _signals_set(interrupted: threading.Event, seen: list[int]) -> Iterator[None]:
    """While waiting for the stages, Ctrl-C (SIGINT) and SIGTERM set `interrupted` (and are
    recorded in `seen`) instead of raising at some arbitrary point of the main thread; a second
    signal changes nothing, the stages are already stopping."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        seen.append(signum)
        interrupted.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler_before in previous.items():
            signal.signal(s, handler_before)

"""Runs StackSet operations as CloudFormation does: asynchronously, one at a time per StackSet,
Regions in order, accounts within a Region as the concurrency rules allow.

"When false (default), StackSets performs one operation at a time in request order" and a
second request gets OperationInProgressException; with managed execution "If there are already
running or queued operations, CloudFormation queues all incoming operations even if they are
non-conflicting" and "starts queued operations in request order" (ManagedExecution, API
reference). Whether queued non-conflicting operations then start together is not documented;
here they run one after another, the conservative reading.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import count

from scripts.emulator.engine.clock import CLOCK
from scripts.emulator.engine.concurrency import region_batches, region_policy
from scripts.emulator.engine.model import LOCK, Instance, Operation, Result, StackSet
from scripts.emulator.engine.work import AccountFailed

# moto's backends are not built for concurrent writers: the work itself is serialised, while
# the simulated time of many accounts passes concurrently.
WORK_LOCK = threading.Lock()
CANCELLED_REASON = "Cancelled since failure tolerance has exceeded"
STOPPED_REASON = "Cancelled since the operation was stopped"

# What an operation does in one account: simulated seconds, or AccountFailed.
AccountWork = Callable[[StackSet, Instance], float]


def succeeded(stack_set: StackSet, instance: Instance) -> None:
    instance.succeeded()


def failed(stack_set: StackSet, instance: Instance, reason: str) -> None:
    instance.failed(reason)


def submit(stack_set: StackSet, operation: Operation, work: AccountWork,
           on_success: Callable[[StackSet, Instance], None],
           on_failure: Callable[[StackSet, Instance, str], None]) -> None:
    """Start `operation` now, or queue it behind the one running (the caller has refused it
    already if the StackSet has no managed execution)."""
    with LOCK:
        busy = stack_set.active_operation() is not None
        operation.payload.update(work=work, on_success=on_success, on_failure=on_failure)
        stack_set.operations[operation.operation_id] = operation
        stack_set.queue.append(operation)
        if busy:
            return
        first = _next(stack_set)
    threading.Thread(target=_runner, args=(stack_set, first), daemon=True,
                     name=f"stackset-{stack_set.name}").start()


def _next(stack_set: StackSet) -> Operation | None:
    if not stack_set.queue:
        return None
    operation = stack_set.queue.pop(0)
    operation.status = "RUNNING"
    return operation


def _runner(stack_set: StackSet, operation: Operation | None) -> None:
    while operation is not None:
        _run(stack_set, operation)
        with LOCK:
            operation = _next(stack_set)


def stop(operation: Operation) -> None:
    """StopStackSetOperation: "StackSets will cancel all the unstarted stack instance
    deployments and wait for those are in-progress to complete." """
    with LOCK:
        operation.stop_requested = True
        if operation.status == "RUNNING":
            operation.status = "STOPPING"


def _run(stack_set: StackSet, operation: Operation) -> None:
    regions = list(dict.fromkeys(r.region for r in operation.results))
    failed_region = False
    for batch in region_batches(operation.preferences, regions):
        if failed_region or operation.stop_requested:
            # "If the operation is stopped in a Region, CloudFormation doesn't attempt the
            # operation in any subsequent Regions."
            _cancel(stack_set, operation, [r for r in operation.results if r.region in batch],
                    STOPPED_REASON if operation.stop_requested else CANCELLED_REASON)
            continue
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            exceeded = list(pool.map(lambda region: _run_region(stack_set, operation, region), batch))
        failed_region = any(exceeded)
    with LOCK:
        operation.status = "STOPPED" if operation.stop_requested else \
            "FAILED" if failed_region else "SUCCEEDED"
        if failed_region and not operation.stop_requested:
            operation.status_reason = "The Operation failed because the failure tolerance was exceeded"
        operation.ended = CLOCK.now()
        finish = operation.payload.get("on_end")
        if finish:
            finish(stack_set, operation)


def _run_region(stack_set: StackSet, operation: Operation, region: str) -> bool:
    """Run one Region's accounts; whether its failure tolerance was exceeded. Only the accounts'
    simulated time passes on the clock: starting and finishing them is the engine's own work,
    done with the clock standing still (engine/clock.py)."""
    pending = deque(r for r in operation.results if r.region == region)
    policy = region_policy(operation.preferences, len(pending))
    running: list[tuple[float, int, Result, str | None]] = []  # a heap, soonest deadline first
    started = count()  # equal deadlines finish in start order
    failed = 0
    while pending or running:
        if policy.exceeded(failed) or operation.stop_requested:
            _cancel(stack_set, operation, list(pending),
                    STOPPED_REASON if operation.stop_requested else CANCELLED_REASON)
            pending.clear()
        with CLOCK.paused():
            while pending and len(running) < policy.concurrency(failed):
                deadline, result, error = _start(stack_set, operation, pending.popleft())
                heapq.heappush(running, (deadline, next(started), result, error))
        if not running:
            break
        deadline, _, result, error = heapq.heappop(running)
        CLOCK.sleep_until(deadline)
        with CLOCK.paused():
            _finish(stack_set, operation, result, error)
        failed += error is not None
    return policy.exceeded(failed)


def _start(stack_set: StackSet, operation: Operation, result: Result) -> tuple[float, Result, str | None]:
    """Do the account's work (with the clock standing still: the caller paused it); when its
    simulated time ends."""
    with LOCK:
        result.status = "RUNNING"
        instance = stack_set.instances.get((result.account, result.region))
        if instance is not None:
            instance.last_operation_id = operation.operation_id
            if operation.action != "DETECT_DRIFT":  # a drift check leaves the stack as it is
                instance.detailed_status = "RUNNING"
    error = None
    started = CLOCK.monotonic()  # the account's simulated time starts now, not after moto's work
    with WORK_LOCK:
        try:
            seconds = operation.payload["work"](stack_set, instance) if instance is not None else 0.0
        except AccountFailed as failure:
            seconds, error = failure.seconds, failure.reason
        except Exception as err:  # any fault in the stack fails the account, as in AWS
            seconds, error = 0.0, str(err) or type(err).__name__
    return CLOCK.deadline(seconds, since=started), result, error


def _finish(stack_set: StackSet, operation: Operation, result: Result, error: str | None) -> None:
    with LOCK:
        instance = stack_set.instances.get((result.account, result.region))
        if error is None:
            result.status = "SUCCEEDED"
            if instance is not None:
                operation.payload["on_success"](stack_set, instance)
        else:
            result.status, result.reason = "FAILED", error
            if instance is not None:
                operation.payload["on_failure"](stack_set, instance, error)


def _cancel(stack_set: StackSet, operation: Operation, results: list[Result], reason: str) -> None:
    with LOCK:
        for result in results:
            if result.status != "PENDING":
                continue
            result.status, result.reason = "CANCELLED", reason
            instance = stack_set.instances.get((result.account, result.region))
            if instance is not None:
                instance.detailed_status = "CANCELLED"
                instance.status_reason = reason

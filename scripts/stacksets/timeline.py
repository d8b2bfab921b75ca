"""What the waiter saw of each operation, per account and over time: the rollout report's data.

AWS records when an operation started and ended, not when each account did
(ListStackSetOperationResults has no timestamps), so an account's bar is what the polls saw: it
started at the first poll that found it past PENDING (or, when a single poll already found it
finished, at the poll before), and finished at the first poll that found it done. The bars are
as sharp as the waiter's backoff (2 s growing to 30 s).

Seconds count from the first poll and are divided by `scale` (PAYCTL_POLL_SCALE), so a rollout on
the emulator's scaled clock reads in the seconds AWS would have taken. `CLOCK` is where they are
read: the benchmark, whose emulator clock runs only while a waiter sleeps, puts its own there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scripts.stacksets.operations import AccountResult, OperationStatus, ProgressCallback

CLOCK: Callable[[], float] = time.monotonic
DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}
WAITING = {"PENDING", "QUEUED"}


@dataclass
class AccountBar:
    account: str
    region: str
    status: str = "PENDING"
    reason: str = ""
    started: float | None = None
    finished: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "status": self.status,
                "reason": self.reason, "started": self.started, "finished": self.finished}


@dataclass
class OperationBars:
    stack_set: str
    operation_id: str
    first_seen: float
    last_seen: float
    status: str = "RUNNING"
    accounts: dict[tuple[str, str], AccountBar] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"stack_set": self.stack_set, "operation_id": self.operation_id,
                "status": self.status, "started": self.first_seen, "finished": self.last_seen,
                "accounts": [a.to_json() for a in self.accounts.values()]}


class Timeline:
    """A progress callback that keeps every poll's account statuses as bars; thread-safe (the
    parallel strategy waits on several operations at once)."""

    def __init__(self, scale: float = 1.0, clock: Callable[[], float] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.scale = scale
        self.clock = clock or CLOCK
        self.now = now
        self.began_at: datetime | None = None
        self._began = 0.0
        self._operations: dict[str, OperationBars] = {}
        self._lock = threading.Lock()

    def __call__(self, stack_set: str, operation_id: str, status: OperationStatus,
                 results: list[AccountResult]) -> None:
        with self._lock:
            at = self._seconds()
            op = self._operations.get(operation_id)
            if op is None:
                op = self._operations[operation_id] = OperationBars(stack_set, operation_id, at, at)
            previous, op.last_seen, op.status = op.last_seen, at, status.value
            for r in results:
                bar = op.accounts.setdefault((r.account, r.region), AccountBar(r.account, r.region))
                bar.status, bar.reason = r.status, r.reason
                if bar.started is None and r.status not in WAITING:
                    bar.started = at if r.status not in DONE else previous
                if bar.finished is None and r.status in DONE:
                    bar.finished = at

    def _seconds(self) -> float:
        if self.began_at is None:
            self.began_at, self._began = self.now(), self.clock()
        return round((self.clock() - self._began) / self.scale, 3)

    def operations(self) -> list[dict[str, Any]]:
        """Every operation seen, in the order it was first polled."""
        with self._lock:
            return [op.to_json() for op in self._operations.values()]


def fan_out(*callbacks: ProgressCallback) -> ProgressCallback:
    """One progress callback that calls each of `callbacks` in turn."""
    def call(stack_set: str, operation_id: str, status: OperationStatus,
             results: list[AccountResult]) -> None:
        for callback in callbacks:
            callback(stack_set, operation_id, status, results)
    return call

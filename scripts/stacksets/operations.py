"""Wait for StackSet operations: bounded, backing off, with every status classified in one place.

There is no boto3 waiter for StackSet operations, so this polls `describe_stack_set_operation`
(and the accounts' results, for progress) with capped exponential backoff under an overall
deadline: 2 s growing by 1.5x to 30 s, so an operation of T seconds costs about
8 + ceil((T - 64) / 30) polls (the first 8 by 64 s; a 20-minute one: 46, whatever the fleet
size), each poll one DescribeStackSetOperation plus ceil(accounts / 100) ListStackSetOperationResults pages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from scripts.errors import INTERRUPTED, TERMINATED, DeploymentError, Terminated

FIRST_DELAY = 2.0
BACKOFF = 1.5
MAX_DELAY = 30.0
# ListStackSetOperationResults' MaxResults is at most 100: a poll of an operation over n accounts
# costs 1 + ceil(n / 100) calls.
RESULTS_PAGE = 100


class OperationStatus(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @classmethod
    def parse(cls, value: str) -> OperationStatus:
        try:
            return cls(value)
        except ValueError:
            raise DeploymentError(f"unknown StackSet operation status {value!r}") from None

    @property
    def done(self) -> bool:
        return self in (OperationStatus.SUCCEEDED, OperationStatus.FAILED, OperationStatus.STOPPED)


@dataclass(frozen=True)
class AccountResult:
    account: str
    region: str
    status: str
    reason: str = ""


class OperationFailed(DeploymentError):
    """The operation ended FAILED or STOPPED. The message gives every account's outcome, the
    unfinished ones first with CloudFormation's reason (a failure, or CANCELLED once the failure
    tolerance was exceeded), and the command that retries only the environments left behind."""

    def __init__(self, stack_set: str, operation_id: str, status: OperationStatus,
                 results: list[AccountResult], names: dict[str, str]) -> None:
        lines = [f"{stack_set}: operation {operation_id} {status.value}"]
        unfinished = [r for r in results if r.status != "SUCCEEDED"]
        for r in unfinished + [r for r in results if r.status == "SUCCEEDED"]:
            who = f"{names.get(r.account, '?')} ({r.account} {r.region})"
            lines.append(f"  {who}: {r.status}{': ' + r.reason if r.reason else ''}")
        retry = dict.fromkeys(names[r.account] for r in unfinished if r.account in names)
        if retry:
            lines.append(f"  retry only these: payctl deploy {' '.join(retry)}")
        super().__init__("\n".join(lines))
        self.results = results


@dataclass(frozen=True)
class AccountFailure:
    """An account that failed inside an operation that SUCCEEDED: with a failure tolerance
    above 0, AWS ends the operation SUCCEEDED while some accounts FAILED (or were CANCELLED)."""

    stack_set: str
    operation_id: str
    result: AccountResult


class FailedAccounts(DeploymentError):
    """The rollout ran to its end, but accounts failed inside operations that SUCCEEDED. Each is
    named with CloudFormation's reason, with the command that retries only their environments."""

    def __init__(self, failures: list[AccountFailure], names: dict[str, str]) -> None:
        lines = ["accounts failed inside operations that SUCCEEDED (within the failure "
                 "tolerance):"]
        for f in failures:
            r = f.result
            lines.append(f"  {f.stack_set} ({f.operation_id}) {names.get(r.account, '?')} "
                         f"({r.account} {r.region}): {r.status}{': ' + r.reason if r.reason else ''}")
        retry = dict.fromkeys(names[f.result.account] for f in failures
                              if f.result.account in names)
        if retry:
            lines.append(f"  retry only these: payctl deploy {' '.join(retry)}")
        super().__init__("\n".join(lines))
        self.failures = failures


def unsuccessful(results: list[AccountResult]) -> list[AccountResult]:
    return [r for r in results if r.status != "SUCCEEDED"]


class Detached(DeploymentError):
    """The waiting stopped while the operation goes on in AWS; it can be watched again."""

    def __init__(self, message: str, stack_set: str, operation_id: str) -> None:
        super().__init__(message)
        self.stack_set = stack_set
        self.operation_id = operation_id
        self.operations: list[tuple[str, str]] = [(stack_set, operation_id)]


class OperationTimeout(Detached):
    pass


class OperationInterrupted(Detached):
    """Ctrl-C or SIGTERM while waiting: the operation goes on in AWS; only the watching
    stopped. Exits 130, or 143 for SIGTERM."""

    exit_code = 130


def signal_code(stop: BaseException) -> int:
    return TERMINATED if isinstance(stop, Terminated) else INTERRUPTED


def interrupted(stack_set: str, operation_id: str, stop: BaseException) -> OperationInterrupted:
    """The error for a signal that stopped the watching of one operation."""
    err = OperationInterrupted(
        f"{'terminated' if isinstance(stop, Terminated) else 'interrupted'}; {stack_set} "
        f"operation {operation_id} keeps running in CloudFormation. Watch it again with: "
        f"{resume_hint(stack_set, operation_id)}", stack_set, operation_id)
    err.exit_code = signal_code(stop)
    return err


class Interrupted(Detached):
    """A signal stopped the watching of several operations at once (the parallel strategy):
    every one of them keeps running and is saved."""

    def __init__(self, stopped: list[Detached], code: int,
                 others: list[BaseException] | None = None) -> None:
        operations = [op for err in stopped for op in err.operations]
        listed = ", ".join(f"{s} {o}" for s, o in operations)
        lines = [f"{'terminated' if code == TERMINATED else 'interrupted'}; "
                 f"{len(operations)} operation(s) keep running in CloudFormation: {listed}"]
        lines += [f"  also: {str(e).splitlines()[0]}" for e in others or []]
        super().__init__("\n".join(lines), *operations[0])
        self.operations = operations
        self.exit_code = code


def resume_hint(stack_set: str, operation_id: str) -> str:
    """deploy and destroy replace this with what they saved; other commands save nothing."""
    return f"payctl deploy --resume {stack_set}:{operation_id}"


def delays(first: float = FIRST_DELAY, factor: float = BACKOFF,
           cap: float = MAX_DELAY) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * factor)


ProgressCallback = Callable[[str, str, OperationStatus, list[AccountResult]], None]


class OperationWaiter:
    """Polls one operation to its end; clock and sleep are injectable for tests and benchmarks.

    `poll_scale` shrinks the delays for an endpoint that runs on scaled time (the emulator's
    `--time-scale`), so a simulated ten-minute operation is watched with the same number of
    calls as a real one."""

    def __init__(self, cloudformation: Any, timeout: float, on_progress: ProgressCallback,
                 names: dict[str, str], sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, poll_scale: float = 1.0) -> None:
        self.cfn = cloudformation
        self.timeout = timeout
        self.on_progress = on_progress
        self.names = names
        self.sleep = sleep
        self.clock = clock
        self.poll_scale = poll_scale

    def results(self, stack_set: str, operation_id: str) -> list[AccountResult]:
        pages = self.cfn.get_paginator("list_stack_set_operation_results").paginate(
            StackSetName=stack_set, OperationId=operation_id,
            PaginationConfig={"PageSize": RESULTS_PAGE})
        return [AccountResult(r["Account"], r["Region"], r["Status"], r.get("StatusReason", ""))
                for page in pages for r in page["Summaries"]]

    def wait(self, stack_set: str, operation_id: str) -> list[AccountResult]:
        try:
            return self._poll(stack_set, operation_id)
        except KeyboardInterrupt as stop:
            raise interrupted(stack_set, operation_id, stop) from None

    def _poll(self, stack_set: str, operation_id: str) -> list[AccountResult]:
        deadline = self.clock() + self.timeout
        for delay in delays(FIRST_DELAY * self.poll_scale, BACKOFF, MAX_DELAY * self.poll_scale):
            operation = self.cfn.describe_stack_set_operation(
                StackSetName=stack_set, OperationId=operation_id)["StackSetOperation"]
            status = OperationStatus.parse(operation["Status"])
            results = self.results(stack_set, operation_id)
            self.on_progress(stack_set, operation_id, status, results)
            if status.done:
                if status is not OperationStatus.SUCCEEDED:
                    raise OperationFailed(stack_set, operation_id, status, results, self.names)
                return results
            if self.clock() + delay > deadline:
                raise OperationTimeout(
                    f"{stack_set}: operation {operation_id} still {status.value} after "
                    f"{self.timeout:.0f} s; it keeps running. Watch it again with: "
                    f"{resume_hint(stack_set, operation_id)}", stack_set, operation_id)
            self.sleep(delay)
        raise AssertionError("unreachable: delays() is endless")

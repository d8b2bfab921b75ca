"""Show StackSet operations as they run: one redrawn line on a terminal, plain lines otherwise.

Progress goes to stderr, so stdout carries only a command's result (text or --output json).

A fleet is shown as counts (done / running / queued / failed, cancelled when any), never a line
per account: at 300 accounts a line per status change is 900 lines per operation. An operation
over a few accounts (`DETAIL_LIMIT`) still names each account. In plain mode a counts line is
printed at each poll that changed them (the waiter's backoff bounds how often: a 20-minute
operation polls 46 times), and every failed account gets its own line with CloudFormation's
reason.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

from scripts.stacksets.operations import AccountResult, OperationStatus

DETAIL_LIMIT = 10  # up to this many accounts, an operation is shown account by account
BUCKETS = {"SUCCEEDED": "done", "RUNNING": "running", "PENDING": "queued", "FAILED": "failed",
           "CANCELLED": "cancelled"}


def tally(results: list[AccountResult]) -> str:
    """`300 accounts: 120 done, 170 running, 10 queued, 0 failed` (cancelled only when any)."""
    counts = Counter(BUCKETS.get(r.status, r.status.lower()) for r in results)
    always = ("done", "running", "queued", "failed")
    shown = [*always, *sorted(k for k in counts if k not in always)]
    return f"{len(results)} accounts: " + ", ".join(f"{counts[k]} {k}" for k in shown)


class Progress:
    def __init__(self, names: dict[str, str], stream: TextIO | None = None,
                 tty: bool | None = None) -> None:
        self.names = names
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._seen: dict[tuple[str, str, str], str] = {}
        self._tallies: dict[str, str] = {}
        self._open_line = False

    def say(self, message: str) -> None:
        self._end_line()
        print(message, file=self.stream, flush=True)

    def __call__(self, stack_set: str, operation_id: str, status: OperationStatus,
                 results: list[AccountResult]) -> None:
        detailed = len(results) <= DETAIL_LIMIT
        if self.tty:
            accounts = ("  ".join(f"{self._name(r)} {r.status}" for r in results)
                        if detailed else tally(results)) or "starting"
            print(f"\r\033[K  {stack_set} {status.value:<9} {accounts}", end="",
                  file=self.stream, flush=True)
            self._open_line = True
            if status.done:
                self._end_line()
            return
        for r in results:
            key = (operation_id, r.account, r.region)
            if self._seen.get(key) != r.status:
                self._seen[key] = r.status
                if detailed or r.status == "FAILED":
                    reason = f"  {r.reason}" if r.reason and r.status == "FAILED" else ""
                    self.say(f"  {stack_set}  {self._name(r):<8} {r.account} {r.region}  "
                             f"{r.status}{reason}")
        if not detailed and self._tallies.get(operation_id) != (line := tally(results)):
            self._tallies[operation_id] = line
            self.say(f"  {stack_set}  {status.value:<9} {line}")

    def _name(self, result: AccountResult) -> str:
        return self.names.get(result.account, result.account)

    def _end_line(self) -> None:
        if self._open_line:
            print(file=self.stream, flush=True)
            self._open_line = False

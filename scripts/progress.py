"""Show StackSet operations as they run: one redrawn line on a terminal, plain lines otherwise.

Progress goes to stderr, so stdout carries only a command's result (text or --output json)."""

from __future__ import annotations

import sys
from typing import TextIO

from scripts.operations import AccountResult, OperationStatus


class Progress:
    def __init__(self, names: dict[str, str], stream: TextIO | None = None,
                 tty: bool | None = None) -> None:
        self.names = names
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._seen: dict[tuple[str, str, str], str] = {}
        self._open_line = False

    def say(self, message: str) -> None:
        self._end_line()
        print(message, file=self.stream, flush=True)

    def __call__(self, stack_set: str, operation_id: str, status: OperationStatus,
                 results: list[AccountResult]) -> None:
        if self.tty:
            accounts = "  ".join(f"{self._name(r)} {r.status}" for r in results) or "starting"
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
                reason = f"  {r.reason}" if r.reason and r.status == "FAILED" else ""
                self.say(f"  {stack_set}  {self._name(r):<8} {r.account} {r.region}  "
                         f"{r.status}{reason}")

    def _name(self, result: AccountResult) -> str:
        return self.names.get(result.account, result.account)

    def _end_line(self) -> None:
        if self._open_line:
            print(file=self.stream, flush=True)
            self._open_line = False

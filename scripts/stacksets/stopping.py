"""What happens when a deploy or destroy is stopped (SIGINT, SIGTERM, or --timeout): every
operation it was watching keeps running in CloudFormation, so each one is saved with the
command's intent, and one message says what is running and the one command that finishes it.

Deciding (which operations, which exit code, what to say) is pure; `saved_on_stop` is the thin
layer that writes the file.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.errors import INTERRUPTED, TERMINATED, ConfigError, DeploymentError, stopped_by
from scripts.stacksets import pending
from scripts.stacksets.operations import Detached, Interrupted, OperationInterrupted


class Stopped(DeploymentError):
    """The command stopped watching; what runs is saved. Exit 130/143 for a signal, 1 for a
    timeout."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def signal_code(err: BaseException) -> int | None:
    """130 or 143 when `err` is (or was caused by) SIGINT or SIGTERM, else None."""
    if isinstance(err, (OperationInterrupted, Interrupted)):
        return err.exit_code
    return stopped_by(err)


def report(saved: pending.Saved, where: Path | None, code: int | None, resume_with: str,
           cause: str = "") -> str:
    """The message for a stop: what keeps running, where it is saved, how to finish."""
    how = {INTERRUPTED: "interrupted", TERMINATED: "terminated"}.get(code or 0, "stopped waiting")
    ops = saved.operations
    if len(ops) == 1:
        lines = [f"{how}; {ops[0][0]} operation {ops[0][1]} keeps running in CloudFormation"]
    elif ops:
        lines = [f"{how}; {len(ops)} operations keep running in CloudFormation:"]
        lines += [f"  {name} {op}" for name, op in ops]
    else:
        lines = [f"{how}; no operation was running"]
    if cause and code is None:
        lines.insert(0, cause.splitlines()[0])
    if saved.intent is not None:
        lines.append(f"the rollout `{saved.intent.again}` did not finish")
    if where is not None:
        lines.append(f"saved in {where}; finish with: {resume_with}")
    return "\n".join(lines)


@contextmanager
def saved_on_stop(build_dir: Path, intent: pending.Intent | None,
                  resume_with: str) -> Iterator[None]:
    """Run the block; if a signal or a timeout stops it, save what runs and raise `Stopped`."""
    try:
        yield
    except BaseException as err:
        code = signal_code(err)
        if code is None and not isinstance(err, Detached):
            raise
        operations = err.operations if isinstance(err, Detached) else []
        earlier, _ = pending.load_quietly(build_dir)  # never drop what an earlier stop saved
        if earlier is not None:
            operations = [*earlier.operations, *operations]
        saved = pending.Saved(tuple(dict.fromkeys(operations)), intent)
        if not saved.operations and intent is None:
            raise
        try:
            with _signals_ignored():  # a second Ctrl-C must not cut the save short
                where: Path | None = pending.save(build_dir, saved)
            note = ""
        except ConfigError as unsaved:
            where, note = None, f"\nwarning: {unsaved}"
        exit_code = code if code is not None else getattr(err, "exit_code", 1)
        raise Stopped(report(saved, where, code, resume_with, str(err)) + note,
                      exit_code) from err


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """SIGINT and SIGTERM do nothing while the block runs (the command is already stopping)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

"""Run one payctl command in this (child) process and write what it cost to a JSON file.

`python -m scripts.bench.drive OUT.json payctl-args...`: the command runs exactly as a user runs
it (the click CLI, AWS_ENDPOINT_URL and PAYCTL_POLL_SCALE from the environment), in its own
process so that its CPU time and peak memory are the deployer's alone (the emulator runs in the
bench's process). Every client the deployer creates counts its calls (Aws.calls); time spent
waiting on operations (any OperationWaiter inside `wait`) is recorded as one union of intervals,
so the bench can tell the deployer's own time from time spent on AWS's (simulated) clock.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

CALLS: Counter[str] = Counter()


class WaitingClock:
    """Real seconds during which at least one operation is being waited on."""

    def __init__(self) -> None:
        self.total = 0.0
        self._active = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
            self._active += 1

    def leave(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self.total += time.perf_counter() - self._since


def instrument(waiting: WaitingClock) -> None:
    """Count every AWS call and time every wait, without changing what either does."""
    from scripts.aws import Aws
    from scripts.operations import OperationWaiter

    count = Aws._count

    def counting(self: Aws, model: Any, **kwargs: Any) -> None:
        count(self, model, **kwargs)
        CALLS[f"{model.service_model.service_name}:{model.name}"] += 1

    wait = OperationWaiter.wait

    def timed_wait(self: OperationWaiter, *args: Any, **kwargs: Any) -> Any:
        waiting.enter()
        try:
            return wait(self, *args, **kwargs)
        finally:
            waiting.leave()

    Aws._count = counting  # type: ignore[method-assign]
    OperationWaiter.wait = timed_wait  # type: ignore[method-assign]


def peak_rss_mib() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the
    parent across fork and exec, so a child started by a big bench would report the bench's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(out: Path, args: list[str]) -> None:
    from scripts.cli import cli

    waiting = WaitingClock()
    instrument(waiting)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    try:
        cli.main(args, prog_name="payctl")
        code = 0
    except SystemExit as err:
        code = int(err.code or 0)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({
        "exit_code": code, "wall_seconds": wall, "waiting_seconds": waiting.total,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # with interpreter start and imports
        "command_cpu_seconds": usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime,
        "peak_rss_mib": peak_rss_mib(),
        "calls": dict(sorted(CALLS.items()))}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

"""Run one payctl command in this (child) process and write what it cost to a JSON file.

`python -m scripts.bench.drive OUT.json payctl-args...`: the command runs exactly as a user runs
it (the click CLI, AWS_ENDPOINT_URL and PAYCTL_POLL_SCALE from the environment), in its own
process so that its CPU time and peak memory are the deployer's alone (the emulator runs in the
bench's process). Every client the deployer creates counts its calls (Aws.calls); time spent
waiting on operations (any OperationWaiter inside `wait`) is recorded as one union of intervals,
so the bench can tell the deployer's own time from time spent on AWS's (simulated) clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

CALLS: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()
LOCK = threading.Lock()


class WaitingClock:
    """Real seconds during which at least one waiter is in a state (waiting on an operation, or
    sleeping between two polls), as one union of intervals; with `paused`, also how long the
    emulator's clock stood still during them."""

    def __init__(self, paused: Callable[[], float] = lambda: 0.0) -> None:
        self.total = 0.0
        self.paused = 0.0
        self._read_paused = paused
        self._active = 0
        self._since = 0.0
        self._paused_since = 0.0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
                self._paused_since = self._read_paused()
            self._active += 1

    def leave(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self.total += time.perf_counter() - self._since
                self.paused += self._read_paused() - self._paused_since


_LAST_PAUSED = [0.0]


def emulator_paused(path: Path) -> float:
    """Real seconds the emulator's clock has stood still so far (the bench writes them, each
    time to a new file renamed into place); the last value read if the file cannot be read."""
    with contextlib.suppress(OSError, ValueError):
        _LAST_PAUSED[0] = max(_LAST_PAUSED[0], float(path.read_text()))
    return _LAST_PAUSED[0]


def follow_the_emulator_clock(paused: Path, sleeping: WaitingClock) -> None:
    """The waiter's sleeps between polls pass on the emulator's simulated clock, not the real
    one: after each, sleep again for as long as the emulator's clock stood still meanwhile (moto
    doing the accounts' work). Otherwise a 300-account operation, whose moto work takes a minute
    of real time, would be polled every 30 simulated seconds through that minute, which AWS
    never sees. `sleeping` times these sleeps: the only part of a wait that passes on AWS's
    clock (a poll's own calls take real time, as they do on AWS)."""
    from scripts.operations import OperationWaiter

    def wrap(inner: Callable[[float], None]) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            mark = emulator_paused(paused)
            sleeping.enter()
            try:
                inner(seconds)
                while (extra := emulator_paused(paused) - mark) > 0.001:
                    mark += extra
                    inner(extra)
            finally:
                sleeping.leave()
        return sleep

    def get(waiter: OperationWaiter) -> Callable[[float], None]:
        return wrap(waiter.__dict__["_bench_sleep"])

    def set_(waiter: OperationWaiter, inner: Callable[[float], None]) -> None:
        waiter.__dict__["_bench_sleep"] = inner

    OperationWaiter.sleep = property(get, set_)  # type: ignore[assignment,method-assign]


def instrument(waiting: WaitingClock) -> None:
    """Count every AWS call and time every wait, without changing what either does."""
    from scripts.aws import Aws
    from scripts.operations import OperationWaiter

    count = Aws._count

    def counting(self: Aws, model: Any, **kwargs: Any) -> None:
        count(self, model, **kwargs)
        CALLS[f"{model.service_model.service_name}:{model.name}"] += 1

    client = Aws.client

    def timing_client(self: Aws, service: str, session: Any = None, **where: Any) -> Any:
        """Also the real seconds each kind of call takes (before-call to after-call)."""
        made = client(self, service, session, **where)
        started: dict[int, float] = {}

        def before(model: Any, context: Any = None, **_: Any) -> None:
            started[threading.get_ident()] = time.perf_counter()

        def after(model: Any, **_: Any) -> None:
            began = started.pop(threading.get_ident(), None)
            if began is not None:
                with LOCK:
                    SECONDS[f"{model.service_model.service_name}:{model.name}"] += \
                        time.perf_counter() - began

        made.meta.events.register("before-call", before)
        made.meta.events.register("after-call", after)
        return made

    wait = OperationWaiter.wait

    def timed_wait(self: OperationWaiter, *args: Any, **kwargs: Any) -> Any:
        waiting.enter()
        try:
            return wait(self, *args, **kwargs)
        finally:
            waiting.leave()

    Aws._count = counting  # type: ignore[method-assign]
    Aws.client = timing_client  # type: ignore[method-assign]
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
    paused = Path(os.environ.get("PAYCTL_BENCH_PAUSED_FILE", "/nonexistent"))
    sleeping = WaitingClock(lambda: emulator_paused(paused))
    follow_the_emulator_clock(paused, sleeping)
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
        "sleeping_seconds": sleeping.total, "emulator_paused_while_sleeping": sleeping.paused,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # with interpreter start and imports
        "command_cpu_seconds": usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime,
        "peak_rss_mib": peak_rss_mib(),
        "calls": dict(sorted(CALLS.items())),
        "call_seconds": {k: round(v, 3) for k, v in sorted(SECONDS.items())}}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

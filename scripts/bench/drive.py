"""Run one payctl command in this (child) process and write what it cost to a JSON file.

`python -m scripts.bench.drive OUT.json payctl-args...`: the command runs exactly as a user runs
it (the click CLI, AWS_ENDPOINT_URL and PAYCTL_POLL_SCALE from the environment), in its own
process so that its CPU time and peak memory are the deployer's alone (the emulator runs in the
bench's process). Every client the deployer creates counts its calls (Aws.calls); time spent
waiting on operations (any OperationWaiter inside `wait`) is recorded as one union of intervals,
and the waiter's sleeps between polls are carried out by the bench on the emulator's clock
(PAYCTL_BENCH_SLEEP_FD), the only time that passes on AWS's (simulated) clock: everything else
is the deployer's own time.
"""

from __future__ import annotations

import json
import os
import resource
import socket
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
    sleeping between two polls), as one union of intervals."""

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

    def so_far(self) -> float:
        """`total`, with the interval still open."""
        with self._lock:
            return self.total + (time.perf_counter() - self._since if self._active else 0.0)


def rollout_clock(sleeping: WaitingClock, sleep: EmulatorSleep, scale: float
                  ) -> Callable[[], float]:
    """The rollout report's clock in the bench (scripts/stacksets/timeline.py divides it by
    `scale`): the emulator's clock, which moves only by the sleeps asked of it (however long
    moto takes meanwhile), plus the deployer's own real time, counted once, as the bench's
    time model has it (model = polled schedule + own time)."""
    def now() -> float:
        return (time.perf_counter() - sleeping.so_far()) * scale + sleep.slept
    return now


class EmulatorSleep:
    """A sleep the bench carries out on the emulator's clock (bench `sleeps_on_the_emulator
    _clock`): `n seconds` out on the socket, `n` back when the clock has moved that far. Several
    threads may sleep at once (the parallel strategy waits on several operations)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._asked = 0
        self._sleepers: dict[int, threading.Event] = {}
        self.slept = 0.0  # how far the emulator's clock has moved for these sleeps
        threading.Thread(target=self._wake, daemon=True).start()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self._asked += 1
            woken = self._sleepers[self._asked] = threading.Event()
            wake = self.slept + seconds  # the clock stands still but for sleeps
            self._sock.sendall(f"{self._asked} {seconds!r}\n".encode())
        woken.wait()
        with self._lock:
            self.slept = max(self.slept, wake)

    def _wake(self) -> None:
        for line in self._sock.makefile():
            with self._lock:
                self._sleepers.pop(int(line)).set()
        with self._lock:  # the bench is gone: nobody will wake them, so never sleep forever
            for woken in self._sleepers.values():
                woken.set()


def sleep_on_the_emulator_clock(sleep: EmulatorSleep | None, sleeping: WaitingClock) -> None:
    """Every waiter's sleeps between polls pass on the emulator's clock, not the real one: the
    bench runs that clock only while someone sleeps, so the rest of the deployer's time (its
    planning, every call, a poll's own round trip) is real time that counts once, as on AWS,
    and moto's work (during which the clock stands still) never shows as polls AWS would not
    see. `sleeping` times the sleeps. Without the bench's socket, a sleep is the waiter's own."""
    from scripts.stacksets.operations import OperationWaiter

    def wrap(inner: Callable[[float], None]) -> Callable[[float], None]:
        def nap(seconds: float) -> None:
            sleeping.enter()
            try:
                (sleep or inner)(seconds)
            finally:
                sleeping.leave()
        return nap

    def get(waiter: OperationWaiter) -> Callable[[float], None]:
        return wrap(waiter.__dict__["_bench_sleep"])

    def set_(waiter: OperationWaiter, inner: Callable[[float], None]) -> None:
        waiter.__dict__["_bench_sleep"] = inner

    OperationWaiter.sleep = property(get, set_)  # type: ignore[assignment,method-assign]


def instrument(waiting: WaitingClock) -> None:
    """Count every AWS call and time every wait, without changing what either does."""
    from scripts.aws.clients import Aws
    from scripts.stacksets.operations import OperationWaiter

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
    from scripts.cli.main import main as payctl

    waiting = WaitingClock()
    instrument(waiting)
    sleeping = WaitingClock()
    fd = os.environ.get("PAYCTL_BENCH_SLEEP_FD")
    emulated = EmulatorSleep(socket.socket(fileno=int(fd))) if fd else None
    sleep_on_the_emulator_clock(emulated, sleeping)
    if emulated:
        from scripts.stacksets import timeline

        timeline.CLOCK = rollout_clock(sleeping, emulated,
                                       float(os.environ.get("PAYCTL_POLL_SCALE", "1")))
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    try:
        payctl(args)  # as the `payctl` entry point runs it
        code = 0
    except SystemExit as err:
        code = int(err.code or 0)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({
        "exit_code": code, "wall_seconds": wall, "waiting_seconds": waiting.total,
        "deployer_own_seconds": wall - sleeping.total,
        "sleeping_seconds": sleeping.total,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # with interpreter start and imports
        "command_cpu_seconds": usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime,
        "peak_rss_mib": peak_rss_mib(),
        "calls": dict(sorted(CALLS.items())),
        "call_seconds": {k: round(v, 3) for k, v in sorted(SECONDS.items())}}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

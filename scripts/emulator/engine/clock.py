"""Simulated AWS time: an operation that takes ten minutes on AWS takes ten minutes times the
scale here, so relative timing stays true while tests and the demo stay fast. Timestamps are
the real clock's, as AWS's are.

The simulated clock stands still while moto does an account's work (`paused`): that work is
serialised (moto's backends are not built for concurrent writers) and costs ~0.2 s of real time
per stack, so without the pause 300 accounts started together would finish 300 stacks' worth of
moto time apart, where on AWS they run side by side. `paused_seconds` says how much real time
the clock stood still, so a benchmark can take it out of what it measured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Real seconds per simulated AWS second: a 10-minute CloudFront distribution takes 3 s.
DEFAULT_SCALE = 0.005


@dataclass
class Clock:
    scale: float = DEFAULT_SCALE
    paused_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def monotonic(self) -> float:
        """Real seconds that count as simulated time: the real clock minus every pause."""
        with self._lock:
            return time.monotonic() - self.paused_seconds

    def deadline(self, aws_seconds: float, since: float | None = None) -> float:
        """The simulated-clock time at which `aws_seconds` of work started at `since` (now by
        default) ends."""
        start = self.monotonic() if since is None else since
        return start + max(0.0, aws_seconds * self.scale)

    def sleep_until(self, deadline: float) -> None:
        """Sleep until the simulated clock reaches `deadline` (a pause pushes it back)."""
        while (left := deadline - self.monotonic()) > 0:
            time.sleep(left)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The clock stands still while the body runs (callers never overlap: WORK_LOCK)."""
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.paused_seconds += time.monotonic() - started

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


CLOCK = Clock()

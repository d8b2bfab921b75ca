"""Simulated AWS time: an operation that takes ten minutes on AWS takes ten minutes times the
scale here, so relative timing stays true while tests and the demo stay fast. Timestamps are
the real clock's, as AWS's are.

The simulated clock stands still while the emulator does an account's work (`paused`): moto's
share is serialised (moto's backends are not built for concurrent writers) and costs ~0.2 s of
real time per stack, so without the pause 300 accounts started together would finish 300
stacks' worth of moto time apart, where on AWS they run side by side. The engine's own
bookkeeping for each account (starting it, recording its result) stands still too: a few
milliseconds per account, which over 300 accounts would otherwise add seconds of real time,
hundreds of simulated seconds, that AWS does not have. Pauses may overlap (the engine's threads
pause independently); the clock stands still while at least one is open. `paused_seconds` says
how much real time it stood still, so a benchmark can take it out of what it measured.
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
    _stood_still: float = 0.0  # real seconds of the pauses that have ended
    _open: int = 0  # pauses under way
    _since: float = 0.0  # when the clock last began to stand still
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def paused_seconds(self) -> float:
        """Real seconds the clock has stood still so far, a pause under way included."""
        with self._lock:
            return self._stood_still + (time.monotonic() - self._since if self._open else 0.0)

    def monotonic(self) -> float:
        """Real seconds that count as simulated time: the real clock minus every pause (it
        does not move during one)."""
        with self._lock:
            return (self._since if self._open else time.monotonic()) - self._stood_still

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
        """The clock stands still while the body runs; overlapping pauses count once."""
        with self._lock:
            if not self._open:
                self._since = time.monotonic()
            self._open += 1
        try:
            yield
        finally:
            with self._lock:
                self._open -= 1
                if not self._open:
                    self._stood_still += time.monotonic() - self._since

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


CLOCK = Clock()

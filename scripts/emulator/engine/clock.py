"""Simulated AWS time: an operation that takes ten minutes on AWS takes ten minutes times the
scale here, so relative timing stays true while tests and the demo stay fast. Timestamps are
the real clock's, as AWS's are."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

# Real seconds per simulated AWS second: a 10-minute CloudFront distribution takes 3 s.
DEFAULT_SCALE = 0.005


@dataclass
class Clock:
    scale: float = DEFAULT_SCALE

    def deadline(self, aws_seconds: float) -> float:
        """The monotonic time at which `aws_seconds` of simulated work started now ends."""
        return time.monotonic() + max(0.0, aws_seconds * self.scale)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


CLOCK = Clock()

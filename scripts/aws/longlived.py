"""What a payctl process loads before it reaches into many accounts lives as long as the process:
frozen out of the cyclic garbage collector's reach, it is not walked again by every collection.

Each botocore client leaves reference cycles behind it, so a fan-out to hundreds of accounts
(the survey for retained resources makes four clients per new account) runs a full collection
every few dozen accounts, and each one walked everything loaded: the service models, endpoint
rules, templates and configuration (~130,000 objects, ~60 ms a walk). Frozen
(`gc.freeze`), they are skipped; what is created afterwards is collected as before.

For the same reason payctl's process collects its youngest generation every 200,000 new
objects rather than every 700 (`gc.set_threshold`): 16 accounts surveyed side by side hold
about that many (four clients each of ~2,700 objects). Collected every 700, a client still in
use is promoted to the oldest generation within milliseconds, and once dropped it is garbage
only a full collection reclaims: at 300 accounts, about 30 full collections took ~35% of
payctl's CPU. A larger young generation lets the clients die young (measured: ~30 MB more
at the peak of a 300-account plan, 225 MB instead of 193).

Only payctl's own process does either (its entry point calls `enable`): where payctl runs
inside another program (the tests invoke the CLI in-process), frozen objects that later became
cyclic garbage would be kept for the rest of that program, and its collector is its own.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

YOUNG_GENERATION = 200_000  # new objects between collections of the youngest generation

_enabled = False


def enable() -> None:
    """This process is payctl's alone (called by `scripts.cli.main`): a larger young
    generation from now on, and `freeze` takes effect."""
    global _enabled
    _enabled = True
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, oldest)


def enabled() -> bool:
    return _enabled


def freeze(load: Callable[[], object]) -> bool:
    """In payctl's own process: `load` what the fan-out will use, then freeze everything alive
    (after a collection, so no garbage is frozen with it). Whether it froze."""
    if not _enabled:
        return False
    load()
    gc.collect()
    gc.freeze()
    return True

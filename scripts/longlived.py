"""What a payctl process loads before it reaches into many accounts lives as long as the process:
frozen out of the cyclic garbage collector's reach, it is not walked again by every collection.

Each botocore client leaves reference cycles behind it, so a fan-out to hundreds of accounts
(the survey for retained resources makes four clients per new account) runs a full collection
every few dozen accounts, and each one walked everything loaded: the service models, endpoint
rules, templates and configuration (~130,000 objects, ~60 ms a walk). Frozen
(`gc.freeze`), they are skipped; what is created afterwards is collected as before.

Only payctl's own process freezes (its entry point calls `enable`): where payctl runs inside
another program (the tests invoke the CLI in-process), frozen objects that later became cyclic
garbage would be kept for the rest of that program.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

_enabled = False


def enable() -> None:
    """This process is payctl's alone (called by `scripts.cli.main`)."""
    global _enabled
    _enabled = True


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

"""One deploy (or destroy) at a time from one checkout: a lock file in build/state/.

Two commands that change the platform from the same build folder would plan against the same
state and overwrite each other's saved operations. The lock holds the owner's pid and host; a
lock whose process is gone on this host is stale and taken over, one held on another host (a
shared folder) is reported with how to remove it, because its owner cannot be checked from here.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from scripts.errors import ConfigError

MAX_BYTES = 4096


class Locked(ConfigError):
    """Another payctl holds the lock: nothing was sent (exit 2)."""


def path(build_dir: Path) -> Path:
    return build_dir / "state" / "deploy.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def holder(data: bytes) -> dict[str, object] | None:
    """The lock's owner as saved, or None if the bytes are not a lock (damaged: stale)."""
    try:
        owner = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not (isinstance(owner, dict) and isinstance(owner.get("pid"), int)
            and isinstance(owner.get("host"), str)):
        return None
    return owner


def stale(owner: dict[str, object] | None, host: str,
          alive: Callable[[int], bool] = _alive) -> bool:
    """A lock nobody holds any more: damaged, or its process is gone on this host."""
    if owner is None:
        return True
    pid = owner["pid"]
    return owner["host"] == host and isinstance(pid, int) and not alive(pid)


@contextmanager
def held(build_dir: Path, command: str) -> Iterator[None]:
    """Hold the checkout's lock while the block runs; a held lock is exit 2 with its owner."""
    target = path(build_dir)
    host = socket.gethostname()
    mine = json.dumps({"pid": os.getpid(), "host": host, "command": command,
                       "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"{target.parent}: cannot write: {err.strerror}") from None
    for _ in range(2):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                data = target.read_bytes()[:MAX_BYTES] if target.is_file() else b""
            except OSError:
                data = b""
            owner = holder(data)
            if stale(owner, host):
                target.unlink(missing_ok=True)  # stale: take it over
                continue
            assert owner is not None
            raise Locked(f"another payctl ({owner.get('command', '?')}, pid {owner['pid']} on "
                         f"{owner['host']}, since {owner.get('since', '?')}) is changing the "
                         f"platform from this checkout; wait for it to finish, or delete {target} "
                         "if that process is gone; nothing was sent") from None
        except OSError as err:
            raise ConfigError(f"{target}: cannot create: {err.strerror}") from None
        with os.fdopen(fd, "w") as out:
            out.write(mine)
        break
    else:
        raise Locked(f"{target}: could not take the lock; nothing was sent")
    try:
        yield
    finally:
        try:
            if target.read_text() == mine:
                target.unlink()
        except OSError:
            pass

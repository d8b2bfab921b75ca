"""The operation a deploy stopped watching (Ctrl-C or timeout), saved so `deploy --resume`
can re-attach to it without the user copying its id.

The file is state the user may have damaged: anything but the exact shape saved (a JSON object
with two short ids) is reported in one line, never trusted."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts.config import read_bytes
from scripts.errors import ConfigError, PlatformError

MAX_BYTES = 4096
STACK_SET = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
OPERATION = re.compile(r"[A-Za-z0-9][-A-Za-z0-9]{0,127}")


def path(build_dir: Path) -> Path:
    return build_dir / "state" / "pending-operation.json"


def save(build_dir: Path, stack_set: str, operation_id: str) -> None:
    target = path(build_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"stack_set": stack_set, "operation_id": operation_id}) + "\n")
    except OSError as err:
        raise ConfigError(f"{target}: cannot write: {err.strerror}; resume with --resume "
                          f"{stack_set}:{operation_id}") from None


def parse(data: bytes) -> tuple[str, str] | None:
    """The (StackSet, operation id) in a saved file's bytes, or None if it is not one."""
    try:
        saved = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(saved, dict):
        return None
    stack_set, operation_id = saved.get("stack_set"), saved.get("operation_id")
    if not (isinstance(stack_set, str) and isinstance(operation_id, str)
            and STACK_SET.fullmatch(stack_set) and OPERATION.fullmatch(operation_id)):
        return None
    return stack_set, operation_id


def load(build_dir: Path) -> tuple[str, str]:
    source = path(build_dir)
    try:
        data = read_bytes(source, MAX_BYTES, too_large="")
    except ConfigError as err:
        if "no such file" not in str(err):
            raise ConfigError(f"--resume: {err}; give STACKSET:OPERATION") from None
        raise ConfigError(f"--resume: no saved operation in {source}; "
                          "give STACKSET:OPERATION") from None
    saved = parse(data)
    if saved is None:
        raise ConfigError(f"--resume: {source} is not a saved operation (damaged?); delete it "
                          "and give STACKSET:OPERATION") from None
    return saved


def clear(build_dir: Path) -> None:
    try:
        path(build_dir).unlink(missing_ok=True)
    except OSError as err:
        raise PlatformError(f"{path(build_dir)}: cannot remove: {err.strerror}") from None

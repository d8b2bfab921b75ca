"""What a stopped deploy or destroy left running, saved so it can be finished without the user
copying operation ids: every operation it stopped watching (all StackSets, all environments)
and the command's intent (which environments, which strategy), so `deploy --resume` re-attaches
to the operations and then re-runs the rollout, which plans against what is deployed and so
does only what remains.

The file is state the user may have damaged: anything but the exact shape saved is reported in
one line, never trusted. The first format (one StackSet and one operation id, no intent) is still
read.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.config.files import read_bytes
from scripts.errors import ConfigError, PlatformError

MAX_BYTES = 65536
STACK_SET = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
OPERATION = re.compile(r"[A-Za-z0-9][-A-Za-z0-9]{0,127}")
ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{0,31}")
COMMANDS = ("deploy", "destroy")
STRATEGIES = ("waves", "parallel")


@dataclass(frozen=True)
class Intent:
    """The command that was stopped, enough to run it again."""

    command: str
    environments: tuple[str, ...]
    strategy: str = "waves"
    allow_data_loss: bool = False

    @property
    def again(self) -> str:
        """The command line that finishes it."""
        if self.command == "destroy":
            return f"payctl destroy {' '.join(self.environments)}"
        extra = " --strategy parallel" if self.strategy == "parallel" else ""
        extra += " --allow-data-loss" if self.allow_data_loss else ""
        return f"payctl deploy {' '.join(self.environments)}{extra}"


@dataclass(frozen=True)
class Saved:
    operations: tuple[tuple[str, str], ...]  # (StackSet, operation id)
    intent: Intent | None = None


def path(build_dir: Path) -> Path:
    return build_dir / "state" / "pending-operation.json"


def encode(saved: Saved) -> str:
    data: dict[str, Any] = {"operations": [{"stack_set": s, "operation_id": o}
                                           for s, o in saved.operations]}
    if saved.intent is not None:
        i = saved.intent
        data["intent"] = {"command": i.command, "environments": list(i.environments),
                          "strategy": i.strategy, "allow_data_loss": i.allow_data_loss}
    return json.dumps(data, indent=2) + "\n"


def save(build_dir: Path, saved: Saved) -> Path:
    """Write atomically (a stop during the write leaves the old file or the new, never half)."""
    target = path(build_dir)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(encode(saved))
        os.replace(temporary, target)
    except OSError as err:
        ids = " ".join(f"{s}:{o}" for s, o in saved.operations)
        raise ConfigError(f"{target}: cannot write: {err.strerror}; resume with --resume "
                          f"{ids}") from None
    return target


def _operation(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    stack_set, operation_id = item.get("stack_set"), item.get("operation_id")
    if not (isinstance(stack_set, str) and isinstance(operation_id, str)
            and STACK_SET.fullmatch(stack_set) and OPERATION.fullmatch(operation_id)):
        return None
    return stack_set, operation_id


def _intent(item: Any) -> Intent | None:
    if not isinstance(item, dict):
        return None
    command, envs = item.get("command"), item.get("environments")
    strategy, loss = item.get("strategy", "waves"), item.get("allow_data_loss", False)
    if command not in COMMANDS or strategy not in STRATEGIES or not isinstance(loss, bool) or \
            not isinstance(envs, list) or not envs or not all(
                isinstance(e, str) and ENVIRONMENT.fullmatch(e) for e in envs):
        return None
    return Intent(command, tuple(envs), strategy, loss)


def parse(data: bytes) -> Saved | None:
    """The saved state in a file's bytes, or None if it is not one."""
    try:
        saved = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(saved, dict):
        return None
    if "operations" not in saved:  # the first format: one operation, no intent
        one = _operation(saved)
        return Saved((one,)) if one else None
    items = saved["operations"]
    if not isinstance(items, list) or len(items) > 64:
        return None
    operations = [_operation(i) for i in items]
    intent = _intent(saved["intent"]) if "intent" in saved else None
    if any(o is None for o in operations) or ("intent" in saved and intent is None) or \
            (not operations and intent is None):
        return None
    return Saved(tuple(o for o in operations if o), intent)


def load(build_dir: Path) -> Saved:
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


def existing(build_dir: Path) -> Saved | None:
    """The saved state a deploy or destroy must know about before it sends anything, or None.
    A damaged file is refused (exit 2): it may name operations still running, and a command
    that went ahead would overwrite the only record of them when it stops."""
    source = path(build_dir)
    if not source.exists() and not source.is_symlink():
        return None
    data = read_bytes(source, MAX_BYTES, too_large="")
    saved = parse(data)
    if saved is None:
        raise ConfigError(f"{source}: not a saved rollout (damaged?); `payctl status` shows "
                          "what is still running: delete the file and run again")
    return saved


def load_quietly(build_dir: Path) -> tuple[Saved | None, str]:
    """The saved state if there is a valid one, else None and why (one line; '' when absent)."""
    if not path(build_dir).exists():
        return None, ""
    try:
        return load(build_dir), ""
    except ConfigError as err:
        return None, str(err).removeprefix("--resume: ")


def clear(build_dir: Path) -> None:
    try:
        path(build_dir).unlink(missing_ok=True)
    except OSError as err:
        raise PlatformError(f"{path(build_dir)}: cannot remove: {err.strerror}") from None

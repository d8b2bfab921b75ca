"""The operation a deploy stopped watching (Ctrl-C or timeout), saved so `deploy --resume`
can re-attach to it without the user copying its id."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.errors import ConfigError


def path(build_dir: Path) -> Path:
    return build_dir / "state" / "pending-operation.json"


def save(build_dir: Path, stack_set: str, operation_id: str) -> None:
    target = path(build_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"stack_set": stack_set, "operation_id": operation_id}) + "\n")


def load(build_dir: Path) -> tuple[str, str]:
    try:
        saved = json.loads(path(build_dir).read_text())
        return saved["stack_set"], saved["operation_id"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        raise ConfigError(f"--resume: no saved operation in {path(build_dir)}; "
                          "give STACKSET:OPERATION") from None


def clear(build_dir: Path) -> None:
    path(build_dir).unlink(missing_ok=True)

"""cfn-lint over every built template in one in-process run, so its rules load once."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def lint_templates(paths: Iterable[Path], regions: tuple[str, ...] = ("us-east-1",)) -> list[str]:
    """One line per cfn-lint error or warning (informational matches are not failures)."""
    from cfnlint.api import ManualArgs, lint_by_config

    matches = lint_by_config(ManualArgs(templates=[str(p) for p in paths], regions=list(regions)))
    return [f"{m.filename}:{m.linenumber}: {m.rule.id} {m.message}"
            for m in matches if m.rule.severity in ("error", "warning")]

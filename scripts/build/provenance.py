"""Where a deploy comes from: the git revision, and whether the sources that shape it (templates,
parameter files, Lambda code) had uncommitted changes. An operation labelled with a commit must
be that commit; otherwise its label says `-dirty`, and `deploy --require-clean` refuses it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WATCHED = ("templates_py", "params", "lambdas")
UNVERSIONED = "unversioned"
DIRTY = "-dirty"
GIT_TIMEOUT = 10


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                              text=True, timeout=GIT_TIMEOUT).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def uncommitted(root: Path = ROOT, params_dir: Path | None = None) -> list[str] | None:
    """Paths under the watched folders that differ from HEAD (untracked files included); a
    params folder outside the checkout counts as uncommitted. None outside a git checkout."""
    listing = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *WATCHED)
    if listing is None:
        return None
    changed = [line[3:] for line in listing.splitlines() if line[3:]]
    if params_dir is not None and not _inside(params_dir, root):
        changed.append(f"{params_dir} (parameter files outside the git checkout)")
    return changed


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def revision(root: Path = ROOT, params_dir: Path | None = None) -> str:
    """`3f2a9c1d`, or `3f2a9c1d-dirty` when the watched sources have uncommitted changes."""
    head = (_git(root, "rev-parse", "--short=8", "HEAD") or "").strip()
    if not head:
        return UNVERSIONED
    return head + (DIRTY if uncommitted(root, params_dir) else "")

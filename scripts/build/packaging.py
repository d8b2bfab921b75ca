"""Deterministic, content-addressed Lambda zips.

StackSets deploy whatever S3 key the template names, so new code must mean a new key and
unchanged code the same key: otherwise every deploy would look like a change (or a change would
go unnoticed). The key is therefore the SHA-256 of the zip, and the zip's bytes depend only on
the sources: sorted entries, fixed timestamps and permissions, no caches.

Each function folder under `lambdas/` (one with a `handler.py`) becomes one zip with its files
at the root, plus the shared modules of `lambdas/common/`, so `handler.handler` resolves and
the helpers import as top-level modules. No boto3 here: uploading is the caller's business.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HANDLER_FILE = "handler.py"
SHARED_DIR = "common"
KEY_PREFIX = "lambdas"
# The earliest date a zip header can hold; any fixed value works, this one is conventional.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX = 3  # "made by" system, so unzip and Lambda honour the mode bits on every build host
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")
FUNCTION_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Package:
    """One built function zip and where it belongs in the artifacts bucket."""

    function: str
    zip_path: Path | None  # None when only the digest was wanted (plan writes nothing)
    sha256: str

    @property
    def s3_key(self) -> str:
        return f"{KEY_PREFIX}/{self.function}/{self.sha256}.zip"


def _included(relative: Path) -> bool:
    return (not any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts)
            and not relative.name.endswith(SKIPPED_SUFFIXES))


def _files(directory: Path) -> dict[str, Path]:
    """Archive name -> file, for every file that belongs in a zip (caches and dotfiles excluded)."""
    return {path.relative_to(directory).as_posix(): path
            for path in directory.rglob("*")
            if path.is_file() and _included(path.relative_to(directory))}


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip whose bytes depend only on the entries' names and contents.

    Entries are stored, not deflated: deflate output varies between zlib builds (zlib-ng,
    Chromium's, system zlib), which would give one source tree different digests on different
    hosts. The sources are a few kilobytes, so size does not matter.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, data)
    return buffer.getvalue()


def build_package(source_dir: Path, out_dir: Path | None,
                  shared_dirs: Sequence[Path] = ()) -> Package:
    """Zip one function folder (plus shared folders) into `out_dir/<function>.zip`, or only in
    memory when `out_dir` is None.

    A file present in both the function and a shared folder is an error rather than a silent
    override: which copy Lambda imports would depend on packaging order.
    """
    function = source_dir.name
    if not FUNCTION_NAME.fullmatch(function):
        raise ValueError(f"{source_dir}: function folder names must match {FUNCTION_NAME.pattern}")
    if not (source_dir / HANDLER_FILE).is_file():
        raise ValueError(f"{source_dir}: no {HANDLER_FILE}, so Lambda could not find handler.handler")
    files = _files(source_dir)
    for shared in shared_dirs:
        for name, path in _files(shared).items():
            if name in files:
                raise ValueError(f"{function}: {name} exists in both {source_dir} and {shared}")
            files[name] = path
    data = zip_bytes((name, path.read_bytes()) for name, path in files.items())
    if out_dir is None:
        return Package(function, None, hashlib.sha256(data).hexdigest())
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{function}.zip"
    # Write then rename, so an interrupted build never leaves a truncated zip behind for upload.
    partial = zip_path.with_suffix(".zip.partial")
    partial.write_bytes(data)
    os.replace(partial, zip_path)
    return Package(function, zip_path, hashlib.sha256(data).hexdigest())


def function_dirs(lambdas_dir: Path) -> list[Path]:
    """Every folder under `lambdas_dir` with a handler.py, in name order."""
    return sorted(path.parent for path in lambdas_dir.glob(f"*/{HANDLER_FILE}"))


def build_all(lambdas_dir: Path, out_dir: Path | None) -> list[Package]:
    """Package every function under `lambdas_dir`, each with `lambdas_dir/common` included."""
    functions = function_dirs(lambdas_dir)
    if not functions:
        raise ValueError(f"{lambdas_dir}: no function folders (subfolders with {HANDLER_FILE})")
    shared = [lambdas_dir / SHARED_DIR] if (lambdas_dir / SHARED_DIR).is_dir() else []
    return [build_package(source, out_dir, shared) for source in functions]

"""Copies of params/ that tests break on purpose."""

from __future__ import annotations

from pathlib import Path

import yaml

PARAMS = Path(__file__).resolve().parent.parent / "params"


def edit(path: Path, dotted: str, value: object) -> None:
    """Set (or, with KeyError as the value, delete) one dotted key of a YAML file."""
    data = yaml.safe_load(path.read_text())
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[leaf]
    else:
        node[leaf] = value
    path.write_text(yaml.safe_dump(data))

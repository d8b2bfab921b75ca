"""Reading a file someone may have damaged, in bounded time and memory.

A parameter file, a built template or a saved rollout is read only if it is a regular file
(opened without blocking, checked after opening: a FIFO or /dev/zero is never read), up to a
size limit; YAML is parsed strictly (no duplicate or non-text keys, no merge keys) with a bound
on its values and nesting, so an alias bomb is refused while it is still small. Every problem
is one ConfigError naming the file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from scripts.errors import ConfigError

MAX_FILE_BYTES = 1 << 20
# A parameter file has a few dozen nodes (additional_account_ids may list up to 2000 accounts);
# an alias counts as every node it stands for, so an alias bomb stops before it costs memory.
MAX_NODES = 5_000
MAX_DEPTH = 32
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with bounds: no duplicate keys (plain YAML lets the last one win), string keys
    only, no merge keys, and at most MAX_NODES nodes (an alias counts as every node it stands
    for) nested at most MAX_DEPTH deep, so an alias bomb is refused while it is still small."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def _charge(self, count: int, mark: yaml.Mark | None) -> None:
        self._nodes += count
        if self._nodes > MAX_NODES:
            line = f"line {mark.line + 1}: " if mark else ""
            raise ConfigError(f"{line}more than {MAX_NODES} values (an alias counts as all it "
                              "stands for); not a parameter file")

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._charge(self._sizes.get(id(node), 1), mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConfigError(f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        before = self._nodes
        self._charge(1, mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = self._nodes - before
        return node


MERGE_TAG = "tag:yaml.org,2002:merge"


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        line = f"line {key_node.start_mark.line + 1}"
        if key_node.tag == MERGE_TAG:
            raise ConfigError(f"{line}: <<: YAML merge keys are not supported; write the keys out")
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
            raise ConfigError(f"{line}: {kind} as a key: keys must be text on one line")
        key = loader.construct_object(key_node)
        if not isinstance(key, str) or CONTROL.search(key):
            raise ConfigError(f"{line}: {short(key)}: keys must be text on one line")
        if key in seen:
            raise ConfigError(f"{line}: {key}: duplicate key")
        seen.add(key)
    return loader.construct_mapping(node)


def short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES,
               too_large: str = "; not a parameter file") -> bytes:
    """The bytes of the regular file at `path` (symlinks followed, as the kernel bounds them), at
    most `limit` of them, or a ConfigError naming the file. Opened without blocking and checked
    after opening, so a FIFO, a device such as /dev/zero or a directory is refused, never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ConfigError(f"{path}: not a regular file ({_kind(mode)})")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as err:
            raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    if len(data) > limit:
        raise ConfigError(f"{path}: larger than {_size(limit)}{too_large}")
    return data


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def read_yaml(path: Path) -> dict[str, Any]:
    """The YAML mapping in `path`, or a ConfigError naming the file."""
    try:
        text = read_bytes(path).decode("utf-8")
        data = yaml.load(text, Loader=_StrictLoader)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except ConfigError as err:
        if str(err).startswith(str(path)):
            raise
        raise ConfigError(f"{path}: {err}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply; not a parameter file") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or "syntax error"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if data is None:
        raise ConfigError(f"{path}: empty file; expected a mapping of settings")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, found {type(data).__name__}")
    return data

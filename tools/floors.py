"""Check that `make test-lowest` ran every direct dependency at the floor setup.cfg declares.

uv's lowest-direct resolution can only go as low as the other packages allow (cfn-lint 1.58
needs PyYAML 6.0.3, for one); a floor below what got installed would be a claim no test made.
Run with the virtualenv's python; prints each dependency above its floor or without one, exit 1.
"""

from __future__ import annotations

import configparser
import sys
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version


def floors(setup_cfg: Path) -> dict[str, Version | None]:
    """Each direct dependency's declared floor (None: it declares none)."""
    config = configparser.ConfigParser()
    config.read(setup_cfg)
    lines = config["options"]["install_requires"].splitlines()
    for extra in config["options.extras_require"].values():
        lines += extra.splitlines()
    found: dict[str, Version | None] = {}
    for line in filter(None, (line.strip() for line in lines)):
        requirement = Requirement(line)
        lowest = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        found[requirement.name] = lowest[0] if lowest else None
    return found


def main() -> int:
    untested = []
    for name, floor in floors(Path(__file__).resolve().parent.parent / "setup.cfg").items():
        installed = Version(version(name))
        if floor is None:
            untested.append(f"{name}: setup.cfg declares no floor (>=)")
        elif installed != floor:
            untested.append(f"{name}: setup.cfg says >={floor}, {installed} was installed")
    for line in untested:
        print(f"floor not tested: {line}", file=sys.stderr)
    return 1 if untested else 0

if __name__ == "__main__":
    sys.exit(main())

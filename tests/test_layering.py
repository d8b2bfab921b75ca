"""The layers of scripts/ (its docstring draws them): a package imports only the ones below it,
and nothing but the commands that start the emulator (and the benchmark) imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
# Lowest first, as scripts/__init__.py lists them.
LAYERS = ("errors", "aws", "config", "checks", "build", "plan", "stacksets", "actions", "cli",
          "bench")
# The emulator stands beside the layers: it reads AWS's published facts, nothing of the deployer.
EMULATOR_MAY_IMPORT = {"errors", "aws", "emulator"}
STARTS_THE_EMULATOR = {"cli/commands/emulator.py", "cli/commands/demo.py"}


def imports(path: Path) -> set[str]:
    """The scripts packages a module imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]  # `from scripts import x`
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("scripts.")}
    return found


def package_of(path: Path) -> str:
    return path.relative_to(SCRIPTS).parts[0].removesuffix(".py")


MODULES = sorted(p for p in SCRIPTS.rglob("*.py") if p.name != "__init__.py" or p.parent != SCRIPTS)


def test_the_top_level_holds_only_packages_and_the_errors_every_layer_shares() -> None:
    loose = sorted(p.name for p in SCRIPTS.glob("*.py"))
    assert loose == ["__init__.py", "errors.py"]
    packages = {p.name for p in SCRIPTS.iterdir() if (p / "__init__.py").exists()}
    assert packages == (set(LAYERS) - {"errors"}) | {"emulator"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_a_module_imports_only_its_own_layer_and_those_below(path: Path) -> None:
    own = package_of(path)
    used = imports(path) - {own}
    if own == "emulator":
        assert used <= EMULATOR_MAY_IMPORT, f"the emulator imports the deployer's {used - EMULATOR_MAY_IMPORT}"
        return
    below = set(LAYERS[:LAYERS.index(own)])
    if str(path.relative_to(SCRIPTS)) in STARTS_THE_EMULATOR or own == "bench":
        below.add("emulator")
    assert used <= below, f"{path.relative_to(SCRIPTS)} imports {sorted(used - below)}, above it"


@pytest.mark.parametrize("package", sorted(set(LAYERS) - {"errors"} | {"emulator"}))
def test_every_package_says_what_it_owns_and_what_it_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((SCRIPTS / package / "__init__.py").read_text())) or ""
    assert "May import" in doc, f"scripts/{package}'s docstring does not say what it may import"


def test_the_layering_check_sees_an_import_that_points_up(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scripts.cli.main import main\nimport scripts.plan.decide\n")
    assert imports(module) == {"cli", "plan"}

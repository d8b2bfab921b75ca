"""Docs that cannot rot: every fenced `payctl ...` and `make ...` line in README.md and docs/
names a command, options and environments that exist, and the README's command table is the
CLI's command list.

A line is parsed by payctl's own click commands (without running them), so an unknown command
or option, a bad choice (`--strategy fastest`) or a missing value fails here as it would for a
user; environment arguments go through the same alias table the CLI uses.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from scripts.cli.main import cli
from scripts.config.reader import resolve_environment
from scripts.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PAYCTL = ("payctl", ".venv/bin/payctl")
GLOBAL_OPTIONS_WITH_VALUES = {name for p in cli.params if isinstance(p, click.Option) and not p.is_flag
                              for name in p.opts}
# Parameters whose values are environment names.
ENVIRONMENT_PARAMS = ("environments", "environment", "confirm_environment", "yes_delete_data")


def fenced_lines(text: str) -> list[str]:
    """The lines inside ``` blocks, with backslash continuations joined."""
    lines, inside, pending = [], False, ""
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines


def command_of(line: str) -> tuple[str, list[str]] | None:
    """('payctl' | 'make', its arguments) for a command line (a `$ ` prompt, VAR=value
    prefixes and a trailing `&` allowed), None for any other line."""
    text = line.strip().removeprefix("$ ")
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return None
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
        words = words[1:]
    if words and words[-1] == "&":
        words = words[:-1]
    if not words:
        return None
    if words[0] in PAYCTL:
        return "payctl", words[1:]
    if words[0] == "make":
        return "make", words[1:]
    return None


def documented() -> list[tuple[str, str, list[str]]]:
    found = []
    for page in PAGES:
        for line in fenced_lines(page.read_text()):
            command = command_of(line)
            if command:
                found.append((f"{page.relative_to(ROOT)}: {line.strip()}", *command))
    return found


def payctl_problem(args: list[str]) -> str | None:
    """Why payctl would refuse these arguments before running anything, or None."""
    start = 0  # the command is the first word that is neither a global option nor its value
    while start < len(args) and args[start].startswith("-"):
        start += 2 if args[start] in GLOBAL_OPTIONS_WITH_VALUES else 1
    try:
        parent = cli.make_context("payctl", args[:start + 1])
        if start == len(args) or args[start] not in cli.commands:
            return f"no command among {args}"
        name = args[start]
        context = cli.commands[name].make_context(name, args[start + 1:], parent=parent)
    except click.exceptions.Exit:
        return None  # --help, --version
    except click.ClickException as err:
        return err.format_message()
    for param in ENVIRONMENT_PARAMS:
        value = context.params.get(param)
        for env in [value] if isinstance(value, str) else value or ():
            try:
                resolve_environment(env)
            except ConfigError as err:
                return str(err)
    return None


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9_-]*):(?!=)", text, re.M))


DOCUMENTED = documented()


def test_the_pages_hold_command_lines() -> None:
    kinds = {kind for _, kind, _ in DOCUMENTED}
    assert kinds == {"payctl", "make"}
    assert len(DOCUMENTED) > 30


@pytest.mark.parametrize(("where", "kind", "args"), DOCUMENTED, ids=[w for w, _, _ in DOCUMENTED])
def test_a_documented_command_line_exists(where: str, kind: str, args: list[str]) -> None:
    if kind == "make":
        unknown = [a for a in args if not a.startswith("-") and "=" not in a
                   and a not in make_targets()]
        assert not unknown, f"no make target {unknown}"
    else:
        assert payctl_problem(args) is None, payctl_problem(args)


@pytest.mark.parametrize(("line", "problem"), [
    ("payctl shipit dev", "no command"),
    ("payctl --build-dir build", "no command"),
    ("payctl deploy dev --no-such-flag", "No such option"),
    ("payctl deploy dev --strategy fastest", "fastest"),
    ("payctl plan qa", "qa"),
    ("payctl destroy dev --yes --confirm-environment prd", "prd"),
    ("$ AWS_PROFILE=x payctl --output yaml status", "yaml"),
])
def test_the_check_refuses_what_payctl_refuses(line: str, problem: str) -> None:
    kind, args = command_of(line) or ("", [])
    assert kind == "payctl"
    assert problem in (payctl_problem(args) or "")


def test_the_check_refuses_an_unknown_make_target() -> None:
    assert "release" not in make_targets()
    assert {"demo", "test", "templates", "test-lowest"} <= make_targets()


def test_the_readme_command_table_is_the_cli() -> None:
    readme = (ROOT / "README.md").read_text()
    table = re.findall(r"^\| `payctl ([a-z]+)` \|", readme, re.M)
    assert sorted(table) == sorted(cli.commands)


def test_every_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, f"README does not link docs/{page.name}"

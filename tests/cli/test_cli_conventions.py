"""Command-line conventions (issue 16): global options anywhere, --version, --debug, --output,
progress on stderr, NO_COLOR, relative paths, documented exit codes, files the CLI owns, honest
provenance and unique operation ids."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scripts.actions.desired import operation_ids
from scripts.build import provenance
from scripts.build import render as build
from scripts.cli.commands.common import make_rollout
from scripts.cli.main import cli
from scripts.cli.support import Options, describe, make_options, relative
from scripts.config.reader import load_config
from scripts.stacksets import pending
from scripts.stacksets.progress import Progress

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9"
REPORTING = ("deploy", "destroy", "drift", "manifest", "bootstrap", "status", "plan")
OPERATION_ID = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")


def invoke(*args: str, **kwargs: Any) -> Any:
    return CliRunner().invoke(cli, list(args), **kwargs)


# -- global options, --version, --output, --debug -----------------------------------------------

def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"payctl \S+\n", result.output)


@pytest.mark.parametrize("command", REPORTING)
def test_every_reporting_command_takes_the_global_options(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    for option in ("--params-dir", "--build-dir", "--profile", "--region", "--endpoint-url",
                   "--output [text|json|markdown]", "--debug", "--no-color"):
        assert option in result.output, option


def test_global_options_after_the_subcommand(params: Path, tmp_path: Path) -> None:
    """`payctl deploy dev --params-dir ...` is what `payctl --params-dir ... deploy dev` is."""
    (params / "dev.yaml").write_text("lambda: {memory_mb: 512.0}\n")
    before = invoke("--params-dir", str(params), "--endpoint-url", UNREACHABLE, "plan", "dev")
    after = invoke("plan", "dev", "--params-dir", str(params), "--endpoint-url", UNREACHABLE)
    assert before.exit_code == after.exit_code == 2
    assert before.output == after.output
    assert after.output.startswith(f"error: {params / 'dev.yaml'}: ")


def test_an_option_after_the_subcommand_wins(params: Path, tmp_path: Path) -> None:
    result = invoke("--region", "eu-west-1", "status", "--region", "nowhere")
    assert (result.exit_code, result.output) == (
        2, "error: --region: 'nowhere' is not an AWS region name (e.g. us-east-1)\n")


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("something nobody expected\nsecond line")

    monkeypatch.setattr("scripts.cli.commands.common.load_config", broken)
    result = invoke("plan", "dev")
    assert result.exit_code == 1
    assert result.output == ("error: unexpected RuntimeError: something nobody expected second "
                             "line (run again with --debug for the traceback)\n")
    for args in (("--debug", "plan", "dev"), ("plan", "dev", "--debug")):
        result = invoke(*args)
        assert result.exit_code == 1
        assert "Traceback (most recent call last)" in result.output
        assert result.output.splitlines()[-1].startswith("error: unexpected RuntimeError")


def test_an_os_error_names_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise PermissionError(13, "Permission denied", str(Path.cwd() / "build" / "x.json"))

    monkeypatch.setattr("scripts.cli.commands.common.load_config", broken)
    result = invoke("plan", "dev")
    assert (result.exit_code, result.output) == (1, "error: build/x.json: Permission denied\n")


@pytest.mark.parametrize(("raised", "code", "line"), [
    (KeyboardInterrupt, 130, "error: interrupted"),
    (MemoryError, 1, "error: unexpected MemoryError (run again with --debug for the traceback)"),
])
def test_interrupts_and_the_unexpected(monkeypatch: pytest.MonkeyPatch, raised: type,
                                       code: int, line: str) -> None:
    def broken(*_: Any) -> None:
        raise raised

    monkeypatch.setattr("scripts.cli.commands.common.load_config", broken)
    result = invoke("plan", "--all")
    assert result.exit_code == code
    assert result.output.strip().splitlines() == [line]


def test_exit_codes_are_distinct_and_documented() -> None:
    manual = (ROOT / "docs" / "operating.md").read_text()
    table = manual[manual.index("| exit code |"):]
    for code in ("| 0 ", "| 1 ", "| 2 ", "| 3 ", "| 130 ", "| 143 "):
        assert code in table, code


@pytest.mark.parametrize(("sig", "code", "line"), [(signal.SIGINT, 130, "error: interrupted"),
                                                    (signal.SIGTERM, 143, "error: terminated")])
def test_signals_end_with_their_exit_code(tmp_path: Path, sig: int, code: int, line: str) -> None:
    """A real process, stopped while a command runs: one line, 130 for SIGINT, 143 for SIGTERM."""
    script = tmp_path / "slow.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        import scripts.cli.commands.common as common
        def slow(*_):
            print("ready", flush=True)
            time.sleep(30)
        common.load_config = slow
        from scripts.cli.main import main
        sys.argv = ["payctl", "plan", "dev"]
        main()
    """))
    process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == code
    assert stderr.strip().splitlines() == [line]


# -- output streams, colour, paths --------------------------------------------------------------

def test_progress_goes_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    Progress({}).say("working")
    assert err.getvalue() == "working\n"


def test_no_color_turns_terminal_control_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = (tmp_path, tmp_path, None, None, None, "text", None)
    assert make_options(*base, None).color
    assert not make_options(*base, True).color
    monkeypatch.setenv("NO_COLOR", "1")
    opts = make_options(*base, None)
    assert not opts.color
    rollout = make_rollout(opts, load_config(ROOT / "params"))
    assert rollout.progress.tty is False


def test_paths_inside_the_working_directory_are_relative(params: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (params / "prod.yaml").write_text("account_id: 1\n")
    result = invoke("--params-dir", str(params), "--endpoint-url", UNREACHABLE, "plan", "prod")
    assert result.exit_code == 2
    assert result.output.startswith("error: params/prod.yaml: ")
    assert relative(Path("/elsewhere/x"), tmp_path) == Path("/elsewhere/x")


# -- exit codes of drift and plan ---------------------------------------------------------------

def test_drift_found_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts.actions.drift import InstanceDrift

    found = [InstanceDrift("payment-platform", "dev", "123456789012", "DRIFTED")]
    monkeypatch.setattr("scripts.actions.drift.detect", lambda *_: found)
    result = invoke("--endpoint-url", UNREACHABLE, "drift", "dev", "--output", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)[0]["status"] == "DRIFTED"


def test_a_failure_is_1_and_input_is_2() -> None:
    from scripts.errors import ConfigError, DeploymentError

    assert describe(DeploymentError("x"))[1] == 1
    assert describe(ConfigError("x"))[1] == 2


# -- files the CLI owns -------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["plan", "status", "drift"])
def test_plan_status_and_drift_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             command: str) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    out = tmp_path / "build"
    result = invoke("--endpoint-url", UNREACHABLE, "--build-dir", str(out), command, "dev")
    assert result.exit_code == 1, result.output  # the endpoint does not answer: a failure
    assert result.output.splitlines()[-1].startswith("error: ")
    assert "Could not connect to the endpoint URL" in result.output
    assert not out.exists()


def test_rendering_for_a_plan_writes_nothing(tmp_path: Path) -> None:
    config = load_config(ROOT / "params")
    opts = Options(ROOT / "params", tmp_path / "build", None, None, UNREACHABLE)
    rollout = make_rollout(opts, config)
    desired = rollout.desired(list(config.environments.values()), upload=False)
    assert {d.name for d in desired} == {"payment-platform", "payment-platform-edge"}
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("damage", [b"", b"\x00\xff binary", b"{ corrupt", b"[]", "dir"])
def test_a_damaged_built_template_is_rebuilt(tmp_path: Path, damage: bytes | str) -> None:
    params = str(ROOT / "params")
    assert invoke("--params-dir", params, "--build-dir", str(tmp_path), "build").exit_code == 0
    target = tmp_path / "templates" / "payment-platform.json"
    good = target.read_bytes()
    target.unlink()
    if damage == "dir":
        target.mkdir()
        (target / "inner").write_text("x")
        result = invoke("--params-dir", params, "--build-dir", str(tmp_path), "build")
        assert (result.exit_code, result.output) == (
            2, f"error: {target}: cannot write: a directory is in the way\n")
        return
    target.write_bytes(damage)  # type: ignore[arg-type]
    result = invoke("--params-dir", params, "--build-dir", str(tmp_path), "build")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("1 changed\n")
    assert target.read_bytes() == good


@pytest.mark.parametrize("damage", [None, b"\x00\xff", b"{", b"[1]"])
def test_a_damaged_or_missing_template_is_reported_by_diagram(tmp_path: Path,
                                                              damage: bytes | None) -> None:
    (tmp_path / "templates").mkdir()
    target = tmp_path / "templates" / "payment-platform.json"
    if damage is not None:
        target.write_bytes(damage)
    result = invoke("--build-dir", str(tmp_path), "diagram")
    assert result.exit_code == 2
    expected = "no such file" if damage is None else "not a built template (damaged?)"
    assert result.output == f"error: {target}: {expected}; run `payctl build`\n"


def test_saved_operation_round_trip_and_shapes(tmp_path: Path) -> None:
    saved = pending.Saved((("payment-platform", "update-dev-3f2a9c1d-20261122T134205Z-1-9b1c3e"),
                           ("payment-platform-edge", "add-dev-3f2a9c1d-20261122T134205Z-2-9b1c3e")),
                          pending.Intent("deploy", ("dev", "staging"), "parallel", False))
    pending.save(tmp_path, saved)
    assert pending.load(tmp_path) == saved
    assert saved.intent is not None and saved.intent.again == \
        "payctl deploy dev staging --strategy parallel"
    # the first format (one operation, no intent) is still read
    first = b'{"stack_set": "payment-platform", "operation_id": "op-1"}'
    assert pending.parse(first) == pending.Saved((("payment-platform", "op-1"),))
    for data in (b"{}", b"[]", b"\xff", b'{"stack_set": ["x"], "operation_id": "y"}',
                 b'{"operations": []}', b'{"operations": [{"stack_set": "p"}]}',
                 b'{"operations": [], "intent": {"command": "rm -rf", "environments": ["dev"]}}',
                 b'{"operations": [], "intent": {"command": "deploy", "environments": []}}',
                 b'{"operations": [], "intent": {"command": "deploy", "environments": ["dev"],'
                 b' "strategy": "all-at-once"}}'):
        assert pending.parse(data) is None


# -- provenance and operation ids ---------------------------------------------------------------

def test_operation_ids_are_unique_within_one_second() -> None:
    frozen = datetime(2026, 11, 22, 13, 42, 5, tzinfo=UTC)
    ids = {operation_ids("3f2a9c1d", now=lambda: frozen)("update", ["dev"]) for _ in range(200)}
    assert len(ids) == 200  # two processes in the same second: the counters both start at 1
    for op in ids:
        assert OPERATION_ID.fullmatch(op) and len(op) <= 128
        assert re.fullmatch(r"update-dev-3f2a9c1d-20261122T134205Z-1-[0-9a-f]{6}", op), op


def test_operation_ids_keep_their_unique_tail_when_long() -> None:
    make = operation_ids("3f2a9c1d-dirty", token=lambda: "abcdef")
    op = make("update" * 30, ["dev", "staging", "prod"])
    assert len(op) == 128 and OPERATION_ID.fullmatch(op)
    assert op.endswith("-3f2a9c1d-dirty-" + op.split("-")[-3] + "-1-abcdef")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


def test_provenance_says_dirty_for_uncommitted_sources(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for folder in ("templates_py", "params", "lambdas", "docs"):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "a.txt").write_text("1")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "init")
    clean = provenance.revision(repo)
    assert re.fullmatch(r"[0-9a-f]{8}", clean)
    (repo / "docs" / "a.txt").write_text("2")  # not a source of the deploy
    assert provenance.revision(repo) == clean
    (repo / "params" / "a.txt").write_text("2")
    assert provenance.revision(repo) == clean + "-dirty"
    assert provenance.uncommitted(repo) == ["params/a.txt"]
    _git(repo, "commit", "-qam", "more")
    (repo / "lambdas" / "new.py").write_text("")
    assert provenance.uncommitted(repo) == ["lambdas/new.py"]
    assert provenance.uncommitted(tmp_path / "not-a-repo") is None
    assert provenance.revision(tmp_path / "not-a-repo") == "unversioned"


def test_require_clean_refuses_uncommitted_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "uncommitted", lambda *_: ["templates_py/network.py"])
    result = invoke("--endpoint-url", UNREACHABLE, "deploy", "--all", "--require-clean")
    assert (result.exit_code, result.output) == (
        2, "error: --require-clean: uncommitted changes in templates_py/network.py; commit "
           "them (or drop --require-clean); nothing was sent\n")


def test_build_write_removes_stale_and_reports_unwritable(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "old.json").write_text("{}")
    changed = build.write(tmp_path, {"templates/new.json": "{}\n"})
    assert sorted(p.name for p in changed) == ["new.json", "old.json"]
    assert not (tmp_path / "templates" / "old.json").exists()
    if os.geteuid() != 0:
        (tmp_path / "templates").chmod(0o500)
        with pytest.raises(Exception, match="cannot write: Permission denied"):
            build.write(tmp_path, {"templates/other.json": "{}\n"})

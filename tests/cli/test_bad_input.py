"""Bad input, corpus-driven and mutated: every case is exit code 2, one line naming the file
and key (or the argument), no traceback, and not a single AWS request.

The commands run are ones that would call AWS if their input were good (deploy, plan,
destroy, status), and every botocore session made during a test fails on any request.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paramfiles import edit

from scripts.cli.main import cli
from scripts.config.reader import ALIASES
from scripts.config.reader import REGION as REGION_SCHEMA

UNREACHABLE = "http://127.0.0.1:9"  # never contacted: the hook fails first


@pytest.fixture(autouse=True)
def no_aws_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every botocore session gets a before-send hook that fails the test on any request."""
    sent: list[str] = []
    original = botocore.session.Session.__init__

    def refuse(request: Any, **_: Any) -> None:
        sent.append(request.url)
        raise AssertionError(f"an AWS request was made on bad input: {request.url}")

    def init(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-send", refuse)

    monkeypatch.setattr(botocore.session.Session, "__init__", init)
    yield sent
    assert sent == []


def run(params: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--endpoint-url", UNREACHABLE, "--params-dir", str(params),
                                      "--build-dir", str(tmp_path / "out"), *args])
    assert ("Traceback" not in result.output and result.exception is None) or \
        isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


# (file, dotted key, value or KeyError to delete, what the message must say)
EDITS = [
    ("dev", "lambda.memory_mb", "lots", "lambda.memory_mb: 'lots' is not an integer"),
    ("dev", "lambda.memory_mb", 64, "lambda.memory_mb: 64 is less than the minimum of 128"),
    ("prod", "lambda.memory_mb", 99999, "lambda.memory_mb: 99999 is greater than the maximum"),
    ("staging", "dynamodb.read_capacity", 0, "dynamodb.read_capacity: 0 is less than the minimum"),
    ("staging", "dynamodb.write_capacity", 1001, "dynamodb.write_capacity: 1001 is greater than"),
    ("prod", "logs.retention_days", 31, "logs.retention_days: 31 is not one of"),
    ("dev", "lambda.timeout_seconds", 1.5, "lambda.timeout_seconds: 1.5 is not an integer"),
    ("dev", "lambda.memroy_mb", 512, "lambda.memroy_mb: unknown key"),
    ("dev", "surprise", True, "surprise: unknown key"),
    ("dev", "lambda.timeout_seconds", KeyError, "lambda.timeout_seconds: missing"),
    ("prod", "account_id", "12345", "account_id: '12345' does not match"),
    ("prod", "account_id", 345678901234, "account_id: 345678901234 is not a string"),
    ("prod", "account_id", "123456789012", "account_id: 123456789012 is already used by"),
    ("dev", "region", "mars-1", "region: 'mars-1' does not match"),
    ("dev", "dynamodb.capacity_mode", "sometimes", "dynamodb.capacity_mode: 'sometimes' is not one of"),
    ("dev", "tags.data_classification", "top-secret", "tags.data_classification: 'top-secret' is not one of"),
    ("deployment", "operation_preferences.max_concurrent_percentage", 101,
     "operation_preferences.max_concurrent_percentage: 101 is greater than the maximum of 100"),
    ("deployment", "permission_model", "YOLO", "permission_model: 'YOLO' is not one of"),
    ("deployment", "admin_account_id", "abc", "admin_account_id: 'abc' does not match"),
    # issue 16: integers are integers, strings are matched whole and on one line
    ("dev", "lambda.memory_mb", 512.0, "lambda.memory_mb: 512.0 is not an integer"),
    ("deployment", "operation_preferences.failure_tolerance_count", 0.0,
     "operation_preferences.failure_tolerance_count: 0.0 is not an integer"),
    ("prod", "account_id", "345678901234\n", "account_id: '345678901234\\n' contains a line break"),
    ("dev", "region", "us-east-1\n", "region: 'us-east-1\\n' contains a line break"),
    ("dev", "tags.cost_center", "dev\tpayments", "tags.cost_center: 'dev\\tpayments' contains"),
    ("dev", "edge.domain", "dev.api.example.com\n", "edge.domain: 'dev.api.example.com\\n' contains"),
    ("dev", "region", "xus-east-1", "region: 'xus-east-1' does not match"),
    # issue 24: a region name botocore's endpoint data does not list is a usage error, not a
    # "No partition found" (or a host that never resolves) once AWS is being called
    ("dev", "region", "xx-fake-1", "region: 'xx-fake-1' is not an AWS region botocore"),
    ("staging", "region", "us-fake-9", "region: 'us-fake-9' is not an AWS region botocore"),
    ("deployment", "region", "eu-nowhere-1", "region: 'eu-nowhere-1' is not an AWS region"),
]

RAW = [  # whole-file contents of dev.yaml
    (b"", "empty file"),
    (b"- a\n- list\n", "expected a mapping of settings, found list"),
    (b"lambda: [unclosed\n", "not valid YAML"),
    (b"region: us-east-1\nregion: eu-west-1\n", "line 2: region: duplicate key"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not UTF-8 text"),
    (b"# padding\n" * 200_000, "larger than 1 MiB"),
    (b"a: &a [x, x]\nb: &b [*a, *a]\nc:\n  <<: *a\n", "line 4: <<: YAML merge keys are not supported"),
    (b"x:\n  <<: {account_id: '123456789012'}\n", "line 2: <<: YAML merge keys are not supported"),
    (b"[" * 100 + b"]" * 100, "line 1: nested more than 32 levels deep"),
    (b"? [a, b]\n: 1\n", "line 1: a list as a key: keys must be text on one line"),
    (b"1: one\n", "line 1: 1: keys must be text on one line"),
    (b"\"a\\nb\": 1\n", "line 1: 'a\\nb': keys must be text on one line"),
    (b"x: !!python/object/apply:os.system [true]\n", "not valid YAML"),
    (b"\xef\xbb\xbf\x00\x00", "not valid YAML"),
]


def alias_bomb(levels: int = 30, width: int = 9) -> bytes:
    """Billion laughs: each anchor is a list of `width` aliases of the one before; a few hundred
    bytes that stand for width**levels values."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def nested_aliases(depth: int = 60) -> bytes:
    """Aliases used as keys' values deep inside each other, just under 1 MiB with padding."""
    body = b"a: &a {k: v}\n" + b"".join(f"b{i}: *a\n".encode() for i in range(30_000))
    return body + b"#" * ((1 << 20) - len(body) - 1) + b"\n"


HOSTILE = [  # whole-file contents of dev.yaml that must be refused quickly in bounded memory
    (alias_bomb(), "line 4: more than 5000 values (an alias counts as all it stands for)"),
    (alias_bomb(levels=200, width=2), "more than 5000 values (an alias counts as all it stands for)"),
    (nested_aliases(), "more than 5000 values (an alias counts as all it stands for)"),
    (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than 32 levels deep"),
    (b"a: " + b"{b: " * 5000 + b"1" + b"}" * 5000 + b"\n", "nested more than 32 levels deep"),
    (b"- x\n" * 100_000, "more than 5000 values"),
]

COMMANDS = [("deploy", "--all"), ("plan", "--all"), ("status",), ("destroy", "dev", "--yes")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("file", "key", "value", "expected"), EDITS, ids=lambda v: str(v)[:30])
def test_bad_parameter_values(params: Path, tmp_path: Path, command: tuple[str, ...], file: str,
                              key: str, value: object, expected: str) -> None:
    edit(params / f"{file}.yaml", key, value)
    code, output = run(params, tmp_path, *command)
    assert code == 2
    assert one_line(output).startswith(f"error: {params / file}.yaml: ")
    assert expected in output


@pytest.mark.parametrize(("content", "expected"), RAW, ids=lambda v: str(v)[:20])
def test_broken_files(params: Path, tmp_path: Path, content: bytes, expected: str) -> None:
    (params / "dev.yaml").write_bytes(content)
    code, output = run(params, tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {params / 'dev.yaml'}: {expected}")


def test_a_stray_environment_file_is_an_error(params: Path, tmp_path: Path) -> None:
    (params / "qa.yaml").write_text((params / "dev.yaml").read_text())
    code, output = run(params, tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {params / 'qa.yaml'}: unknown environment 'qa'")


@pytest.mark.parametrize(("args", "expected"), [
    (("deploy", "qa"), "unknown environment 'qa'"),
    (("deploy", "dev2"), "unknown environment 'dev2'"),
    (("deploy",), "name at least one environment"),
    (("deploy", "dev", "--all"), "give environment names or --all, not both"),
    (("deploy", "dev", "--timeout", "0"), "--timeout"),
    (("deploy", "dev", "--strategy", "yolo"), "--strategy"),
    (("deploy", "--resume", "no-colon"), "--resume"),
    (("destroy", "qa", "--yes"), "unknown environment 'qa'"),
    (("destroy", "prod", "--yes"), "--confirm-environment prod"),
    (("status", "sandbox"), "unknown environment 'sandbox'"),
    (("plan", "--all", "--output", "yaml"), "--output"),
    (("emulator", "--port", "70000"), "--port"),
])
def test_bad_arguments(params: Path, tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, output = run(params, tmp_path, *args)
    assert code == 2, output
    assert expected in output
    assert "Traceback" not in output


def test_missing_params_dir(tmp_path: Path) -> None:
    code, output = run(tmp_path / "nowhere", tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {tmp_path / 'nowhere' / 'deployment.yaml'}: no such file")


# -- mutations of valid files ------------------------------------------------------------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
                   st.text(max_size=30), st.lists(st.integers(), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(node, dict):
        return [prefix]
    return [prefix, *(p for k, v in node.items() for p in _paths(v, (*prefix, k)))] if prefix else \
        [p for k, v in node.items() for p in _paths(v, (k,))]


def _drawn_setting(document: Any, data: st.DataObject) -> tuple[Any, tuple[Any, ...]]:
    """A setting drawn from a parsed file: the mapping that holds it, and its path."""
    where = data.draw(st.sampled_from(_paths(document)))
    node = document
    for part in where[:-1]:
        node = node[part]
    return node, where


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(["dev", "staging", "prod", "deployment"]), data=st.data(),
       action=st.sampled_from(["set", "delete", "add"]), value=VALUES)
def test_mutated_files_are_accepted_or_refused_in_one_line(
        params: Path, tmp_path: Path, file: str, data: st.DataObject, action: str, value: Any) -> None:
    path = params / f"{file}.yaml"
    original = path.read_text()
    try:
        document = yaml.safe_load(original)
        node, where = _drawn_setting(document, data)
        if action == "delete":
            del node[where[-1]]
        elif action == "add" and isinstance(node.get(where[-1]), dict):
            node[where[-1]]["unexpected"] = value
        else:
            node[where[-1]] = value
        path.write_text(yaml.safe_dump(document))
        result = CliRunner().invoke(cli, ["--params-dir", str(params), "--build-dir",
                                          str(tmp_path / "out"), "build"])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert one_line(result.output).startswith(f"error: {path}: ")
    finally:
        path.write_text(original)


# -- issue 16: hostile files, bounded; special files; ambiguous folders ------------------------

SECOND = 1.0


def timed_run(params: Path, tmp_path: Path, *args: str) -> tuple[int, str, float]:
    started = time.monotonic()
    code, output = run(params, tmp_path, *args)
    return code, output, time.monotonic() - started


@pytest.mark.parametrize(("content", "expected"), HOSTILE, ids=lambda v: str(v)[:20])
def test_hostile_yaml_is_refused_quickly(params: Path, tmp_path: Path, content: bytes,
                                         expected: str) -> None:
    assert len(content) <= 1 << 20
    (params / "dev.yaml").write_bytes(content)
    code, output, elapsed = timed_run(params, tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {params / 'dev.yaml'}: ")
    assert expected in output
    assert elapsed < SECOND, elapsed


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _loop(path: Path) -> None:
    path.symlink_to(path.name)


def _dangling(path: Path) -> None:
    path.symlink_to("nowhere.yaml")


def _socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


SPECIAL = [
    (_dev_zero, "not a regular file (a character device)"),
    (_fifo, "not a regular file (a FIFO)"),
    (_directory, "not a regular file (a directory)"),
    (_loop, "cannot read: Too many levels of symbolic links"),
    (_dangling, "no such file"),
    (_socket, "cannot read: No such device or address"),
]


@pytest.mark.parametrize(("make", "expected"), SPECIAL, ids=lambda v: getattr(v, "__name__", "")[1:])
@pytest.mark.parametrize("name", ["dev.yaml", "deployment.yaml"])
def test_only_regular_files_are_read(params: Path, tmp_path: Path, make: Any, expected: str,
                                     name: str) -> None:
    (params / name).unlink()
    make(params / name)
    code, output, elapsed = timed_run(params, tmp_path, "plan", "--all")
    assert code == 2
    assert one_line(output) == f"error: {params / name}: {expected}"
    assert elapsed < SECOND, elapsed


@pytest.mark.parametrize(("name", "expected"), [
    ("dev.yml", "dev.yml: ambiguous beside dev.yaml: only dev.yaml is read"),
    ("Prod.yaml", "Prod.yaml: ambiguous beside prod.yaml: only prod.yaml is read"),
    ("deployment.YML", "deployment.YML: ambiguous beside deployment.yaml"),
    ("qa.yml", "qa.yml: unknown environment 'qa'"),
    ("notes.txt", "notes.txt: unknown file: "),
    ("old", "old: unknown file: "),
])
def test_ambiguous_and_unknown_files_are_reported(params: Path, tmp_path: Path, name: str,
                                                  expected: str) -> None:
    target = params / name
    if name == "old":
        target.mkdir()
    else:
        target.write_text((params / "dev.yaml").read_text())
    code, output = run(params, tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {params}/{expected}")


def test_dotfiles_in_params_are_ignored(params: Path, tmp_path: Path) -> None:
    (params / ".dev.yaml.swp").write_bytes(b"\x00\x01")
    code, output = run(params, tmp_path, "build")
    assert code == 0, output


def test_params_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, output = run(tmp_path / "file", tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith("error: Invalid value for '--params-dir': ")
    assert "is a file" in output


# -- issue 16: the argument space --------------------------------------------------------------

@pytest.mark.parametrize(("args", "env", "expected"), [
    (("status", "--endpoint-url", "not a url"), {}, "error: --endpoint-url: 'not a url' is not a URL"),
    (("plan", "--all", "--endpoint-url", "http://host:port"), {}, "error: --endpoint-url: "),
    (("deploy", "--all", "--endpoint-url", "ftp://127.0.0.1"), {}, "error: --endpoint-url: "),
    (("status",), {"AWS_MAX_ATTEMPTS": "abc"}, "error: AWS_MAX_ATTEMPTS: 'abc' is not a whole number"),
    (("deploy", "dev"), {"AWS_MAX_ATTEMPTS": "0"}, "error: AWS_MAX_ATTEMPTS: '0'"),
    (("plan", "dev"), {"AWS_RETRY_MODE": "yolo"}, "error: AWS_RETRY_MODE: 'yolo' is not one of"),
    (("bootstrap",), {"AWS_MAX_ATTEMPTS": "1.5"}, "error: AWS_MAX_ATTEMPTS: '1.5'"),
    (("status", "--region", "us east 1"), {}, "error: --region: 'us east 1' is not an AWS region"),
    (("deploy", "dev", "--region", "mars"), {}, "error: --region: 'mars' is not an AWS region"),
    (("drift", "dev"), {"AWS_REGION": "Moon-1"}, "error: --region: 'Moon-1'"),
    (("status", "--region", "xx-fake-1"), {}, "error: --region: 'xx-fake-1' is not an AWS "
     "region botocore"),
    (("deploy", "dev"), {"AWS_REGION": "us-fake-9"}, "error: --region: 'us-fake-9' is not an "
     "AWS region botocore"),
    (("plan", "dev", "--profile", "nobody"), {}, "error: --profile: The config profile (nobody)"),
    (("manifest", "dev"), {"AWS_PROFILE": "nobody"}, "error: --profile: The config profile (nobody)"),
    (("deploy", "nope", "--bogus"), {}, "error: No such option '--bogus'"),
    (("plan", "dev", "--output", "yaml"), {}, "error: Invalid value for '--output'"),
    (("plan", "qa\nprod"), {}, "error: unknown environment 'qa\\nprod'"),
    (("frobnicate",), {}, "error: No such command 'frobnicate'"),
])
def test_bad_options_and_variables(params: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   args: tuple[str, ...], env: dict[str, str], expected: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, output, elapsed = timed_run(params, tmp_path, *args)
    assert code == 2, output
    assert one_line(output).startswith(expected)
    assert elapsed < SECOND


@pytest.mark.parametrize(("answer", "expected"), [("n\n", "not confirmed"), ("", "no answer")])
def test_an_unconfirmed_destroy_is_a_usage_error(params: Path, tmp_path: Path, answer: str,
                                                  expected: str) -> None:
    result = CliRunner().invoke(cli, ["--endpoint-url", UNREACHABLE, "--params-dir", str(params),
                                      "destroy", "dev"], input=answer)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"error: {expected}")


def test_prod_destroy_with_the_wrong_name_typed(params: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--endpoint-url", UNREACHABLE, "--params-dir", str(params),
                                      "destroy", "prod"], input="staging\n")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == \
        "error: confirmation did not match; nothing was changed"


def test_detailed_exitcode_never_says_changes_for_an_error(params: Path, tmp_path: Path) -> None:
    """As Terraform: with --detailed-exitcode, 2 means changes, so every error is 1."""
    for args in (("plan", "qa", "--detailed-exitcode"),
                 ("plan", "--detailed-exitcode", "dev", "--output", "yaml"),
                 ("plan", "dev", "--detailed-exitcode", "--region", "mars")):
        code, output = run(params, tmp_path, *args)
        assert code == 1, (args, output)
        assert one_line(output).startswith("error: ")
    edit(params / "dev.yaml", "lambda.memory_mb", 512.0)
    code, output = run(params, tmp_path, "plan", "dev", "--detailed-exitcode")
    assert (code, one_line(output)) == (1, f"error: {params / 'dev.yaml'}: lambda.memory_mb: 512.0 "
                                           "is not an integer")


@pytest.mark.parametrize("where", ["file in the way", "file as parent"])
def test_a_build_dir_that_cannot_be_created(params: Path, tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    build_dir = blocker if where == "file in the way" else blocker / "build"
    code, output = run(params, tmp_path, "deploy", "--all", "--build-dir", str(build_dir))
    assert code == 2
    assert one_line(output) == (
        f"error: Invalid value for '--build-dir': Directory '{build_dir}' is a file. "
        "(see 'cli deploy --help')" if where == "file in the way" else
        f"error: {build_dir}/state: cannot write: Not a directory")  # the lock: first write


def test_a_write_refused_by_the_filesystem(params: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only build/ does (root ignores permissions, so the refusal is simulated)."""
    def refuse(self: Path, data: bytes) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    code, output = run(params, tmp_path, "deploy", "--all")
    assert code == 2
    assert one_line(output).startswith(f"error: {tmp_path / 'out'}/templates/")
    assert output.rstrip().endswith(": cannot write: Permission denied")


SAVED = [  # build/state/pending-operation.json as a crash, an editor or a disk left it
    b"", b"\x00\xff\xfe binary", b"{", b"[]", b"null", b"42", b'"a string"',
    b'{"stack_set": 1, "operation_id": 2}', b'{"stack_set": "payment-platform"}',
    b'{"stack_set": "payment platform", "operation_id": "x"}',
    b'{"stack_set": "p", "operation_id": "-starts-with-hyphen"}',
    b'{"stack_set": "p", "operation_id": "' + b"x" * 200 + b'"}',
    b"[" * 100_000, b"{}" + b" " * 10_000,
]


@pytest.mark.parametrize("content", SAVED, ids=lambda v: repr(v[:16]))
def test_a_damaged_saved_operation(params: Path, tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "out" / "state"
    state.mkdir(parents=True)
    (state / "pending-operation.json").write_bytes(content)
    code, output, elapsed = timed_run(params, tmp_path, "deploy", "--resume")
    assert code == 2
    assert one_line(output).startswith("error: --resume: ")
    assert elapsed < SECOND


def test_a_saved_operation_that_is_not_a_file(params: Path, tmp_path: Path) -> None:
    (tmp_path / "out" / "state" / "pending-operation.json").mkdir(parents=True)
    code, output = run(params, tmp_path, "deploy", "--resume")
    assert (code, one_line(output)) == (2, f"error: --resume: {tmp_path}/out/state/"
                                           "pending-operation.json: not a regular file (a "
                                           "directory); give STACKSET:OPERATION")


def test_require_clean_refuses_parameter_files_outside_the_checkout(params: Path,
                                                                   tmp_path: Path) -> None:
    code, output = run(params, tmp_path, "deploy", "--all", "--require-clean")
    assert code == 2
    assert one_line(output) == (f"error: --require-clean: uncommitted changes in {params} "
                                "(parameter files outside the git checkout); commit them (or "
                                "drop --require-clean); nothing was sent")


# -- property tests: any hostile value anywhere, any bad argument anywhere ---------------------

HOSTILE_VALUES = st.one_of(
    st.floats(),  # 512.0 for 512, nan, inf: no setting takes a float
    st.integers(-10**6, 10**6).map(float),
    st.text(max_size=20).map(lambda t: t + "\n"),  # a trailing newline after anything
    st.text(alphabet=st.characters(max_codepoint=0x1f), min_size=1, max_size=5),
    st.lists(st.floats(), min_size=1, max_size=3),
    st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),  # keys that are not text
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(["dev", "staging", "prod", "deployment"]), data=st.data(),
       value=HOSTILE_VALUES, command=st.sampled_from(COMMANDS))
def test_any_hostile_value_anywhere_is_refused_in_one_line(
        params: Path, tmp_path: Path, file: str, data: st.DataObject, value: Any,
        command: tuple[str, ...]) -> None:
    """Property: whichever setting of whichever file holds a hostile value, the command that
    would call AWS stops with exit 2, one line naming that file, no request, within a second."""
    path = params / f"{file}.yaml"
    original = path.read_text()
    try:
        document = yaml.safe_load(original)
        node, where = _drawn_setting(document, data)
        node[where[-1]] = value
        path.write_text(yaml.safe_dump(document))
        code, output, elapsed = timed_run(params, tmp_path, *command)
        assert code == 2, output
        assert one_line(output).startswith(f"error: {path}: ")
        assert elapsed < SECOND, elapsed
    finally:
        path.write_text(original)


NOT_DASH = st.text(max_size=20).filter(lambda t: not t.startswith("-"))
BAD_ARGUMENTS = st.one_of(
    st.tuples(st.just("--region"), NOT_DASH.filter(lambda t: not re.fullmatch(REGION, t))),
    st.tuples(st.just("--endpoint-url"), NOT_DASH.filter(lambda t: "://" not in t)),
    st.tuples(st.just("--output"), NOT_DASH.filter(lambda t: t not in ("text", "json"))),
    st.tuples(st.just("--params-dir"), st.just("/nonexistent/params")),
    st.tuples(st.from_regex(r"--[a-z][a-z-]{2,12}", fullmatch=True).filter(
        lambda t: t not in KNOWN_OPTIONS)),
    st.tuples(NOT_DASH.filter(lambda t: t.strip().lower() not in ALIASES)),  # an environment
)
REGION = REGION_SCHEMA["pattern"]
KNOWN_OPTIONS = {"--all", "--region", "--endpoint-url", "--output", "--params-dir", "--build-dir",
                 "--profile", "--debug", "--no-color", "--help", "--yes", "--timeout",
                 "--manifests", "--no-manifests", "--allow-data-loss", "--strategy", "--resume",
                 "--require-clean", "--exact", "--detailed-exitcode", "--confirm-environment",
                 "--version", "--via-role"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["deploy", "plan", "status", "drift", "manifest", "destroy"]),
       bad=BAD_ARGUMENTS, before=st.booleans(), data=st.data())
def test_any_bad_argument_anywhere_is_refused_in_one_line(
        params: Path, tmp_path: Path, command: str, bad: tuple[str, ...], before: bool,
        data: st.DataObject) -> None:
    """Property: a bad option value, unknown option or unknown environment, before or after the
    subcommand, among good arguments: exit 2, one line, no request, within a second."""
    good = ["dev"] if command == "destroy" else data.draw(
        st.sampled_from([["dev"], ["--all"], ["dev", "prod"]]))
    if len(bad) == 1 and not bad[0].startswith("-"):  # an environment name
        args = [command, *([] if command == "destroy" else good), *bad]
        if command == "destroy":
            args = [command, *bad]
    else:
        args = [*bad, command, *good] if before else [command, *good, *bad]
    if command == "destroy":
        args.append("--yes")
    code, output, elapsed = timed_run(params, tmp_path, *args)
    assert code == 2, (args, output)
    assert len(output.strip().splitlines()) == 1, (args, output)
    assert output.startswith("error: "), (args, output)
    assert elapsed < SECOND, elapsed


def test_the_bounds_leave_room_for_the_largest_real_file(params: Path, tmp_path: Path) -> None:
    """2000 additional accounts (the schema's maximum) and an anchor still load."""
    accounts = [f"{n:012d}" for n in range(500_000_000_000, 500_000_002_000)]
    text = (params / "dev.yaml").read_text().replace("lambda:", "lambda: &fn")
    (params / "dev.yaml").write_text(text + "additional_account_ids:\n" +
                                     "".join(f"  - '{a}'\n" for a in accounts))
    code, output, elapsed = timed_run(params, tmp_path, "build")
    assert code == 0, output
    assert elapsed < 5 * SECOND


DAMAGED_BUILT = [b"", b"\x00\xff binary", b"{ corrupt", b"<<<<<<< HEAD\n{}\n=======\n", b"[]"]
AWS_COMMANDS = [("plan", "dev"), ("deploy", "dev"), ("status",), ("drift", "dev"),
                ("manifest", "dev"), ("bootstrap",), ("plan", "dev", "--exact")]


@pytest.mark.parametrize("content", DAMAGED_BUILT, ids=lambda v: repr(v[:12]))
@pytest.mark.parametrize("args", AWS_COMMANDS, ids=" ".join)
def test_a_damaged_built_template_stops_a_command_before_aws(
        params: Path, tmp_path: Path, content: bytes, args: tuple[str, ...]) -> None:
    """Issue 24: a built template that does not parse (a merge conflict in generated output)
    is one line naming it, exit 2, before any request (the autouse hook proves none went)."""
    target = tmp_path / "out" / "templates" / "payment-platform.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    code, output = run(params, tmp_path, *args)
    assert (code, one_line(output)) == (2, f"error: {target}: not a built template file "
                                           "(damaged?); run `payctl build`")


def test_a_damaged_built_parameter_file_stops_a_plan(params: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "parameters" / "dev" / "payment-platform.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(b'{"ParameterKey": "half a list"')
    code, output = run(params, tmp_path, "plan", "dev")
    assert (code, one_line(output)) == (2, f"error: {target}: not a built parameter file "
                                           "(damaged?); run `payctl build`")


@pytest.mark.parametrize("content", SAVED[:6], ids=lambda v: repr(v[:16]))
@pytest.mark.parametrize("args", [("deploy", "dev"), ("destroy", "dev", "--yes")], ids=" ".join)
def test_a_damaged_saved_rollout_stops_deploy_and_destroy(
        params: Path, tmp_path: Path, content: bytes, args: tuple[str, ...]) -> None:
    """It may name operations still running: a deploy that went ahead with a warning would
    overwrite the only record of them at its next stop."""
    state = tmp_path / "out" / "state" / "pending-operation.json"
    state.parent.mkdir(parents=True)
    state.write_bytes(content)
    code, output = run(params, tmp_path, *args)
    assert (code, one_line(output)) == (2, f"error: {state}: not a saved rollout (damaged?); "
                                           "`payctl status` shows what is still running: "
                                           "delete the file and run again")
    assert state.read_bytes() == content

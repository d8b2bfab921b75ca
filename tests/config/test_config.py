"""Parameter files: every bad input is one line naming the file and key, exit code 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from paramfiles import PARAMS, edit

from scripts.cli.main import cli
from scripts.config.reader import ConfigError, load_config, resolve_environment


def build(params: Path, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--params-dir", str(params), "--build-dir",
                                      str(tmp_path / "out"), "build"])
    return result.exit_code, result.output


@pytest.mark.parametrize(("file", "key", "value", "expected"), [
    ("prod", "lambda.memory_mb", 99999, "lambda.memory_mb: 99999 is greater than the maximum of 10240"),
    ("dev", "lambda.memory_mb", 64, "lambda.memory_mb: 64 is less than the minimum of 128"),
    ("dev", "lambda.memory_mb", "lots", "lambda.memory_mb: 'lots' is not an integer"),
    ("staging", "dynamodb.read_capacity", 0, "dynamodb.read_capacity: 0 is less than the minimum of 1"),
    ("staging", "dynamodb.write_capacity", 1001, "dynamodb.write_capacity: 1001 is greater than"),
    ("dev", "logs.retention_days", 31, "logs.retention_days: 31 is not one of 1, 3, 5"),
    ("dev", "account_id", "12345", "account_id: '12345' does not match"),
    ("dev", "account_id", 123456789012, "account_id: 123456789012 is not a string"),
    ("dev", "dynamodb.capacity_mode", "burst", "dynamodb.capacity_mode: 'burst' is not one of"),
    ("dev", "lambda.memroy_mb", 512, "lambda.memroy_mb: unknown key"),
    ("dev", "surprise", 1, "surprise: unknown key"),
    ("dev", "lambda.timeout_seconds", KeyError, "lambda.timeout_seconds: missing"),
    ("dev", "edge", KeyError, "edge: missing"),
    ("staging", "dynamodb.read_capacity", KeyError,
     "dynamodb.read_capacity: missing (required when dynamodb.capacity_mode is provisioned)"),
    ("prod", "network.multi_az_nat", "yes please", "network.multi_az_nat: 'yes please' is not a boolean"),
    ("prod", "edge.domain", "API.Example.COM", "edge.domain: 'API.Example.COM' does not match"),
])
def test_bad_value_names_file_and_key(params: Path, tmp_path: Path, file: str, key: str,
                                      value: object, expected: str) -> None:
    edit(params / f"{file}.yaml", key, value)
    code, output = build(params, tmp_path)
    assert code == 2
    assert output.count("\n") == 1 and "Traceback" not in output
    assert output.startswith(f"error: {params / file}.yaml: {expected}")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "empty file; expected a mapping of settings"),
    (b"just a string\n", "expected a mapping of settings, found str"),
    (b"account_id: [unclosed\n", "not valid YAML (line 2, column 1): expected ',' or ']', but got '<stream end>'"),
    (b"region: us-east-1\nregion: eu-west-1\n", "line 2: region: duplicate key"),
    (b"\xff\xfe\x00binary\x00", "not UTF-8 text"),
    (b"a: 1\n" * 300_000, "larger than 1 MiB; not a parameter file"),
])
def test_malformed_file(params: Path, tmp_path: Path, content: bytes, expected: str) -> None:
    (params / "dev.yaml").write_bytes(content)
    code, output = build(params, tmp_path)
    assert code == 2
    assert output == f"error: {params / 'dev.yaml'}: {expected}\n"


def test_two_environments_cannot_share_an_account(params: Path, tmp_path: Path) -> None:
    edit(params / "prod.yaml", "account_id", "123456789012")
    code, output = build(params, tmp_path)
    assert code == 2
    assert f"{params / 'prod.yaml'}: account_id: 123456789012 is already used by" in output


def test_missing_environment_file(params: Path, tmp_path: Path) -> None:
    (params / "staging.yaml").unlink()
    assert build(params, tmp_path) == (2, f"error: {params / 'staging.yaml'}: no such file\n")


def test_unknown_environment_file_is_not_silently_ignored(params: Path, tmp_path: Path) -> None:
    shutil.copy(params / "dev.yaml", params / "qa.yaml")
    code, output = build(params, tmp_path)
    assert code == 2 and "qa.yaml: unknown environment 'qa'" in output


def test_deployment_settings_are_validated(params: Path, tmp_path: Path) -> None:
    edit(params / "deployment.yaml", "operation_preferences.failure_tolerance_count", -1)
    code, output = build(params, tmp_path)
    assert code == 2
    assert "deployment.yaml: operation_preferences.failure_tolerance_count: -1 is less than" in output


@pytest.mark.parametrize(("alias", "canonical"), [
    ("dev", "dev"), ("development", "dev"), ("stg", "staging"), ("Staging", "staging"),
    ("production", "prod"), ("prod", "prod")])
def test_aliases_resolve(alias: str, canonical: str) -> None:
    assert resolve_environment(alias) == canonical


@pytest.mark.parametrize("name", ["qa", "", "devv", "prd"])
def test_unknown_environment_is_an_error_never_dev(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown environment"):
        resolve_environment(name)


def test_select_keeps_canonical_order_and_dedupes() -> None:
    config = load_config(PARAMS)
    assert [e.name for e in config.select(["production", "dev", "development"])] == ["dev", "prod"]
    assert [e.name for e in config.select([], all_=True)] == ["dev", "staging", "prod"]
    with pytest.raises(ConfigError):
        config.select([])


def test_an_environment_may_span_many_accounts_but_never_share_one(params: Path, tmp_path: Path) -> None:
    edit(params / "dev.yaml", "additional_account_ids", ["111100000001", "111100000002"])
    config = load_config(params)
    assert config.environments["dev"].account_ids == ("123456789012", "111100000001", "111100000002")
    assert config.account_names()["111100000002"] == "dev"

    edit(params / "staging.yaml", "additional_account_ids", ["111100000002"])
    code, output = build(params, tmp_path)
    assert code == 2
    assert output.strip().endswith("staging.yaml: additional_account_ids: 111100000002 is already used by "
                                   f"{params / 'dev.yaml'}; each environment needs its own accounts")

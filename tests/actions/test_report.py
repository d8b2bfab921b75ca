"""The rollout report's record: how a rollout ended, and a damaged saved file refused in one
line that names it (payctl report exits 2, nothing drawn)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from scripts.actions import report
from scripts.cli.main import cli
from scripts.config.reader import load_config
from scripts.errors import ConfigError, DeploymentError
from scripts.stacksets.operations import AccountResult, OperationInterrupted, OperationStatus
from scripts.stacksets.timeline import Timeline

PARAMS = Path(__file__).resolve().parents[2] / "params"


def rollout(polled: bool) -> SimpleNamespace:
    timeline = Timeline()
    if polled:
        timeline("payment-platform", "op-1", OperationStatus.RUNNING,
                 [AccountResult("123456789012", "us-east-1", "RUNNING")])
    return SimpleNamespace(timeline=timeline, planned=[], config=load_config(PARAMS))


@pytest.mark.parametrize(("error", "outcome"), [
    (None, "succeeded"),
    (DeploymentError("payment-platform: operation op-1 FAILED\nmore"), "failed"),
    (OperationInterrupted("interrupted; op-1 keeps running", "payment-platform", "op-1"), "stopped"),
])
def test_a_rollout_is_recorded_as_it_ended(error, outcome, tmp_path) -> None:
    data = report.of_rollout(rollout(True), "payctl deploy dev", "waves", error)
    assert data["outcome"] == outcome
    assert data["error"] == (None if error is None else str(error).splitlines()[0])
    assert report.load(report.write(tmp_path, data).with_suffix(".json")) == data


def test_a_deploy_that_started_no_operation_draws_nothing() -> None:
    assert report.of_rollout(rollout(False), "payctl deploy dev", "waves", None) is None


@pytest.mark.parametrize("content", [b"{not json", b'{"operations": "none"}', b"\xff\xfe"])
def test_a_damaged_saved_rollout_is_one_line_naming_the_file(content, tmp_path) -> None:
    saved = tmp_path / "reports" / "rollout-20261206T120000Z.json"
    saved.parent.mkdir()
    saved.write_bytes(content)
    with pytest.raises(ConfigError, match=str(saved)):
        report.load(saved)
    result = CliRunner().invoke(cli, ["--build-dir", str(tmp_path), "report", "--last"])
    assert result.exit_code == 2 and str(saved) in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not saved.with_suffix(".html").exists()

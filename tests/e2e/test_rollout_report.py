"""The rollout report of a real deploy through the emulator, looked at in Debian's headless
Chromium: a dev fleet of four accounts where one fails, every account on the page, the failed
one marked with CloudFormation's reason, no console error; `payctl report` draws it again from
the saved rollout or, for an operation no deploy here watched, from what AWS keeps."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from browser import opened
from emulated import EXECUTION_ROLE, Platform, emulator_process

from scripts import emulator
from scripts.cli.support import ROOT

EXTRA = ["444455556661", "444455556662", "444455556663"]
SQUATTED = "payment-flow-logs-role-dev"  # a name dev's stack gives a role


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Platform]:
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    dev = params / "dev.yaml"
    data = yaml.safe_load(dev.read_text())
    data["additional_account_ids"] = EXTRA
    dev.write_text(yaml.safe_dump(data, sort_keys=False))
    with emulator.fake_credentials(), emulator_process(params) as url:
        yield Platform(url, params, tmp_path / "build")


def squat(platform: Platform, account: str) -> None:
    """Someone already made a role under a name dev's stack gives one, in one account."""
    aws = platform.aws()
    iam = aws.client("iam", aws.in_account(account, EXECUTION_ROLE))
    iam.create_role(RoleName=SQUATTED, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))


def written(output: str) -> Path:
    line = next(line for line in output.splitlines()
                if line.startswith("wrote ") and line.endswith(".html"))
    return Path(line.removeprefix("wrote "))


def test_a_failed_rollout_is_drawn_with_every_account_and_the_failure_marked(fleet: Platform) -> None:
    assert fleet.payctl("bootstrap").exit_code == 0
    squat(fleet, EXTRA[1])

    result = fleet.payctl("deploy", "dev", "--no-manifests")

    assert result.exit_code == 1, result.output
    page = written(result.output)
    assert page.parent == fleet.build_dir / "reports" and page.exists()
    accounts = fleet.config.environments["dev"].account_ids
    with opened(page, "rollout-report-failed-deploy.png") as seen:
        for account in accounts:
            assert account in seen.text
        failed = seen.driver.find_elements("css selector", ".row.failed-row")
        assert [EXTRA[1] in row.text and "FAILED" in row.text for row in failed] == [True]
        assert "already exists" in seen.text
        assert "failed" in seen.driver.find_element("css selector", ".badge").text
        assert "payctl deploy dev" in seen.text and "The plan that preceded it" in seen.text
        assert [e for e in seen.console if e["level"] in ("SEVERE", "WARNING")] == []

    # drawn again: the last rollout, and the rollout that ran a given operation
    again = fleet.payctl("report", "--last")
    assert again.exit_code == 0 and written(again.output) == page
    operation = json.loads(page.with_suffix(".json").read_text())["operations"][0]["operation_id"]
    assert written(fleet.payctl("report", operation).output) == page

    # once the name is free, the retry is a rollout of its own, with its own report
    aws = fleet.aws()
    aws.client("iam", aws.in_account(EXTRA[1], EXECUTION_ROLE)).delete_role(RoleName=SQUATTED)
    retried = fleet.payctl("--output", "json", "deploy", "dev", "--no-manifests")
    assert retried.exit_code == 0, retried.output
    second = Path(json.loads(retried.stdout)["report"])
    assert second != page and second.exists()
    data = json.loads(second.with_suffix(".json").read_text())
    assert data["outcome"] == "succeeded"
    platform = [op for op in data["operations"] if op["stack_set"] == "payment-platform"]
    assert {a["account"] for op in platform for a in op["accounts"]} == {EXTRA[1]}


def test_an_operation_no_deploy_here_watched_is_read_from_aws(fleet: Platform) -> None:
    assert fleet.payctl("bootstrap").exit_code == 0
    squat(fleet, EXTRA[0])
    assert fleet.payctl("deploy", "dev", "--no-manifests").exit_code == 1
    cfn = fleet.aws().client("cloudformation")
    operation = cfn.list_stack_set_operations(
        StackSetName="payment-platform")["Summaries"][0]["OperationId"]
    shutil.rmtree(fleet.build_dir / "reports")  # another checkout, or another machine

    result = fleet.payctl("report", operation)

    assert result.exit_code == 0, result.output
    page = written(result.output)
    assert page.name == f"rollout-{operation}.html"
    with opened(page, "rollout-report-from-aws.png") as seen:
        for account in fleet.config.environments["dev"].account_ids:
            assert account in seen.text
        assert EXTRA[0] in seen.driver.find_element("css selector", ".row.failed-row").text
        assert "keeps each account's status but not its times" in seen.text
        assert [e for e in seen.console if e["level"] in ("SEVERE", "WARNING")] == []


@pytest.mark.parametrize("args", [(), ("--last", "op-1"), ("../../etc/passwd",)])
def test_report_needs_one_operation_id_or_last(args: tuple[str, ...], tmp_path: Path) -> None:
    """Usage errors, before any AWS call (no endpoint is even running)."""
    platform = Platform("http://127.0.0.1:9", ROOT / "params", tmp_path / "build")
    result = platform.payctl("report", *args)
    assert result.exit_code == 2, result.output
    assert "OPERATION" in result.output
    assert not (tmp_path / "build" / "reports").exists()


def test_last_with_nothing_saved_says_where_it_looked(tmp_path: Path) -> None:
    result = Platform("http://127.0.0.1:9", ROOT / "params", tmp_path / "build").payctl(
        "report", "--last")
    assert result.exit_code == 2 and "no rollout saved in" in result.output

"""`bootstrap` over HTTP: a second run changes nothing, and credentials of another account than
deployment.yaml's admin account are refused before anything is created (issue 14, defect 12)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from emulated import Platform, running_platform
from paramfiles import edit

from scripts.actions.bootstrap import EXECUTION_STACK
from scripts.cli.support import ROOT
from scripts.config.reader import load_config
from scripts.emulator.trust import INVITED_VARIABLE


def _second_run(platform: Platform) -> list[str]:
    first = platform.payctl("bootstrap")
    assert first.exit_code == 0, first.output
    second = platform.payctl("bootstrap")
    assert second.exit_code == 0, second.output
    return second.output.strip().splitlines()


def test_a_second_bootstrap_leaves_the_execution_roles_alone(fresh: Platform) -> None:
    lines = _second_run(fresh)
    assert len(lines) == 4
    assert all(line.endswith(" unchanged") for line in lines[1:]), lines


def test_a_second_bootstrap_leaves_the_administration_role_alone(fresh: Platform) -> None:
    lines = _second_run(fresh)
    assert lines[0].endswith(" unchanged"), lines


def test_credentials_of_another_account_are_refused(fresh: Platform) -> None:
    # the emulator puts the caller in the admin account it started with; the settings now name another
    edit(fresh.params_dir / "deployment.yaml", "admin_account_id", "444455556666")

    result = fresh.payctl("bootstrap")

    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "444455556666" in result.output and "111122223333" in result.output
    stacks = fresh.aws().client("cloudformation").list_stacks()["StackSummaries"]
    assert stacks == []


def test_an_invited_account_is_named_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Organizations user guide, "Accessing member accounts": an account Organizations creates
    gets OrganizationAccountAccessRole, but "an invited account ... does not automatically get
    the role". Bootstrap names the account and --via-role before writing anything; with a role
    of the account's own, made by its owner and trusting the admin account, it completes."""
    staging = load_config(ROOT / "params").environments["staging"].account_id
    monkeypatch.setenv(INVITED_VARIABLE, staging)
    with contextmanager(running_platform)(tmp_path) as platform:
        refused = platform.payctl("bootstrap")

        assert refused.exit_code == 1, refused.output
        assert refused.output.count("\n") == 1
        assert f"staging {staging}" in refused.output and "--via-role" in refused.output
        assert "nothing was changed" in refused.output
        assert platform.aws().client("cloudformation").list_stacks()["StackSummaries"] == []

        admin = platform.config.deployment.admin_account_id
        for account in platform.config.account_names():
            _own_role(platform, account, "payctl-bootstrap", admin)
        done = platform.payctl("bootstrap", "--via-role", "payctl-bootstrap")

        assert done.exit_code == 0, done.output
        assert f"staging account {staging}: {EXECUTION_STACK} created" in done.output


def _own_role(platform: Platform, account: str, name: str, admin: str) -> None:
    """A role made in `account` by its owner (the emulator takes the account from moto's
    x-moto-account-id header), trusting the admin account, with administrator rights."""
    iam = platform.aws().client("iam")
    iam.meta.events.register("before-sign.iam.*", lambda request, **_: request.headers.
                             __setitem__("x-moto-account-id", account))
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{admin}:root"}}]}))
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

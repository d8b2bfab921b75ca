"""`bootstrap` over HTTP: a second run changes nothing, and credentials of another account than
deployment.yaml's admin account are refused before anything is created (issue 14, defect 12)."""

from __future__ import annotations

from emulated import Platform
from paramfiles import edit


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

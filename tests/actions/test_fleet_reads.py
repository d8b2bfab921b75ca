"""What a fleet's reads cost: each instance's own stack is read only when AWS does not already
say what it runs, and a wave planned before any operation reuses the first plan's reads."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.actions.rollout import narrowed
from scripts.actions.status import _digest
from scripts.plan.decide import DeployedInstance, DeployedStackSet, Target

DEV = Target("dev", "123456789012", "us-east-1", {})
FLEET = Target("dev", "900000000001", "us-east-1", {})
PRD = Target("prod", "345678901234", "us-east-1", {})


def no_account_access(account: str, region: str) -> Any:
    raise AssertionError(f"read {account}'s stack")


def test_a_current_instance_runs_the_stack_sets_template_without_reading_its_stack() -> None:
    """StackInstanceSummary, Status CURRENT: "The stack is currently up to date with the stack
    set"; an OUTDATED one may run an older template, so its own stack is read."""
    summary = {"Account": DEV.account, "Region": DEV.region, "StackId": "arn:stack/x",
               "Status": "CURRENT"}
    assert _digest(no_account_access, summary, "sha256:stack-set") == "sha256:stack-set"
    with pytest.raises(AssertionError, match="read 123456789012's stack"):
        _digest(no_account_access, {**summary, "Status": "OUTDATED"}, "sha256:stack-set")


def test_a_wave_sees_only_its_own_instances_of_the_first_read() -> None:
    instances = {t.key: DeployedInstance(t.account, t.region, "CURRENT", {})
                 for t in (DEV, FLEET, PRD)}
    have = DeployedStackSet("payment-platform", {}, {}, {}, instances)
    wave = narrowed(have, (DEV, FLEET))
    assert wave is not None and set(wave.instances) == {DEV.key, FLEET.key}
    assert set(have.instances) == {DEV.key, FLEET.key, PRD.key}  # the first read is kept
    assert narrowed(None, (DEV,)) is None

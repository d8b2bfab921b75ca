"""Per-instance reports: template currency in status, and accounts that fail inside an
operation that SUCCEEDED (failure tolerance above 0)."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.actions.status import template_state
from scripts.cli.support import ROOT
from scripts.config.reader import load_config
from scripts.stacksets.deployer import StackSetDeployer
from scripts.stacksets.operations import AccountResult, FailedAccounts


def test_a_row_without_an_instance_claims_no_template() -> None:
    assert template_state("NOT DEPLOYED", None, "sha256:b") == "not deployed"
    assert template_state("NO STACKSET", None, "sha256:b") == "not deployed"
    assert template_state("OUTDATED", None, "sha256:b") == "no stack"
    assert template_state("OUTDATED", "sha256:a", "sha256:b") == "behind build"
    assert template_state("CURRENT", "sha256:b", "sha256:b") == "current"


class SucceededWithAFailure:
    def wait(self, stack_set: str, operation_id: str) -> list[AccountResult]:
        return [AccountResult("123456789012", "us-east-1", "SUCCEEDED"),
                AccountResult("234567890123", "us-east-1", "FAILED", "BucketAlreadyExists")]


def test_an_account_failing_inside_a_succeeded_operation_is_recorded_and_named() -> None:
    config = load_config(ROOT / "params")
    said: list[str] = []
    waiter: Any = SucceededWithAFailure()
    deployer = StackSetDeployer(None, config.deployment, waiter, lambda a, e: "op-1",
                                lambda n, t: "", say=said.append)

    deployer.run_operation("payment-platform", "op-1", lambda: None)

    [failure] = deployer.failures
    assert (failure.stack_set, failure.operation_id, failure.result.account) == \
        ("payment-platform", "op-1", "234567890123")
    assert said == ["payment-platform: operation op-1 SUCCEEDED, but 234567890123 us-east-1 "
                    "FAILED: BucketAlreadyExists"]
    with pytest.raises(FailedAccounts, match=r"staging \(234567890123 us-east-1\): FAILED: "
                       r"BucketAlreadyExists\n  retry only these: payctl deploy staging"):
        raise FailedAccounts(deployer.failures, config.account_names())

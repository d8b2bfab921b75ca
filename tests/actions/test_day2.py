"""The pure parts of day-2 safety: the lock's staleness, others' operations, the stop report,
runnable clean-up commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scripts.actions.destroy import Retained, profile_setup, runnable
from scripts.stacksets import lock, pending
from scripts.stacksets.others import (
    Busy,
    Overtaken,
    PlanAgain,
    active,
    before_operation,
    refusal,
    wait_or_refuse,
)
from scripts.stacksets.stopping import report


def test_a_lock_is_stale_when_damaged_or_its_process_is_gone_here() -> None:
    assert lock.stale(lock.holder(b"{"), "h")
    assert lock.stale(lock.holder(b'{"pid": "1", "host": "h"}'), "h")
    owner = lock.holder(json.dumps({"pid": 42, "host": "h"}).encode())
    assert lock.stale(owner, "h", alive=lambda pid: False)
    assert not lock.stale(owner, "h", alive=lambda pid: True)
    assert not lock.stale(owner, "elsewhere", alive=lambda pid: False)  # cannot check: held


def test_the_lock_refuses_a_live_holder_and_is_released(tmp_path: Path) -> None:
    held = rf"another payctl \(deploy, pid {os.getpid()} on "
    with lock.held(tmp_path, "deploy"), pytest.raises(lock.Locked, match=held), \
            lock.held(tmp_path, "destroy dev"):
        pass
    assert not lock.path(tmp_path).exists()
    with lock.held(tmp_path, "deploy"):  # free again
        pass


def test_only_running_queued_or_stopping_operations_count_oldest_first() -> None:
    summaries = [{"OperationId": "b", "Status": "QUEUED", "CreationTimestamp": "2"},
                 {"OperationId": "x", "Status": "SUCCEEDED", "CreationTimestamp": "0"},
                 {"OperationId": "a", "Status": "RUNNING", "CreationTimestamp": "1"},
                 {"OperationId": "c", "Status": "STOPPING", "CreationTimestamp": "3"}]
    assert active(summaries) == [("a", "RUNNING"), ("b", "QUEUED"), ("c", "STOPPING")]
    assert "payment-platform: a RUNNING, b QUEUED" in refusal({"payment-platform": active(
        summaries)[:2]})


class Operations:
    def __init__(self, summaries: list[dict[str, str]]) -> None:
        self.summaries = summaries

    def get_paginator(self, _: str) -> Operations:
        return self

    def paginate(self, **_: str) -> list[dict[str, list[dict[str, str]]]]:
        return [{"Summaries": self.summaries}]


def test_someone_elses_operation_is_refused_or_waited_for_in_line() -> None:
    cfn = Operations([{"OperationId": "theirs", "Status": "RUNNING"}])
    with pytest.raises(Busy, match=r"theirs RUNNING.*nothing was sent"):
        wait_or_refuse(cfn, ["payment-platform"], False, lambda *_: None, print)
    waited, said = [], []
    assert wait_or_refuse(cfn, ["payment-platform"], True,
                          lambda name, op: waited.append((name, op)), said.append)
    assert waited == [("payment-platform", "theirs")]
    assert said == ["payment-platform: waiting in line for operation theirs (RUNNING), started "
                    "by someone else"]
    assert not wait_or_refuse(Operations([]), ["payment-platform"], False, print, print)


def test_someone_elses_operation_found_midway_stops_or_is_waited_for_then_planned_again() -> None:
    """Before each operation of a rollout: something was sent already, so a refusal is a
    deployment failure (exit 1), not "nothing was sent" (exit 2); waiting in line is followed by
    planning again."""
    cfn = Operations([{"OperationId": "theirs", "Status": "QUEUED"}])
    with pytest.raises(Overtaken, match=r"during this rollout \(payment-platform: theirs QUEUED\)"
                       r".*nothing more was sent") as stopped:
        before_operation(cfn, "payment-platform", False, lambda *_: None, print)
    assert stopped.value.exit_code == 1
    waited: list[tuple[str, str]] = []
    with pytest.raises(PlanAgain):
        before_operation(cfn, "payment-platform", True, lambda *op: waited.append(op), print)
    assert waited == [("payment-platform", "theirs")]
    before_operation(Operations([{"OperationId": "ours", "Status": "SUCCEEDED"}]),
                     "payment-platform", False, print, print)


def test_the_stop_report_names_every_operation_and_the_one_command_that_finishes() -> None:
    saved = pending.Saved((("payment-platform", "op-1"), ("payment-platform-edge", "op-2")),
                          pending.Intent("deploy", ("dev", "staging", "prod"), "parallel"))
    text = report(saved, Path("build/state/pending-operation.json"), 143,
                  "payctl deploy --resume")
    assert text.splitlines() == [
        "terminated; 2 operations keep running in CloudFormation:",
        "  payment-platform op-1", "  payment-platform-edge op-2",
        "the rollout `payctl deploy dev staging prod --strategy parallel` did not finish",
        "saved in build/state/pending-operation.json; finish with: payctl deploy --resume"]


def test_clean_up_commands_act_in_the_environments_account() -> None:
    table = Retained("payment-platform", "TransactionsTable", "AWS::DynamoDB::Table",
                     "payment-transactions-dev", "123456789012")
    assert runnable(table, "us-east-1") == (
        "aws --profile payctl-123456789012 --region us-east-1 dynamodb delete-table "
        "--table-name payment-transactions-dev")
    assert profile_setup("123456789012", "arn:aws:iam::123456789012:role/Exec", None,
                         "us-east-1", "http://127.0.0.1:5000")[1:] == [
        "aws configure set profile.payctl-123456789012.source_profile default",
        "aws configure set profile.payctl-123456789012.region us-east-1",
        "aws configure set profile.payctl-123456789012.endpoint_url http://127.0.0.1:5000"]
    assert profile_setup("123456789012", "arn:aws:iam::123456789012:role/Exec", "admin",
                         "us-east-1") == [
        "aws configure set profile.payctl-123456789012.role_arn "
        "arn:aws:iam::123456789012:role/Exec",
        "aws configure set profile.payctl-123456789012.source_profile admin",
        "aws configure set profile.payctl-123456789012.region us-east-1"]

"""Progress at fleet scale: counts of done / running / queued / failed, not a line per account."""

from __future__ import annotations

import io

from scripts.stacksets.operations import AccountResult, OperationStatus
from scripts.stacksets.progress import DETAIL_LIMIT, Progress, tally

RUNNING = OperationStatus.RUNNING


def _fleet(statuses: dict[str, int]) -> list[AccountResult]:
    results, n = [], 0
    for status, count in statuses.items():
        for _ in range(count):
            n += 1
            results.append(AccountResult(f"{900000000000 + n}", "us-east-1", status,
                                         "boom" if status == "FAILED" else ""))
    return results


def test_tally_counts_each_state() -> None:
    assert tally(_fleet({"SUCCEEDED": 2, "RUNNING": 3, "PENDING": 1})) == \
        "6 accounts: 2 done, 3 running, 1 queued, 0 failed"
    assert tally(_fleet({"FAILED": 1, "CANCELLED": 4})) == \
        "5 accounts: 0 done, 0 running, 0 queued, 1 failed, 4 cancelled"


def test_plain_mode_prints_counts_when_they_change_and_each_failure() -> None:
    out = io.StringIO()
    progress = Progress({}, stream=out, tty=False)
    progress("platform", "op", RUNNING, _fleet({"RUNNING": 300}))
    progress("platform", "op", RUNNING, _fleet({"RUNNING": 300}))  # unchanged: nothing
    progress("platform", "op", OperationStatus.FAILED, _fleet({"SUCCEEDED": 298, "FAILED": 2}))
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # two counts lines, two failed accounts
    assert lines[0].endswith("300 accounts: 0 done, 300 running, 0 queued, 0 failed")
    assert sum("FAILED  boom" in line for line in lines) == 2
    assert lines[-1].endswith("300 accounts: 298 done, 0 running, 0 queued, 2 failed")


def test_a_terminal_shows_one_redrawn_line_of_counts() -> None:
    out = io.StringIO()
    Progress({}, stream=out, tty=True)("platform", "op", RUNNING, _fleet({"RUNNING": 300}))
    assert out.getvalue().count("\r") == 1
    assert "300 accounts: 0 done, 300 running" in out.getvalue()


def test_a_few_accounts_are_still_named_one_by_one() -> None:
    out = io.StringIO()
    results = _fleet({"SUCCEEDED": DETAIL_LIMIT})
    Progress({results[0].account: "dev"}, stream=out, tty=False)(
        "platform", "op", OperationStatus.SUCCEEDED, results)
    assert len(out.getvalue().splitlines()) == DETAIL_LIMIT
    assert "dev" in out.getvalue()

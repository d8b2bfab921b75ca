"""The rollout report of a 300-account rollout, as a person sees it in a real browser: every
account present, the failed one marked in red with its reason, the floor drawn, no console
error, and a page that stays short because identical bars collapse into one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from browser import opened
from paramfiles import PARAMS

from scripts.actions import report
from scripts.config.reader import load_config
from scripts.stacksets.operations import AccountResult, OperationStatus
from scripts.stacksets.timeline import Timeline

FLEET = [str(210000000000 + n) for n in range(1, 298)]
FAILED = FLEET[41]
REASON = "Resource handler returned message: \"payment-flow-logs-role-dev already exists\""


@pytest.fixture
def fleet(tmp_path: Path):
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    dev = params / "dev.yaml"
    data = yaml.safe_load(dev.read_text())
    data["additional_account_ids"] = FLEET
    dev.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_config(params)


def rolled_out(config) -> Timeline:
    """The polls a waiter makes of a dev rollout of 300 accounts, 100 at a time, one failing,
    then staging and prod, on a clock the test moves."""
    now = [0.0]
    timeline = Timeline(clock=lambda: now[0])
    dev = config.environments["dev"].account_ids
    region = config.environments["dev"].region

    def poll(op: str, at: float, statuses: dict[str, str], done: bool = False) -> None:
        now[0] = at
        results = [AccountResult(a, region, s, REASON if s == "FAILED" else "")
                   for a, s in statuses.items()]
        status = OperationStatus.SUCCEEDED if done else OperationStatus.RUNNING
        timeline("payment-platform", op, status, results)

    op = "create-dev-3f2a9c1d-20261206T120000Z-1-9b1c3e"
    batches = [dev[k:k + 100] for k in range(0, len(dev), 100)]
    state = dict.fromkeys(dev, "PENDING")
    poll(op, 0, state)
    clock = 0.0
    for batch in batches:
        state.update(dict.fromkeys(batch, "RUNNING"))
        poll(op, clock + 5, state)
        clock += 150
        state.update({a: "FAILED" if a == FAILED else "SUCCEEDED" for a in batch})
        poll(op, clock, state)
    poll(op, clock + 30, state, done=True)
    for env in ("staging", "prod"):
        account = config.environments[env].account_id
        name = f"create-{env}-3f2a9c1d-20261206T120000Z-2-9b1c3e"
        poll(name, clock + 40, {account: "RUNNING"})
        clock += 200
        poll(name, clock, {account: "SUCCEEDED"}, done=True)
    return timeline


def test_a_300_account_report_shows_every_account_and_marks_the_failed_one(fleet, tmp_path) -> None:
    timeline = rolled_out(fleet)
    data = report.record(fleet, timeline.operations(), timeline.began_at, "payctl deploy --all",
                         "waves", "failed", f"1 account failed: {FAILED}", "payment-platform: update")
    page = report.write(tmp_path, data)

    saved = json.loads((tmp_path / "reports" / f"rollout-{data['id']}.json").read_text())
    assert saved == data and page.name == f"rollout-{data['id']}.html"
    with opened(page, "rollout-report-300-accounts.png") as seen:
        for account in fleet.account_names():
            assert account in seen.text, f"{account} is not on the page"
        failed = seen.driver.find_elements("css selector", ".row.failed-row")
        assert len(failed) == 1 and FAILED in failed[0].text and "FAILED" in failed[0].text
        assert "already exists" in seen.text  # the reason, not only on hover
        colour = seen.driver.execute_script(
            "return getComputedStyle(document.querySelector('.failed-row .bar')).backgroundColor")
        assert colour == "rgb(198, 40, 40)"
        assert seen.driver.find_elements("css selector", ".floor-end")
        assert "The plan that preceded it" in seen.text
        assert [e for e in seen.console if e["level"] in ("SEVERE", "WARNING")] == []
        # identical bars collapse: 300 accounts draw a handful of rows, not 300
        rows = seen.driver.find_elements("css selector", ".row")
        assert len(rows) < 40, len(rows)
        assert seen.driver.execute_script("return document.documentElement.scrollHeight") < 2000


def test_the_floor_is_the_same_operations_back_to_back_at_the_allowed_concurrency(fleet) -> None:
    timeline = rolled_out(fleet)
    data = report.record(fleet, timeline.operations(), timeline.began_at, "payctl deploy --all",
                         "waves", "succeeded", None, None)
    dev, staging, prod = data["operations"]
    # shipped preferences: 100% at once, so 300 accounts take one stack's time (145 s seen)
    assert dev["floor"] == {"started": 0.0, "finished": 145.0}
    assert staging["floor"] == {"started": 145.0, "finished": 305.0}  # seen: 490 -> 650
    assert prod["floor"]["finished"] == data["floor"]["seconds"] == 465.0
    assert dev["environments"] == ["dev"] and prod["environments"] == ["prod"]


def test_what_the_waiter_saw_becomes_each_accounts_bar(fleet) -> None:
    ops = rolled_out(fleet).operations()
    bars = {a["account"]: a for a in ops[0]["accounts"]}
    assert bars[FLEET[0]] == {"account": FLEET[0], "region": "us-east-1", "status": "SUCCEEDED",
                                   "reason": "", "started": 5.0, "finished": 150.0}
    assert bars[FAILED]["status"] == "FAILED" and bars[FAILED]["reason"] == REASON
    assert ops[0]["status"] == "SUCCEEDED" and ops[0]["finished"] == 480.0

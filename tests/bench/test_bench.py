"""The bench's floor (the ideal schedule a measured rollout is compared with) follows AWS's rules,
and `python -m scripts.bench --quick` runs end to end. Nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.bench.floor import (
    Op,
    changed_resources,
    first_poll_after,
    floor,
    operation_seconds,
    pipelined,
    polled,
    rollout_stages,
    waves,
)

ROOT = Path(__file__).resolve().parents[2]
SOFT = {"max_concurrent_percentage": 100, "failure_tolerance_count": 0,
        "concurrency_mode": "SOFT_FAILURE_TOLERANCE"}
STRICT = {**SOFT, "concurrency_mode": "STRICT_FAILURE_TOLERANCE"}


def test_an_operation_runs_its_accounts_in_batches_of_the_concurrency() -> None:
    assert operation_seconds(300, 300, 145) == 145
    assert operation_seconds(300, 1, 145) == 300 * 145
    assert operation_seconds(10, 3, 100) == 400  # 3 + 3 + 3 + 1
    assert operation_seconds(0, 1, 100) == 0


def test_stack_sets_overlap_by_environment_and_waves_do_not() -> None:
    platform = [Op(("dev",), 145), Op(("staging",), 145), Op(("prod",), 145)]
    edge = [Op(("dev",), 640), Op(("staging",), 640), Op(("prod",), 640)]
    # edge dev starts when platform dev ends (145), then runs back to back: 145 + 3 x 640
    assert pipelined([platform, edge]) == 145 + 3 * 640
    assert waves([platform, edge], ["dev", "staging", "prod"]) == 3 * (145 + 640)
    assert floor("parallel", [platform, edge], ["dev"]) == pipelined([platform, edge])


def test_a_stack_set_waits_only_for_the_one_before_it() -> None:
    # in order within a StackSet: the edge's staging waits for the platform's (110), dev follows
    assert pipelined([[Op(("dev",), 100), Op(("staging",), 10)],
                      [Op(("staging",), 5), Op(("dev",), 5)]]) == 120
    # a StackSet with no step for dev holds nobody's dev step (scripts/stacksets/schedule.py)
    assert pipelined([[Op(("dev",), 100)], [Op(("staging",), 10)], [Op(("dev",), 5)]]) == 100


def test_strict_failure_tolerance_serialises_a_fleet() -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}  # overhead 10 + 5
    assert rollout_stages([template], {"dev": 4}, SOFT)[0] == [Op(("dev",), 15)]
    assert rollout_stages([template], {"dev": 4}, STRICT)[0] == [Op(("dev",), 60)]


def test_an_update_costs_only_the_resources_the_changed_parameter_reaches() -> None:
    template = {"Parameters": {"Memory": {}, "Retention": {}},
                "Resources": {"Fn": {"Type": "AWS::Lambda::Function",
                                     "Properties": {"MemorySize": {"Ref": "Memory"}}},
                              "Logs": {"Type": "AWS::Logs::LogGroup",
                                       "Properties": {"RetentionInDays": {"Ref": "Retention"}}}}}
    touched = changed_resources(template, {"Memory": "512", "Retention": "30"},
                                {"Memory": "1024", "Retention": "30"})
    assert touched == {"Fn"}
    stages = rollout_stages([template], {"dev": 2, "prod": 1}, SOFT, [{"dev": touched}])
    assert stages == [[Op(("dev",), 10 + 45)]]  # overhead + the function; prod untouched


def test_each_environment_s_stack_is_what_its_parameters_create() -> None:
    """The floor prices the resources an environment's values create: an edge that is only
    its hosted zone until delegated costs a zone in that environment, the whole edge in one
    whose delegation is done."""
    template = {"Parameters": {"Delegated": {"Default": "false"}},
                "Conditions": {"Serving": {"Fn::Equals": [{"Ref": "Delegated"}, "true"]}},
                "Resources": {"Zone": {"Type": "AWS::Route53::HostedZone"},
                              "Cdn": {"Type": "AWS::CloudFront::Distribution",
                                      "Condition": "Serving", "DependsOn": "Zone"}}}
    stages = rollout_stages([template], {"dev": 3, "prod": 1}, SOFT,
                            parameters={"dev": {"Delegated": "false"}, "prod": {"Delegated": "true"}})
    assert stages == [[Op(("dev",), 10 + 45), Op(("prod",), 10 + 45 + 360)]]


def test_an_update_that_turns_a_condition_true_costs_what_it_creates() -> None:
    template = {"Parameters": {"Delegated": {"Default": "false"}},
                "Conditions": {"Serving": {"Fn::Equals": [{"Ref": "Delegated"}, "true"]}},
                "Resources": {"Zone": {"Type": "AWS::Route53::HostedZone"},
                              "Cdn": {"Type": "AWS::CloudFront::Distribution",
                                      "Condition": "Serving", "DependsOn": "Zone"}}}
    touched = changed_resources(template, {"Delegated": "false"}, {"Delegated": "true"})
    assert touched == {"Cdn"}
    stages = rollout_stages([template], {"dev": 1}, SOFT, [{"dev": touched}],
                            {"dev": {"Delegated": "true"}})
    assert stages == [[Op(("dev",), 10 + 360)]]


def test_the_waiter_sees_an_operation_done_at_its_next_poll() -> None:
    assert first_poll_after(0) == 0
    assert first_poll_after(55) == 64.34375  # 2 + 3 + 4.5 + ... + 22.78
    assert first_poll_after(145) == 64.34375 + 3 * 30
    assert polled([[Op(("dev",), 55)]]) == [[Op(("dev",), 64.34375)]]


def test_quick_bench_runs_and_reports_every_figure(tmp_path: Path) -> None:
    env = {**os.environ, "BENCH_OUT": str(tmp_path), "BENCH_SCALE": "0.002",
           "BENCH_STRATEGIES": "parallel"}
    subprocess.run([sys.executable, "-m", "scripts.bench", "--quick"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=600)
    report = json.loads((tmp_path / "latest.json").read_text())
    fleet = report["fleets"][0]
    assert fleet["accounts"] == 3
    first, change = fleet["first rollout"], fleet["one-parameter change (dev)"]
    for figure in ("simulated_seconds", "floor_seconds", "model_seconds", "deployer_own_seconds",
                   "polling_calls", "by_operation", "command_cpu_seconds", "peak_rss_mib"):
        assert figure in first
    assert first["floor_seconds"] > 0
    # AWS time on the emulator's clock: never faster than the ideal schedule, and the deployer's
    # own seconds count once (not 1/scale times over)
    assert first["floor_seconds"] <= first["simulated_seconds"] <= \
        first["floor_seconds"] * 1.5 + first["deployer_own_seconds"]
    # the change reaches dev's one account in the platform StackSet, nothing else
    assert change["accounts touched per StackSet"] == {
        "payment-platform": 1, "payment-platform-edge": 0}
    # the edge's second step (its domains delegated): the edge's three accounts, CloudFront's
    # time, against its floor
    step = fleet["edge delegated (second step)"]
    assert step["accounts touched per StackSet"] == {
        "payment-platform": 0, "payment-platform-edge": 3}
    assert step["floor_seconds"] <= step["simulated_seconds"] <= \
        step["floor_seconds"] * 1.5 + step["deployer_own_seconds"]
    # the change as its pull request shows it, kept beside the rollout reports
    comment = (tmp_path / "reports" / "3-parallel" / "plan-one-parameter-change.md").read_text()
    assert fleet["plan of the change as a comment (characters)"] == len(comment)
    assert "**payctl plan: 1 StackSet and 1 account to change.**" in comment
    assert "`LambdaMemorySize` <code>512</code> → <code>1024</code>" in comment

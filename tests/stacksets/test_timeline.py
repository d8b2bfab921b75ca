"""What the waiter saw becomes each account's bar: AWS gives no per-account times, so a bar runs
from the poll that first found the account started to the poll that first found it done."""

from __future__ import annotations

from scripts.stacksets.ideal import Op, spans
from scripts.stacksets.operations import AccountResult, OperationStatus
from scripts.stacksets.timeline import Timeline, fan_out

RUNNING, SUCCEEDED = OperationStatus.RUNNING, OperationStatus.SUCCEEDED


def polls(timeline: Timeline, now: list[float], seen: list[tuple[float, dict[str, str], OperationStatus]]) -> None:
    for at, statuses, status in seen:
        now[0] = at
        timeline("payment-platform", "op-1", status,
                 [AccountResult(a, "us-east-1", s, "boom" if s == "FAILED" else "")
                  for a, s in statuses.items()])


def test_an_account_found_done_at_its_first_sighting_started_after_the_poll_before() -> None:
    now = [100.0]
    timeline = Timeline(clock=lambda: now[0])
    polls(timeline, now, [(100, {"a": "PENDING", "b": "RUNNING"}, RUNNING),
                          (130, {"a": "SUCCEEDED", "b": "FAILED"}, SUCCEEDED)])
    (op,) = timeline.operations()
    bars = {a["account"]: a for a in op["accounts"]}
    assert (bars["a"]["started"], bars["a"]["finished"]) == (0.0, 30.0)  # between the two polls
    assert (bars["b"]["started"], bars["b"]["finished"], bars["b"]["reason"]) == (0.0, 30.0, "boom")
    assert (op["started"], op["finished"], op["status"]) == (0.0, 30.0, "SUCCEEDED")


def test_seconds_on_a_scaled_clock_read_as_aws_seconds() -> None:
    now = [0.0]
    timeline = Timeline(scale=0.002, clock=lambda: now[0])
    polls(timeline, now, [(0, {"a": "RUNNING"}, RUNNING), (0.29, {"a": "SUCCEEDED"}, SUCCEEDED)])
    assert timeline.operations()[0]["accounts"][0]["finished"] == 145.0


def test_the_progress_line_and_the_timeline_both_see_every_poll() -> None:
    seen: list[str] = []
    timeline = Timeline()
    fan_out(lambda s, o, st, r: seen.append(o), timeline)("p", "op-9", RUNNING, [])
    assert seen == ["op-9"] and timeline.operations()[0]["operation_id"] == "op-9"


def test_waves_run_one_environment_after_another_and_parallel_overlaps_them() -> None:
    platform = [Op(("dev",), 100), Op(("prod",), 100)]
    edge = [Op(("dev",), 50), Op(("prod",), 50)]
    assert spans("waves", [platform, edge], ["dev", "prod"]) == [
        [(0, 100), (150, 250)], [(100, 150), (250, 300)]]
    assert spans("parallel", [platform, edge], ["dev", "prod"]) == [
        [(0, 100), (100, 200)], [(100, 150), (200, 250)]]

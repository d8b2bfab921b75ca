"""The parallel strategy's schedule is the fastest AWS allows (issue 14, defect 3): AWS queues a
StackSet's operations one behind another, so each StackSet runs its steps in order, while the
StackSets overlap: the edge StackSet's dev step runs during the platform StackSet's staging step."""

from __future__ import annotations

import itertools
import threading

import pytest

from scripts.errors import DeploymentError
from scripts.stacksets.deployer import Step
from scripts.stacksets.schedule import run_pipelined


def _step(log: list[str], name: str, envs: tuple[str, ...], during: threading.Event | None = None,
          signal: threading.Event | None = None) -> Step:
    def run() -> str:
        log.append(f"start {name}")
        if signal:
            signal.set()
        if during:
            assert during.wait(timeout=10), f"{name} never overlapped"
        log.append(f"end {name}")
        return name
    return Step(envs, run)


def test_the_next_stack_set_follows_each_environment_while_the_first_goes_on() -> None:
    log: list[str] = []
    edge_dev_started = threading.Event()
    platform = [_step(log, "platform-dev", ("dev",)),
                _step(log, "platform-staging", ("staging",), during=edge_dev_started),
                _step(log, "platform-prod", ("prod",))]
    edge = [_step(log, "edge-dev", ("dev",), signal=edge_dev_started),
            _step(log, "edge-staging", ("staging",)),
            _step(log, "edge-prod", ("prod",))]

    operations = run_pipelined([platform, edge])

    assert operations == [["platform-dev", "platform-staging", "platform-prod"],
                          ["edge-dev", "edge-staging", "edge-prod"]]
    assert log.index("start edge-dev") < log.index("end platform-staging")  # they overlap
    for env in ("dev", "staging", "prod"):
        assert log.index(f"end platform-{env}") < log.index(f"start edge-{env}")
    for stage in ("platform", "edge"):  # one operation at a time per StackSet
        starts = [line for line in log if line.startswith(f"start {stage}")]
        for first, second in itertools.pairwise(starts):
            assert log.index(f"end {first[6:]}") < log.index(second)


def test_a_stack_set_update_for_every_environment_holds_the_next_stack_set_back() -> None:
    log: list[str] = []
    platform = [_step(log, "platform-all", ("dev", "staging", "prod"))]
    edge = [_step(log, "edge-dev", ("dev",)), _step(log, "edge-prod", ("prod",))]
    run_pipelined([platform, edge])
    assert log.index("end platform-all") < log.index("start edge-dev")


def test_after_a_failure_no_further_step_starts() -> None:
    log: list[str] = []

    def fail() -> str:
        raise DeploymentError("payment-platform: operation FAILED")

    platform = [Step(("dev",), fail), _step(log, "platform-staging", ("staging",))]
    edge = [_step(log, "edge-dev", ("dev",)), _step(log, "edge-staging", ("staging",))]
    with pytest.raises(DeploymentError, match="FAILED"):
        run_pipelined([platform, edge])
    assert log == []


def test_ctrl_c_stops_every_stage_and_keeps_the_waiting_stage_error() -> None:
    """The interrupt flag reaches the waiting stage, which reports its operation; the others
    start nothing more."""
    interrupted = threading.Event()
    log: list[str] = []

    def waiting() -> str:
        log.append("start platform-dev")
        assert interrupted.wait(timeout=10)
        raise DeploymentError("interrupted; payment-platform operation op-1 keeps running")

    platform = [Step(("dev",), waiting), _step(log, "platform-staging", ("staging",))]
    edge = [_step(log, "edge-dev", ("dev",))]
    timer = threading.Timer(0.1, interrupted.set)
    timer.start()
    with pytest.raises(DeploymentError, match="op-1 keeps running"):
        run_pipelined([platform, edge], interrupted)
    assert log == ["start platform-dev"]


def test_a_real_ctrl_c_in_the_main_thread_reaches_the_waiting_stage() -> None:
    import _thread

    interrupted = threading.Event()

    def waiting() -> str:
        assert interrupted.wait(timeout=10), "Ctrl-C never reached the stage"
        raise DeploymentError("interrupted; payment-platform operation op-1 keeps running")

    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(DeploymentError, match="op-1 keeps running"):
        run_pipelined([[Step(("dev",), waiting)], []], interrupted)

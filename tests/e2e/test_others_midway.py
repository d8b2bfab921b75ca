"""Someone else's operation that starts while a rollout runs: deploy looks before each operation
it starts, not only at the beginning (ListStackSetOperations), and stops there or waits in line
and plans again. The other operation is started for real, through the emulator, at the moment
just before the rollout's second operation on the platform StackSet looks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulated import TIME_SCALE, Platform, deploy_all

from scripts.cli.support import ROOT
from scripts.stacksets import others

PLATFORM = "payment-platform"
FIND = others.find  # the real look, whatever a test has put in its place


def _set_memory(params: Path, env: str, mb: int) -> None:
    path = params / f"{env}.yaml"
    path.write_text(re.sub(r"memory_mb: \d+", f"memory_mb: {mb}", path.read_text()))


def _memory(platform: Platform, env: str) -> int:
    return platform.client("lambda", env).get_function_configuration(
        FunctionName=f"payment-processor-{env}")["MemorySize"]


def someone_else_starts_one(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                            before_look: int) -> list[str]:
    """Just before deploy's `before_look`-th look at the platform StackSet's operations,
    another person updates dev's instance (an operation of their own, with its own id)."""
    cfn = platform.aws().client("cloudformation")
    dev = platform.config.environments["dev"]
    started: list[str] = []
    looks = [0]

    def looking(client: Any, names: list[str]) -> Any:
        if names == [PLATFORM]:
            looks[0] += 1
            if looks[0] == before_look:
                started.append(cfn.update_stack_instances(
                    StackSetName=PLATFORM, Accounts=[dev.account_id],
                    Regions=[dev.region])["OperationId"])
        return FIND(client, names)

    monkeypatch.setattr(others, "find", looking)
    return started


def test_an_operation_started_by_someone_else_midway_stops_the_rollout_or_is_waited_for(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """ManagedExecution (API reference): "If there are already running or queued operations,
    CloudFormation queues all incoming operations even if they are non-conflicting": the
    rollout's next operation would run after theirs, on a state its plan did not see. Waves over
    dev and staging, a change to both: the first wave runs; before the second wave's operation
    someone else's starts."""
    deploy_all(fresh)
    staging_before = _memory(fresh, "staging")
    _set_memory(fresh.params_dir, "dev", 640)
    _set_memory(fresh.params_dir, "staging", 640)

    # looks: at the start, before dev's operation, before staging's
    theirs = someone_else_starts_one(fresh, monkeypatch, before_look=3)
    stopped = fresh.payctl("deploy", "dev", "staging", "--no-manifests")

    assert stopped.exit_code == 1, stopped.output  # something was sent: not exit 2
    assert f"during this rollout ({PLATFORM}: {theirs[0]} " in stopped.output
    assert "What it already did stays applied; nothing more was sent" in stopped.output
    assert (_memory(fresh, "dev"), _memory(fresh, "staging")) == (640, staging_before)

    # dev is done now: at the start, before staging's operation
    theirs = someone_else_starts_one(fresh, monkeypatch, before_look=2)
    waited = fresh.payctl("deploy", "dev", "staging", "--no-manifests", "--wait-for-others")

    assert waited.exit_code == 0, waited.output
    assert f"{PLATFORM}: waiting in line for operation {theirs[0]} (" in waited.output
    assert f"{PLATFORM}: planning again after someone else's operations" in waited.output
    assert (_memory(fresh, "dev"), _memory(fresh, "staging")) == (640, 640)
    ops = fresh.aws().client("cloudformation").list_stack_set_operations(
        StackSetName=PLATFORM)["Summaries"]
    ours_after = [o for o in ops if o["CreationTimestamp"] > next(
        t["CreationTimestamp"] for t in ops if t["OperationId"] == theirs[0])]
    assert ours_after and all(o["Status"] == "SUCCEEDED" for o in ours_after)


def test_an_adoption_waits_for_someone_else_bringing_the_same_environment_back(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two people bring dev back after destroy: the second planned to adopt dev's retained
    resources, but by the time it looks before its import the first has imported them (into a
    stack of the StackSet's own). ImportStacksToStackSet of that stack's resources again would be
    refused ("already belongs to stack"); deploy plans again instead and finds nothing to do."""
    deploy_all(fresh)
    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0
    their_params = shutil.copytree(fresh.params_dir, tmp_path / "their-params")
    theirs: list[subprocess.CompletedProcess[str]] = []

    def looking(client: Any, names: list[str]) -> Any:
        if names == [PLATFORM] and not theirs:  # the first look just before the adoption
            theirs.append(subprocess.run(
                [sys.executable, "-m", "scripts.cli", "--endpoint-url", fresh.url,
                 "--params-dir", str(their_params), "--build-dir", str(tmp_path / "their-build"),
                 "deploy", "dev", "--no-manifests"], cwd=ROOT, capture_output=True, text=True,
                env={**os.environ, "PAYCTL_POLL_SCALE": str(TIME_SCALE)}, timeout=300))
        return FIND(client, names)

    monkeypatch.setattr(others, "find", looking)
    ours = fresh.payctl("deploy", "dev", "--no-manifests", "--wait-for-others")

    assert theirs, "deploy adopted without looking for someone else's operations first"
    assert theirs[0].returncode == 0, theirs[0].stderr
    assert ours.exit_code == 0, ours.output
    assert f"{PLATFORM}: its stacks changed since it was planned" in ours.output
    dev = fresh.config.environments["dev"]
    [instance] = fresh.aws().client("cloudformation").list_stack_instances(
        StackSetName=PLATFORM, StackInstanceAccount=dev.account_id)["Summaries"]
    live = [s["StackId"] for s in fresh.client("cloudformation", "dev").list_stacks(
        StackStatusFilter=["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"])[
        "StackSummaries"] if s["StackName"].startswith(f"StackSet-{PLATFORM}-")
        and not s["StackName"].startswith(f"StackSet-{PLATFORM}-edge-")]
    assert instance["Status"] == "CURRENT" and live == [instance["StackId"]]  # back, once

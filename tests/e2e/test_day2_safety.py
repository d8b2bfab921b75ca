"""Day-2 safety against the emulator over HTTP, with payctl in a process of its own as CI runs
it: a signal mid-operation in both strategies and `deploy --resume` to a complete rollout; an
interrupted destroy finished by running it again; one deploy per checkout; someone else's
operation refused or waited for, never a change lost; drift checked before deploy.

The emulator runs on a slower clock than the other e2e tests (SCALE), so an operation is still
RUNNING when the test sends its signal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from emulated import Platform

from scripts import emulator
from scripts.cli.main import cli
from scripts.cli.support import ROOT

SCALE = 0.01  # a 5-minute stack operation takes 3 s
STACK_SETS = ("payment-platform", "payment-platform-edge")
ACTIVE = ("RUNNING", "QUEUED", "STOPPING")


class Slow(Platform):
    scale: float = SCALE

    def payctl(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--endpoint-url", self.url, "--params-dir",
                                        str(self.params_dir), "--build-dir", str(self.build_dir),
                                        *args], input=input, env={"PAYCTL_POLL_SCALE": str(self.scale)})

    def spawn(self, *args: str, build_dir: Path | None = None,
              params_dir: Path | None = None) -> subprocess.Popen[str]:
        """payctl in its own process, as CI runs it (signals reach it as they would there)."""
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "--endpoint-url", self.url, "--params-dir",
             str(params_dir or self.params_dir), "--build-dir", str(build_dir or self.build_dir),
             *args], cwd=ROOT, env={**os.environ, "PAYCTL_POLL_SCALE": str(self.scale)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def operations(self, name: str) -> list[dict[str, Any]]:
        cfn = self.aws().client("cloudformation")
        try:
            return cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
        except Exception:  # not created yet
            return []

    def active(self) -> list[tuple[str, str]]:
        return [(name, op["OperationId"]) for name in STACK_SETS
                for op in self.operations(name) if op["Status"] in ACTIVE]

    def wait_for_running(self, process: subprocess.Popen[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            if any(op["Status"] == "RUNNING" for name in STACK_SETS
                   for op in self.operations(name)):
                return
            time.sleep(0.05)
        raise AssertionError("no operation started")

    def instances(self) -> dict[tuple[str, str], str]:
        cfn = self.aws().client("cloudformation")
        names = {e.account_id: e.name for e in self.config.environments.values()}
        found = {}
        for name in STACK_SETS:
            try:
                summaries = cfn.list_stack_instances(StackSetName=name)["Summaries"]
            except Exception:
                continue
            for s in summaries:
                found[(name, names[s["Account"]])] = s["Status"]
        return found


@contextmanager
def platform_at(tmp_path: Path, scale: float) -> Iterator[Slow]:
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    with emulator.fake_credentials():
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "--params-dir", str(params), "emulator",
             "--port", "0", "--time-scale", str(scale)], cwd=ROOT, stdout=subprocess.PIPE,
            text=True)
        try:
            assert process.stdout is not None
            found = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
            assert found, "the emulator did not start"
            platform = Slow(found.group(0), params, tmp_path / "build")
            platform.scale = scale
            assert platform.payctl("bootstrap").exit_code == 0
            yield platform
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Slow]:
    with platform_at(tmp_path, SCALE) as platform:
        yield platform


def saved(platform: Platform) -> dict[str, Any]:
    return json.loads((platform.build_dir / "state" / "pending-operation.json").read_text())


EVERYTHING = {(name, env): "CURRENT" for name in STACK_SETS for env in ("dev", "staging", "prod")}


@pytest.mark.parametrize("strategy", ["waves", "parallel"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_operation_saves_everything_and_resume_finishes_the_rollout(
        slow: Slow, strategy: str, sig: signal.Signals) -> None:
    process = slow.spawn("deploy", "--all", "--no-manifests", "--strategy", strategy)
    slow.wait_for_running(process)
    running = slow.active()
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == (143 if sig == signal.SIGTERM else 130), stderr
    assert "keep" in stderr and "running in CloudFormation" in stderr, stderr
    assert "finish with: payctl deploy --resume" in stderr, stderr
    state = saved(slow)
    kept = {(o["stack_set"], o["operation_id"]) for o in state["operations"]}
    assert set(running) <= kept, (running, kept)  # every operation running at the signal
    assert state["intent"] == {"command": "deploy", "environments": ["dev", "staging", "prod"],
                               "strategy": strategy, "allow_data_loss": False}
    assert slow.instances() != EVERYTHING  # the rollout was really cut short

    resumed = slow.payctl("deploy", "--resume", "--no-manifests")

    assert resumed.exit_code == 0, resumed.output
    for name, operation_id in kept:
        assert f"{name}: operation {operation_id} SUCCEEDED" in resumed.output
    assert "finishing the interrupted rollout: payctl deploy dev staging prod" in resumed.output
    assert slow.instances() == EVERYTHING
    assert slow.payctl("plan", "--all", "--detailed-exitcode").exit_code == 0  # nothing remains
    assert not (slow.build_dir / "state" / "pending-operation.json").exists()


def test_resume_that_cannot_run_keeps_what_was_saved(slow: Slow) -> None:
    """A resume that stops on an error reports it, exits non-zero and keeps the saved state;
    once the error is fixed, the same resume finishes the rollout."""
    process = slow.spawn("deploy", "dev", "staging", "--no-manifests")
    slow.wait_for_running(process)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 143
    staging = slow.params_dir / "staging.yaml"
    good = staging.read_text()
    staging.write_text(good + "\nnot: [valid\n")

    broken = slow.payctl("deploy", "--resume", "--no-manifests")

    assert broken.exit_code == 2, broken.output
    assert "SUCCEEDED" not in broken.output
    assert saved(slow)["intent"]["environments"] == ["dev", "staging"]
    staging.write_text(good)
    assert slow.payctl("deploy", "--resume", "--no-manifests").exit_code == 0
    assert slow.instances() == {k: v for k, v in EVERYTHING.items() if k[1] != "prod"}


def test_an_interrupted_destroy_saves_its_operation_and_running_it_again_finishes(
        slow: Slow) -> None:
    assert slow.payctl("deploy", "dev", "--no-manifests").exit_code == 0
    process = slow.spawn("destroy", "dev", "--yes")
    slow.wait_for_running(process)
    running = slow.active()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    assert "finish with: payctl destroy dev" in stderr, stderr
    state = saved(slow)
    assert state["intent"]["command"] == "destroy"
    assert set(running) <= {(o["stack_set"], o["operation_id"]) for o in state["operations"]}
    wrong = slow.payctl("deploy", "--resume")
    assert wrong.exit_code == 2
    assert "belong to `payctl destroy dev`" in wrong.output

    again = slow.payctl("destroy", "dev", "--yes")

    assert again.exit_code == 0, again.output
    assert "re-attaching to operation" in again.output
    assert slow.instances() == {}
    assert not (slow.build_dir / "state" / "pending-operation.json").exists()


def test_two_deploys_from_one_checkout_cannot_run_at_once(slow: Slow) -> None:
    first = slow.spawn("deploy", "dev", "--no-manifests")
    slow.wait_for_running(first)

    second = slow.payctl("deploy", "dev", "--no-manifests")

    assert second.exit_code == 2
    assert re.search(rf"another payctl \(deploy, pid {first.pid} on {socket.gethostname()}, "
                     r"since .*\) is changing the platform from this checkout", second.output)
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert not (slow.build_dir / "state" / "deploy.lock").exists()


def test_a_stale_lock_is_taken_over(slow: Slow) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock = slow.build_dir / "state" / "deploy.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": int(gone.stdout), "host": socket.gethostname()}))
    assert slow.payctl("deploy", "dev", "--no-manifests").exit_code == 0


def _memory(platform: Platform, env: str) -> int:
    return platform.client("lambda", env).get_function_configuration(
        FunctionName=f"payment-processor-{env}")["MemorySize"]


def _set_memory(params: Path, env: str, mb: int) -> None:
    path = params / f"{env}.yaml"
    path.write_text(re.sub(r"memory_mb: \d+", f"memory_mb: {mb}", path.read_text()))


def test_someone_elses_operation_is_refused_or_waited_for_never_lost(tmp_path: Path) -> None:
    """Two people, two checkouts, one platform, different values: the second is refused while
    the first's operation runs; told to wait, it waits in line and plans again after it; both
    values are applied in order and the last one stays. (A slower clock: the first operation
    must outlast the second deploy's packaging.)"""
    with platform_at(tmp_path, 0.03) as first_person:
        other_params = tmp_path / "other-params"
        shutil.copytree(first_person.params_dir, other_params)
        _set_memory(first_person.params_dir, "dev", 768)
        _set_memory(other_params, "dev", 1024)
        other = Slow(first_person.url, other_params, tmp_path / "other-build")
        other.scale = first_person.scale

        first = first_person.spawn("deploy", "dev", "--no-manifests")
        first_person.wait_for_running(first)
        refused = other.payctl("deploy", "dev", "--no-manifests")
        assert refused.exit_code == 2, refused.output
        assert "someone else's operations are running or queued" in refused.output
        assert "nothing was sent" in refused.output

        waited = other.payctl("deploy", "dev", "--no-manifests", "--wait-for-others")
        first.communicate(timeout=300)

        assert first.returncode == 0
        assert waited.exit_code == 0, waited.output
        assert "waiting in line for operation add-dev-" in waited.output
        assert _memory(first_person, "dev") == 1024
        ops = sorted((op for op in first_person.operations("payment-platform")),
                     key=lambda op: op["CreationTimestamp"])
        assert [op["OperationId"].split("-")[0] for op in ops] == ["add", "params"]
        assert all(op["Status"] == "SUCCEEDED" for op in ops)


def test_deploy_checks_drift_first_and_refuses_to_overwrite_it(slow: Slow) -> None:
    """The walk-through of docs/day2.md: a Lambda's memory changed by hand, drift shows it, deploy
    --check-drift refuses, --overwrite-drift replaces it."""
    assert slow.payctl("deploy", "dev", "--no-manifests").exit_code == 0
    slow.client("lambda", "dev").update_function_configuration(
        FunctionName="payment-processor-dev", MemorySize=1024)
    _set_memory(slow.params_dir, "dev", 768)

    drift = slow.payctl("drift", "dev")
    assert drift.exit_code == 3
    assert "/MemorySize: 512 -> 1024 (NOT_EQUAL)" in drift.output

    refused = slow.payctl("deploy", "dev", "--check-drift", "--no-manifests")
    assert refused.exit_code == 1, refused.output
    assert "refusing to deploy over changes made outside payctl" in refused.output
    assert "/MemorySize: 512 -> 1024 (NOT_EQUAL)" in refused.output
    assert _memory(slow, "dev") == 1024

    overwritten = slow.payctl("deploy", "dev", "--check-drift", "--overwrite-drift",
                              "--no-manifests")
    assert overwritten.exit_code == 0, overwritten.output
    assert _memory(slow, "dev") == 768
    assert slow.payctl("drift", "dev").exit_code == 0


def test_the_clean_up_commands_destroy_prints_run_as_printed(slow: Slow, tmp_path: Path) -> None:
    """The retained resources are in the environment's account: the printed profile setup and
    removal commands, run by the AWS CLI exactly as printed, remove them there."""
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    assert slow.payctl("deploy", "dev", "--no-manifests").exit_code == 0
    destroyed = slow.payctl("destroy", "dev", "--yes", "--output", "json")
    assert destroyed.exit_code == 0, destroyed.output
    report = json.loads(destroyed.output[destroyed.output.index("{\n"):])
    home = tmp_path / "aws"
    home.mkdir()
    (home / "credentials").write_text("[default]\naws_access_key_id = testing\n"
                                      "aws_secret_access_key = testing\n")
    env = {**os.environ, "HOME": str(home), "AWS_CONFIG_FILE": str(home / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials")}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        env.pop(name, None)
    tables = [r for r in report["retained"] if r["type"] == "AWS::DynamoDB::Table"]
    assert tables
    for line in report["profiles"] + [r["removal"] for r in tables]:
        run = subprocess.run(line, shell=True, env=env, capture_output=True, text=True)
        assert run.returncode == 0, (line, run.stderr)
    dynamodb = slow.client("dynamodb", "dev")
    left = dynamodb.list_tables()["TableNames"]
    assert not {r["physical_id"] for r in tables} & set(left)

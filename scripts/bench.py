"""`make bench`: the project's speed figures, each measured several times (median, min, max),
printed and written to build/bench/ for comparison over time.

Build and lint run as the user runs them; deployment figures use the embedded emulator (its
own state, on 127.0.0.1, throwaway credentials); the polling figure replays a simulated
20-minute operation through botocore's Stubber with a fake clock. Not a test: nothing here
asserts, it measures.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scripts.cli_support import ROOT

PAYCTL = [sys.executable, "-m", "scripts.cli"]
FLEET_PREFIX = 900000000000  # generated fleet accounts: 900000000001, ...


def stats(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs": len(samples)}


def repeat(runs: int, measure: Callable[[], float]) -> dict[str, float]:
    return stats([measure() for _ in range(runs)])


def wall(command: list[str], **kwargs: Any) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, **kwargs)
    return time.perf_counter() - started


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


# -- build and lint ----------------------------------------------------------------------------

def bench_build(runs: int) -> dict[str, Any]:
    heavy = ("boto3", "botocore", "cfnlint", "moto")
    probe = ("import sys; from click.testing import CliRunner; from scripts.cli import cli; "
             "CliRunner().invoke(cli, ['build'], catch_exceptions=False); "
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))")
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return {
        "make templates (payctl build, whole process)": repeat(runs, lambda: wall([*PAYCTL, "build"])),
        "interpreter start (python -c pass)": repeat(runs, lambda: wall([sys.executable, "-c", "pass"])),
        "imports of the build path (templates_py, troposphere, awacs, click)": repeat(
            runs, lambda: wall([sys.executable, "-c", "import scripts.cli, templates_py.platform, "
                                "templates_py.edge, templates_py.bootstrap, scripts.build"])),
        "heavy modules the build imported": loaded,
    }


def bench_lint(runs: int) -> dict[str, Any]:
    from scripts.lint import lint_templates

    paths = sorted((ROOT / "build" / "templates").glob("*.json"))
    first, _ = timed(lambda: lint_templates(paths))
    return {f"cfn-lint, all {len(paths)} templates in one run (first, rules loading)": first,
            f"cfn-lint, all {len(paths)} templates in one run (warm)":
                repeat(runs, lambda: timed(lambda: lint_templates(paths))[0])}


# -- deployments against the emulator ------------------------------------------------------------

def fleet_params(accounts: int, into: Path) -> Path:
    """params/ with dev spread over enough generated accounts to total `accounts`."""
    shutil.copytree(ROOT / "params", into)
    extra = accounts - 3
    if extra > 0:
        dev = into / "dev.yaml"
        data = yaml.safe_load(dev.read_text())
        data["additional_account_ids"] = [str(FLEET_PREFIX + n) for n in range(1, extra + 1)]
        dev.write_text(yaml.safe_dump(data, sort_keys=False))
    return into


def _rollout(params: Path, build: Path, url: str) -> Any:
    from scripts.aws import Aws
    from scripts.config import load_config
    from scripts.progress import Progress
    from scripts.rollout import Rollout

    config = load_config(params)
    aws = Aws(region=config.deployment.region, endpoint_url=url)
    progress = Progress(config.account_names(), stream=io.StringIO(), tty=False)
    return Rollout(config, aws, build, progress, 3600)


def _phase(rollout: Any, action: Callable[[], Any]) -> dict[str, Any]:
    from scripts.aws import is_write

    before = Counter(rollout.aws.calls)
    seconds, _ = timed(action)
    calls = rollout.aws.calls - before
    writes = sum(n for call, n in calls.items() if is_write(call))
    return {"seconds": seconds, "api_calls": sum(calls.values()), "write_calls": writes,
            "by_operation": dict(sorted(calls.items()))}


def bench_rollout(accounts: int, work: Path) -> dict[str, Any]:
    from scripts import emulator

    params = fleet_params(accounts, work / f"params-{accounts}")
    build = work / f"build-{accounts}"
    with emulator.start(_admin(params)) as local:
        rollout = _rollout(params, build, local.url)
        environments = list(rollout.config.environments.values())
        deploy = _phase(rollout, lambda: rollout.deploy(environments))
        export = _phase(rollout, lambda: rollout.manifests(environments, build / "manifests"))
    return {"accounts": accounts, "rollout": deploy, "export manifests": export}


def bench_noop(runs: int, work: Path) -> dict[str, Any]:
    from scripts import emulator

    params = fleet_params(3, work / "params-noop")
    build = work / "build-noop"
    with emulator.start(_admin(params)) as local:
        first = _rollout(params, build, local.url)
        environments = list(first.config.environments.values())
        first.deploy(environments)
        samples, calls = [], {}
        for _ in range(runs):
            rollout = _rollout(params, build, local.url)
            calls = _phase(rollout, lambda r=rollout: r.deploy(environments))
            samples.append(calls.pop("seconds"))
        env = {**os.environ, "AWS_ENDPOINT_URL": local.url}
        command = [*PAYCTL, "--params-dir", str(params), "--build-dir", str(build),
                   "deploy", "--all", "--no-manifests"]
        whole = repeat(runs, lambda: wall(command, env=env))
    return {"no-op deploy --all, in process (read, compare, start nothing)": stats(samples),
            "no-op deploy --all, whole process (payctl deploy --all --no-manifests)": whole,
            "no-op API calls": calls}


def _admin(params: Path) -> str:
    return yaml.safe_load((params / "deployment.yaml").read_text())["admin_account_id"]


# -- polling -------------------------------------------------------------------------------------

def bench_polling(minutes: float = 20) -> dict[str, Any]:
    """How many describe calls the waiter makes on an operation that runs `minutes`."""
    import boto3
    from botocore.stub import Stubber

    from scripts.operations import OperationWaiter, delays

    polls, elapsed = 0, 0.0
    for delay in delays():
        polls += 1
        if elapsed >= minutes * 60:
            break
        elapsed += delay
    client = boto3.client("cloudformation", region_name="us-east-1")
    now = [0.0]
    with Stubber(client) as stubber:
        for n in range(polls):
            status = "SUCCEEDED" if n == polls - 1 else "RUNNING"
            stubber.add_response("describe_stack_set_operation", {"StackSetOperation": {
                "OperationId": "op", "Status": status, "Action": "UPDATE"}})
            stubber.add_response("list_stack_set_operation_results", {"Summaries": []})
        waiter = OperationWaiter(client, timeout=minutes * 60 * 2, on_progress=lambda *a: None,
                                 names={}, sleep=lambda s: now.__setitem__(0, now[0] + s),
                                 clock=lambda: now[0])
        waiter.wait("demo", "op")
    return {"simulated operation (minutes)": minutes, "describe calls": polls,
            "simulated seconds waited": now[0]}


# -- report --------------------------------------------------------------------------------------

def _lines(name: str, value: Any, indent: str = "  ") -> list[str]:
    if isinstance(value, dict) and "median" in value:
        return [f"{indent}{name}: median {value['median']:.3f} s  (min {value['min']:.3f}, "
                f"max {value['max']:.3f}, {value['runs']} runs)"]
    if isinstance(value, dict):
        lines = [f"{indent}{name}:"]
        for key, inner in value.items():
            lines += _lines(key, inner, indent + "  ")
        return lines
    shown = f"{value:.3f} s" if isinstance(value, float) else value
    return [f"{indent}{name}: {shown}"]


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    scale = [int(n) for n in os.environ.get("BENCH_ACCOUNTS", "3,100").split(",")]
    from scripts import emulator

    report: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
                              "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    report["build"] = bench_build(runs)
    report["lint"] = bench_lint(max(2, runs // 2))
    with tempfile.TemporaryDirectory(prefix="payctl-bench-") as tmp, emulator.fake_credentials():
        report["no-op deploy"] = bench_noop(runs, Path(tmp))
        for accounts in scale:
            report[f"rollout to {accounts} accounts"] = bench_rollout(accounts, Path(tmp))
    report["polling"] = bench_polling()
    for section, value in report.items():
        print(f"{section}:")
        for line in (_lines(k, v) for k, v in value.items()) if isinstance(value, dict) else [[value]]:
            print("\n".join(str(x) for x in line))
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{report['when'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    (out / "latest.json").write_text(path.read_text())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""`make bench`: how long a rollout takes on AWS, simulated, against its floor; plus the build,
cfn-lint and polling figures. Printed and written to build/bench/ for comparison over time.

Each fleet (3, 100, 300 accounts x waves, parallel) runs in a process of its own with a fresh
emulator (its own state, on 127.0.0.1, throwaway credentials); each payctl command runs in a
child (`drive`). The polling figure replays a simulated 20-minute operation through botocore's
Stubber with a fake clock. Not a test: nothing here asserts, it measures.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scripts.aws.clients import is_write
from scripts.cli.support import ROOT

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
    probe = ("import sys; from click.testing import CliRunner; from scripts.cli.main import cli; "
             "CliRunner().invoke(cli, ['build'], catch_exceptions=False); "
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))")
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return {
        "make templates (payctl build, whole process)": repeat(runs, lambda: wall([*PAYCTL, "build"])),
        "interpreter start (python -c pass)": repeat(runs, lambda: wall([sys.executable, "-c", "pass"])),
        "imports of the build path (templates_py, troposphere, awacs, click)": repeat(
            runs, lambda: wall([sys.executable, "-c", "import scripts.cli.main, templates_py.platform, "
                                "templates_py.edge, templates_py.bootstrap, scripts.build.render"])),
        "heavy modules the build imported": loaded,
    }


def bench_lint(runs: int) -> dict[str, Any]:
    from scripts.checks.lint import lint_templates

    paths = sorted((ROOT / "build" / "templates").glob("*.json"))
    first, _ = timed(lambda: lint_templates(paths))
    return {f"cfn-lint, all {len(paths)} templates in one run (first, rules loading)": first,
            f"cfn-lint, all {len(paths)} templates in one run (warm)":
                repeat(runs, lambda: timed(lambda: lint_templates(paths))[0])}


# -- rollouts against the emulator, on its simulated clock -----------------------------------

ORDER = ("dev", "staging", "prod")
CHANGE = ("lambda", "memory_mb", 1024)  # the one-parameter change: dev's Lambda memory 512 -> 1024
BENCH_DOMAIN = "payments-bench.io"  # not reserved, so the edge's delegation can be played


def fleet_params(accounts: int, into: Path) -> Path:
    """params/ with dev spread over enough generated accounts to total `accounts`, and edge
    domains that could be delegated (the shipped ones are under the reserved example.com)."""
    shutil.copytree(ROOT / "params", into)
    for env in ORDER:
        edit(into / f"{env}.yaml", "edge", "domain", f"{env}.api.{BENCH_DOMAIN}")
    extra = accounts - 3
    if extra > 0:
        dev = into / "dev.yaml"
        data = yaml.safe_load(dev.read_text())
        data["additional_account_ids"] = [str(FLEET_PREFIX + n) for n in range(1, extra + 1)]
        dev.write_text(yaml.safe_dump(data, sort_keys=False))
    return into


def edit(path: Path, section: str, key: str, value: Any) -> None:
    data = yaml.safe_load(path.read_text())
    data[section][key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def change_one_parameter(params: Path) -> None:
    edit(params / "dev.yaml", *CHANGE)


def delegate_every_edge(params: Path) -> None:
    """The edge's second step: every environment's `edge.delegated` true."""
    for env in ORDER:
        edit(params / f"{env}.yaml", "edge", "delegated", True)


def zone_name_servers(account: str, domain: str) -> list[str]:
    """The name servers of the account's hosted zone for `domain` (read in the emulator's
    Route 53: this process runs it), what the parent zone would delegate to."""
    from moto.route53.models import route53_backends

    [zone] = [z for z in route53_backends[account]["global"].zones.values()
              if z.name.rstrip(".") == domain]
    return list(zone.delegation_set.name_servers)


def _admin(params: Path) -> str:
    return yaml.safe_load((params / "deployment.yaml").read_text())["admin_account_id"]


def fleet_execution_roles(config: Any) -> None:
    """Setup, not measured: the fleet's execution roles created straight in the emulator's IAM
    (`payctl bootstrap` takes ~2 s of moto time per account, the same role each time; the
    three named accounts are bootstrapped for real)."""
    from moto.iam.models import iam_backends

    from templates_py.bootstrap import build_execution_role

    template = build_execution_role().to_dict()
    spec = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{config.deployment.admin_account_id}:root"}}]})
    named = {env.account_id for env in config.environments.values()}
    for env in config.environments.values():
        for account in env.account_ids:
            if account not in named:
                iam_backends[account]["global"].create_role(
                    config.deployment.execution_role_name, trust, spec["Properties"].get(
                        "Path", "/"), None, "", [], None)


@contextmanager
def sleeps_on_the_emulator_clock(sock: socket.socket) -> Iterator[None]:
    """Carry out the child's sleeps (drive.EmulatorSleep: `n seconds` in, `n` out once the
    clock has moved that far) on the emulator's clock, which otherwise stands still until the
    socket closes. Everything else the deployer does (planning, looking into accounts, each
    call, a poll's own round trip) is real time, which a rollout on AWS contains once; on a
    running clock it would count 1/scale times over, as if AWS answered at the emulator's
    speed-up. The clock also stands still for moto's work, so a sleep lasts its simulated time
    however long moto takes meanwhile."""
    from scripts.emulator.engine.clock import CLOCK

    lock = threading.Lock()
    standing = ExitStack()
    standing.enter_context(CLOCK.paused())
    sleepers = [0]

    def sleep(asked: str, seconds: float) -> None:
        with lock:
            sleepers[0] += 1
            if sleepers[0] == 1:
                standing.close()
        CLOCK.sleep_until(CLOCK.monotonic() + seconds)
        with lock:
            sleepers[0] -= 1
            if sleepers[0] == 0:
                standing.enter_context(CLOCK.paused())
            with contextlib.suppress(OSError):  # the child is gone: nobody to wake
                sock.sendall(f"{asked}\n".encode())

    def serve() -> None:
        for line in sock.makefile():
            asked, seconds = line.split()
            threading.Thread(target=sleep, args=(asked, float(seconds)), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
        standing.close()
        sock.close()


def drive(args: list[str], params: Path, build: Path, url: str, scale: float,
          work: Path) -> dict[str, Any]:
    """Run `payctl args` in a child process against the emulator; what it cost, with the
    simulated AWS time of a command that waits on operations: the emulator's clock runs only
    while the deployer sleeps between polls (sleeps_on_the_emulator_clock) and stands still for
    moto's work and the engine's bookkeeping (engine/clock.py), so its advance divided by the
    scale is AWS's share; the deployer's own real time (`deployer_own_seconds`) is added once.
    No operation can look faster than the floor: it runs on the clock alone. A command that
    does not wait (plan, status, manifest) is reported in real seconds."""
    from scripts.emulator.engine.clock import CLOCK

    out = work / "drive.json"
    ours, theirs = socket.socketpair()
    env = {**os.environ, "AWS_ENDPOINT_URL": url, "PAYCTL_POLL_SCALE": str(scale),
           "PAYCTL_BENCH_SLEEP_FD": str(theirs.fileno())}
    with sleeps_on_the_emulator_clock(ours):
        ran = CLOCK.monotonic()
        with theirs:  # closed once the child has its copy: its exit ends `serve`
            done = subprocess.run(
                [sys.executable, "-m", "scripts.bench.drive", str(out), "--params-dir", str(params),
                 "--build-dir", str(build), "--no-color", *args],
                cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                pass_fds=(theirs.fileno(),))
        ran = CLOCK.monotonic() - ran
    result = json.loads(out.read_text())
    if result["exit_code"]:
        raise SystemExit(f"payctl {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    own = result["deployer_own_seconds"]
    calls = Counter(result.pop("calls"))
    polls = calls["cloudformation:DescribeStackSetOperation"] + \
        calls["cloudformation:ListStackSetOperationResults"]
    return {**result, "emulator_clock_seconds": ran,
            "simulated_seconds": ran / scale + own if result["sleeping_seconds"]
            else result["wall_seconds"],
            "progress_lines": len(done.stderr.splitlines()),
            "api_calls": sum(calls.values()), "write_calls": sum(
                n for call, n in calls.items() if is_write(call)),
            "polling_calls": polls, "by_operation": dict(sorted(calls.items()))}


def touched_accounts(cfn: Any, names: list[str], before: set[str]) -> dict[str, int]:
    """Accounts each new operation worked on, per StackSet (operations not in `before`)."""
    counts = {}
    for name in names:
        ops = [o["OperationId"] for page in cfn.get_paginator(
            "list_stack_set_operations").paginate(StackSetName=name)
            for o in page["Summaries"] if o["OperationId"] not in before]
        counts[name] = sum(len(page["Summaries"]) for op in ops for page in cfn.get_paginator(
            "list_stack_set_operation_results").paginate(StackSetName=name, OperationId=op))
    return counts


def operation_ids(cfn: Any, names: list[str]) -> set[str]:
    return {o["OperationId"] for name in names for page in cfn.get_paginator(
        "list_stack_set_operations").paginate(StackSetName=name) for o in page["Summaries"]}


def floors(params: Path, build: Path, changed: Path | None, polling: bool = False
           ) -> dict[str, float]:
    """Ideal simulated seconds of each strategy, for the first rollout (changed None) or for
    going from `params` to `changed`; with `polling`, each operation lasting until the waiter
    sees it done (the time model)."""
    from scripts.bench.floor import changed_resources, floor, polled, rollout_stages
    from scripts.config.reader import load_config

    config = load_config(params)
    templates = [json.loads((build / "templates" / f"{s.template}.json").read_text())
                 for s in config.deployment.stacksets]
    accounts = {name: len(env.account_ids) for name, env in config.environments.items()}
    values = {name: env.values for name, env in config.environments.items()}
    changes = None
    if changed is not None:
        after = load_config(changed)
        values = {name: env.values for name, env in after.environments.items()}
        changes = []
        for template in templates:
            per_env: dict[str, set[str] | None] = {}
            for name, env in config.environments.items():
                touched = changed_resources(template, env.values, after.environments[name].values)
                if touched:
                    per_env[name] = touched
            changes.append(per_env)
    stages = rollout_stages(templates, accounts, config.deployment.operation_preferences, changes,
                            values)
    if polling:
        stages = polled(stages)
    return {strategy: floor(strategy, stages, list(config.environments))
            for strategy in ("waves", "parallel")}


def model(measured: dict[str, Any], polled_schedule: float) -> None:
    """The time model of docs/speed.md, next to what was measured: the schedule with each operation
    lasting until the waiter sees it done, plus the deployer's own time."""
    measured["model_seconds"] = polled_schedule + measured["deployer_own_seconds"]


def bench_fleet(accounts: int, strategy: str, scale: float, work: Path,
                reads: bool) -> dict[str, Any]:
    """First rollout and a one-parameter change to `accounts` accounts with `strategy`; with
    `reads`, also plan, status, manifest and a no-op deploy at that size."""
    import boto3

    from scripts import emulator
    from scripts.actions.bootstrap import bootstrap
    from scripts.aws.clients import Aws
    from scripts.config.reader import ORGANIZATION_ROLE, load_config

    here = work / f"{accounts}-{strategy}"
    params = fleet_params(accounts, here / "params")
    build = here / "build"
    changed = here / "changed"
    shutil.copytree(params, changed)
    change_one_parameter(changed)
    subprocess.run([*PAYCTL, "--params-dir", str(params), "--build-dir", str(build), "build"],
                   cwd=ROOT, check=True, capture_output=True)
    config = load_config(params)
    names = [s.name for s in config.deployment.stacksets]
    result: dict[str, Any] = {"accounts": accounts, "strategy": strategy, "time_scale": scale}
    with emulator.start(_admin(params), time_scale=scale) as local:
        started = time.perf_counter()
        bootstrap(load_config(ROOT / "params"),
                  Aws(region=config.deployment.region, endpoint_url=local.url),
                  ORGANIZATION_ROLE, lambda _: None)
        fleet_execution_roles(config)
        result["bootstrap (setup, real seconds)"] = time.perf_counter() - started
        cfn = boto3.client("cloudformation", region_name=config.deployment.region,
                           endpoint_url=local.url)

        def run(args: list[str], where: Path = params) -> dict[str, Any]:
            return drive(args, where, build, local.url, scale, here)

        deploy = ["deploy", "--all", "--no-manifests", "--strategy", strategy]
        if reads:  # before anything exists: plan looks into every account for retained data
            result["plan --all (new fleet)"] = run(["plan", "--all"])
        first = run(deploy)
        first["floor_seconds"] = floors(params, build, None)[strategy]
        model(first, floors(params, build, None, polling=True)[strategy])
        result["first rollout"] = first
        if reads:
            result["plan --all"] = run(["plan", "--all"])
            result["status"] = run(["status"])
            result["manifest --all"] = run(["manifest", "--all"])
            result["no-op deploy --all"] = run(deploy)
        if reads:
            comment = plan_comment(changed, build, local.url)
            (build / "reports").mkdir(parents=True, exist_ok=True)
            (build / "reports" / "plan-one-parameter-change.md").write_text(comment)
            result["plan of the change as a comment (characters)"] = len(comment)
        before = operation_ids(cfn, names)
        change = run(deploy, changed)
        change["floor_seconds"] = floors(params, build, changed)[strategy]
        model(change, floors(params, build, changed, polling=True)[strategy])
        change["accounts touched per StackSet"] = touched_accounts(cfn, names, before)
        result["one-parameter change (dev)"] = change
        if all(len(env.account_ids) == 1 for env in config.environments.values()):
            before = operation_ids(cfn, names)
            step = second_step(config, changed, build, deploy, run)
            step["accounts touched per StackSet"] = touched_accounts(cfn, names, before)
            result["edge delegated (second step)"] = step
    return result


def plan_comment(params: Path, build: Path, url: str) -> str:
    """The pull-request comment a change gets, as the workflow asks for it: `plan --all
    --output markdown`, kept beside the fleet's rollout reports."""
    done = subprocess.run([*PAYCTL, "--params-dir", str(params), "--build-dir", str(build),
                           "--output", "markdown", "plan", "--all"],
                          cwd=ROOT, env={**os.environ, "AWS_ENDPOINT_URL": url},
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"payctl plan --all --output markdown failed:\n{done.stderr[-3000:]}")
    return done.stdout


def second_step(config: Any, params: Path, build: Path, deploy: list[str],
                run: Callable[[list[str], Path], dict[str, Any]]) -> dict[str, Any]:
    """The edge's serving half (certificate, WAF, CloudFront, the alias record): every
    environment's domain delegated to its zone by the public DNS (a responder on 127.0.0.1 that
    payctl's check and the emulator's ACM both ask), then `edge.delegated` true everywhere.
    Only where each environment is one account: a fleet's accounts share their environment's
    domain, and the parent zone delegates a name to one zone."""
    from scripts.emulator.dns_responder import responding
    from scripts.emulator.public_dns import RESOLVER_VARIABLE

    delegated = params.parent / "delegated"
    shutil.copytree(params, delegated)
    delegate_every_edge(delegated)
    strategy = deploy[deploy.index("--strategy") + 1]
    with responding() as dns:
        for env in config.environments.values():
            domain = f"{env.name}.api.{BENCH_DOMAIN}"
            dns.records[domain] = zone_name_servers(env.account_id, domain)
        os.environ[RESOLVER_VARIABLE] = dns.address  # the emulator's ACM, and the child's check
        try:
            step = run(deploy, delegated)
        finally:
            del os.environ[RESOLVER_VARIABLE]
    step["floor_seconds"] = floors(params, build, delegated)[strategy]
    model(step, floors(params, build, delegated, polling=True)[strategy])
    return step


# -- polling -------------------------------------------------------------------------------------

def bench_polling(minutes: float = 20) -> dict[str, Any]:
    """How many describe calls the waiter makes on an operation that runs `minutes`."""
    import boto3
    from botocore.stub import Stubber

    from scripts.stacksets.operations import OperationWaiter, delays

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


TIME_SCALE = 0.01  # real seconds per AWS second: a 640 s edge stack takes 6.4 s


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.2f} s"


def table(fleets: list[dict[str, Any]]) -> str:
    """One row per fleet, strategy and phase: simulated time against the floor, and the cost."""
    rows = [("accounts", "strategy", "phase", "simulated", "floor", "x floor", "model",
             "deployer own", "API calls", "polls", "touched", "deployer CPU", "peak RSS")]
    for fleet in fleets:
        for phase, value in fleet.items():
            if not isinstance(value, dict) or "simulated_seconds" not in value:
                continue
            floor = value.get("floor_seconds")
            touched = value.get("accounts touched per StackSet")
            rows.append((
                str(fleet["accounts"]), fleet["strategy"], phase,
                _seconds(value["simulated_seconds"]), f"{floor:.0f} s" if floor else "-",
                f"{value['simulated_seconds'] / floor:.2f}" if floor else "-",
                _seconds(value["model_seconds"]) if floor else "-",
                _seconds(value["deployer_own_seconds"]),
                str(value["api_calls"]), str(value["polling_calls"]),
                "/".join(str(n) for n in touched.values()) if touched else "-",
                f"{value['command_cpu_seconds']:.1f} s", f"{value['peak_rss_mib']:.0f} MiB"))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(v.rjust(w) if i > 2 else v.ljust(w)
                                for i, (v, w) in enumerate(zip(r, widths, strict=True)))
                      for r in rows)


def fleet_in_child(accounts: int, strategy: str, scale: float, work: Path,
                   reads: bool, reports: Path) -> dict[str, Any]:
    """`bench_fleet` in a process of its own: a fresh emulator each time (moto keeps its state
    per process, and resetting a big fleet's state takes longer than starting again). Its
    deploys' rollout reports are kept in `reports`/<accounts>-<strategy>/."""
    out = work / f"fleet-{accounts}-{strategy}.json"
    subprocess.run([sys.executable, "-m", "scripts.bench", "--fleet", str(accounts), strategy,
                    str(scale), str(work), "reads" if reads else "-", str(out)],
                   cwd=ROOT, check=True)
    drawn = work / f"{accounts}-{strategy}" / "build" / "reports"
    if drawn.is_dir():
        shutil.copytree(drawn, reports / f"{accounts}-{strategy}", dirs_exist_ok=True)
    return json.loads(out.read_text())


def fleet_main(args: list[str]) -> None:
    """The child side of `fleet_in_child`."""
    from scripts import emulator

    accounts, strategy, scale, work, reads, out = args
    with emulator.fake_credentials():
        result = bench_fleet(int(accounts), strategy, float(scale), Path(work), reads == "reads")
    Path(out).write_text(json.dumps(result))


def main(argv: list[str] | None = None) -> None:
    """`--quick`: a 3-account fleet only (what the test runs). BENCH_ACCOUNTS (3,100,300),
    BENCH_STRATEGIES (waves,parallel), BENCH_SCALE (the emulator's time scale), BENCH_RUNS and
    BENCH_OUT (build/bench) change what is measured and where it goes."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--fleet"]:
        fleet_main(args[1:])
        return
    quick = "--quick" in args
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    sizes = [int(n) for n in os.environ.get("BENCH_ACCOUNTS", "3" if quick else "3,100,300").split(",")]
    strategies = os.environ.get("BENCH_STRATEGIES", "waves,parallel").split(",")
    scale = float(os.environ.get("BENCH_SCALE", str(TIME_SCALE)))
    report: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
                              "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if not quick:
        report["build"] = bench_build(runs)
        report["lint"] = bench_lint(max(2, runs // 2))
        report["polling"] = bench_polling()
    fleets = []
    out = Path(os.environ.get("BENCH_OUT", ROOT / "build" / "bench"))
    with tempfile.TemporaryDirectory(prefix="payctl-bench-") as tmp:
        for accounts in sizes:
            for n, strategy in enumerate(strategies):
                fleets.append(fleet_in_child(accounts, strategy, scale, Path(tmp), reads=n == 0,
                                             reports=out / "reports"))
                print(f"{accounts} accounts, {strategy}: done", file=sys.stderr, flush=True)
    report["fleets"] = fleets
    for section, value in report.items():
        if section == "fleets":
            continue
        print(f"{section}:")
        for line in (_lines(k, v) for k, v in value.items()) if isinstance(value, dict) else [[value]]:
            print("\n".join(str(x) for x in line))
    print(f"rollouts (simulated AWS time at time scale {scale}; floor = the strategy's ideal "
          "schedule):")
    print(table(fleets))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{report['when'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    (out / "latest.json").write_text(path.read_text())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

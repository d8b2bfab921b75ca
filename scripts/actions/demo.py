"""`payctl demo`: the whole rollout on this machine, against the embedded emulator.

With the emulator the command started on loopback: bootstraps the StackSet roles, deploys every
environment, exports and validates the compliance manifests, then deploys again to show that an
unchanged platform starts no operation and makes no write call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.actions import report
from scripts.actions.bootstrap import bootstrap
from scripts.actions.rollout import Rollout
from scripts.aws.clients import Aws
from scripts.config.reader import ORGANIZATION_ROLE, Config
from scripts.errors import DeploymentError
from scripts.stacksets.progress import Progress


@dataclass
class InstanceSummary:
    environment: str
    account_id: str
    stack_set: str
    status: str
    endpoints: list[str]


@dataclass
class DemoReport:
    endpoint: str
    deploy_seconds: float
    noop_seconds: float
    noop_write_calls: int
    noop_read_calls: int
    manifests: list[Path] = field(default_factory=list)
    rollout_report: Path | None = None
    instances: list[InstanceSummary] = field(default_factory=list)

    def render(self) -> str:
        rows = [("ENV", "ACCOUNT", "STACKSET", "STATUS", "KEY OUTPUTS")]
        rows += [(i.environment, i.account_id, i.stack_set, i.status, "  ".join(i.endpoints) or "-")
                 for i in self.instances]
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
                 for r in rows]
        lines += ["", *(f"manifest: {path}" for path in self.manifests),
                  *([f"rollout report: {self.rollout_report}"] if self.rollout_report else []), "",
                  f"first deploy and manifests: {self.deploy_seconds:.1f} s",
                  f"second deploy: no changes in {self.noop_seconds:.2f} s, "
                  f"{self.noop_write_calls} write calls, {self.noop_read_calls} read calls"]
        return "\n".join(lines)


def _key_outputs(resources: list[dict]) -> list[str]:
    """The URLs and domains a person opens; an edge that is still only its hosted zone (not
    yet delegated) shows the zone."""
    shown = [r.get("url") or r["name"] for r in resources
             if "url" in r or r["type"] == "AWS::CloudFront::Distribution"]
    return shown or [f"hosted zone {r['id']}" for r in resources
                     if r["type"] == "AWS::Route53::HostedZone"]


def summarise(manifest: dict) -> list[InstanceSummary]:
    """One row per StackSet instance: its status and its key outputs."""
    return [InstanceSummary(
        manifest["environment"], manifest["account_id"], stack_set["name"],
        stack_set["instance_status"],
        _key_outputs([r for r in manifest["resources"].values()
                      if r["stack_set"] == stack_set["name"]]))
        for stack_set in manifest["stack_sets"]]


def run(config: Config, build_dir: Path, say: Callable[[str], None], timeout: float,
        endpoint_url: str, time_scale: float) -> DemoReport:
    """The demo against the emulator at `endpoint_url`, whose clock runs `time_scale` times
    AWS's (so the waiter polls as often in its time as it would on AWS)."""
    environments = list(config.environments.values())
    aws = Aws(region=config.deployment.region, endpoint_url=endpoint_url)
    bootstrap(config, aws, ORGANIZATION_ROLE, say)
    rollout = Rollout(config, aws, build_dir, Progress(config.account_names()), timeout,
                      poll_scale=time_scale)

    started = time.perf_counter()
    rollout.deploy(environments)
    manifests = rollout.exports.write_all(environments, build_dir / "manifests")
    deployed = time.perf_counter() - started
    drawn = report.of_rollout(rollout, "payctl demo (first deploy)", "waves", None)
    page = report.write(build_dir, drawn) if drawn else None

    say("deploying again with nothing changed")
    before = sum(aws.calls.values()), aws.write_calls()
    started = time.perf_counter()
    results = rollout.deploy(environments)
    noop = time.perf_counter() - started
    writes = aws.write_calls() - before[1]
    reads = sum(aws.calls.values()) - before[0] - writes
    if writes or not all(r.plan.empty for r in results):
        raise DeploymentError(f"the second deploy was not a no-op ({writes} write calls)")

    demo = DemoReport(endpoint_url, deployed, noop, writes, reads, manifests, page)
    for path in manifests:
        demo.instances += summarise(json.loads(path.read_text()))
    return demo

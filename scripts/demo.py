"""`payctl demo`: the whole rollout on this machine, against the embedded emulator.

Starts the emulator on loopback, bootstraps the StackSet roles, deploys every environment,
exports and validates the compliance manifests, then deploys again to show that an unchanged
platform starts no operation and makes no write call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts import emulator
from scripts.aws import Aws
from scripts.bootstrap import bootstrap
from scripts.config import Config
from scripts.errors import DeploymentError
from scripts.progress import Progress
from scripts.rollout import Rollout

VIA_ROLE = "OrganizationAccountAccessRole"


@dataclass
class EnvironmentSummary:
    environment: str
    account_id: str
    stack_sets: int
    resources: int
    manifest: Path


@dataclass
class DemoReport:
    endpoint: str
    deploy_seconds: float
    noop_seconds: float
    noop_write_calls: int
    noop_read_calls: int
    environments: list[EnvironmentSummary] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"{'ENV':<8} {'ACCOUNT':<13} {'STACKSETS':>9} {'RESOURCES':>9}  MANIFEST"]
        lines += [f"{e.environment:<8} {e.account_id:<13} {e.stack_sets:>9} {e.resources:>9}  "
                  f"{e.manifest}" for e in self.environments]
        lines += ["",
                  f"first deploy and manifests: {self.deploy_seconds:.1f} s",
                  f"second deploy: no changes in {self.noop_seconds:.2f} s, "
                  f"{self.noop_write_calls} write calls, {self.noop_read_calls} read calls"]
        return "\n".join(lines)


def run(config: Config, build_dir: Path, say: Callable[[str], None], timeout: float) -> DemoReport:
    environments = list(config.environments.values())
    names = {e.account_id: e.name for e in environments}
    with emulator.fake_credentials(), emulator.start(config.deployment.admin_account_id) as local:
        say(f"emulator listening on {local.url} (admin account "
            f"{config.deployment.admin_account_id})")
        aws = Aws(region=config.deployment.region, endpoint_url=local.url)
        bootstrap(config, aws, VIA_ROLE, say)
        rollout = Rollout(config, aws, build_dir, Progress(names), timeout)

        started = time.perf_counter()
        rollout.deploy(environments)
        manifests = rollout.manifests(environments, build_dir / "manifests")
        deployed = time.perf_counter() - started

        say("deploying again with nothing changed")
        before = sum(aws.calls.values()), aws.write_calls()
        started = time.perf_counter()
        results = rollout.deploy(environments)
        noop = time.perf_counter() - started
        writes = aws.write_calls() - before[1]
        reads = sum(aws.calls.values()) - before[0] - writes
        if writes or not all(r.plan.empty for r in results):
            raise DeploymentError(f"the second deploy was not a no-op ({writes} write calls)")

    report = DemoReport(local.url, deployed, noop, writes, reads)
    for env, path in zip(environments, manifests, strict=True):
        manifest = json.loads(path.read_text())
        report.environments.append(EnvironmentSummary(
            env.name, manifest["account_id"], len(manifest["stack_sets"]),
            len(manifest["resources"]), path))
    return report

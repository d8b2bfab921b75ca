"""What each StackSet should be: its template, its placeholder values, each environment's
values as instance overrides, and the labels its operations carry. Pure, apart from reading
the git revision and the installed version.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from scripts.config.reader import Config, Environment
from scripts.plan.decide import DesiredStackSet, Target
from templates_py.blueprint import MANAGED_BY, PROJECT
from templates_py.parameters import CODE_BUCKET

ROOT = Path(__file__).resolve().parents[2]
STACK_SET_TAGS = {"Project": PROJECT, "ManagedBy": MANAGED_BY}


def git_revision(root: Path = ROOT) -> str:
    """HEAD's short id, with `-dirty` when templates_py, params or lambdas have uncommitted
    changes (scripts/build/provenance.py)."""
    from scripts.build.provenance import revision

    return revision(root)


def project_version() -> str:
    try:
        return metadata.version("payment-platform-infra")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def operation_ids(revision: str, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                  token: Callable[[], str] = lambda: secrets.token_hex(3)
                  ) -> Callable[[str, list[str]], str]:
    """Readable operation ids, unique per request, such as
    `update-dev-staging-3f2a9c1d-20261122T134205Z-1-9b1c3e`: action, environments, revision,
    UTC time, a counter, and a random token, so two deploys in the same second never send the
    same OperationId (AWS would take the second for a retry of the first). The API allows
    letters, digits and hyphens, 128 characters: the action and environments give way first."""
    counter = iter(range(1, 1_000_000))

    def make(action: str, environments: list[str]) -> str:
        stamp = now().strftime("%Y%m%dT%H%M%SZ")
        tail = f"-{revision}-{stamp}-{next(counter)}-{token()}"
        head = re.sub(r"[^A-Za-z0-9-]", "-", f"{action}-{'-'.join(environments)}")
        return head[:128 - len(tail)] + tail

    return make


PLACEHOLDER_TEXTS = ("unassigned", "unassigned.example.com")


def placeholder_parameters(template: dict[str, Any]) -> dict[str, str]:
    """StackSet-level parameter values that no instance runs on: every instance overrides every
    parameter. They come from the template alone, so changing one environment's values changes
    only that environment's instance, never the StackSet (which would touch every account)."""
    values = {}
    for name, spec in template.get("Parameters", {}).items():
        if "Default" in spec:
            values[name] = str(spec["Default"])
        elif spec.get("AllowedValues"):
            values[name] = str(spec["AllowedValues"][0])
        elif spec.get("Type") == "Number":
            values[name] = str(spec.get("MinValue", 0))
        else:
            pattern = spec.get("AllowedPattern", ".*")
            values[name] = next((t for t in PLACEHOLDER_TEXTS if re.fullmatch(pattern, t)), "")
    return values


def desired_stack_sets(config: Config, environments: list[Environment],
                       templates: dict[str, dict[str, Any]], code: dict[str, str],
                       description: str) -> list[DesiredStackSet]:
    """Every StackSet as it should be, with each environment's values as instance overrides;
    the code bucket is the one in the environment's region (Lambda reads only from there)."""
    result = []
    for spec in config.deployment.stacksets:
        template = templates[spec.template]
        names = list(template.get("Parameters", {}))

        def values(env: Environment, names: list[str] = names) -> dict[str, str]:
            bucket = {CODE_BUCKET.name: config.deployment.artifacts_bucket(env.region)}
            merged = {**env.values, **code, **bucket}
            return {n: merged[n] for n in names if n in merged}

        result.append(DesiredStackSet(
            name=spec.name, template=template, parameters=placeholder_parameters(template),
            tags=dict(STACK_SET_TAGS),
            description=f"{description}: {template.get('Description', spec.template)}"[:1024],
            roles=config.deployment.stack_set_roles,
            targets=tuple(Target(env.name, account, env.region, values(env))
                          for env in environments for account in env.account_ids)))
    return result

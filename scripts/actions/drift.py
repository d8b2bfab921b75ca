"""StackSet drift: start detection, wait for it, then read per account what drifted and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.aws.clients import Aws, error_code
from scripts.config.reader import Config, Environment
from scripts.errors import DeploymentError
from scripts.stacksets.deployer import StackSetDeployer

# What endpoints that lack an API answer (moto, LocalStack, older partitions).
NOT_IMPLEMENTED = {"NotImplemented", "NotImplementedException", "InvalidAction",
                   "UnsupportedOperation"}


class DriftUnsupported(DeploymentError):
    pass


@dataclass(frozen=True)
class ResourceDrift:
    logical_id: str
    type: str
    status: str
    differences: tuple[tuple[str, str, str, str], ...]  # path, expected, actual, kind


@dataclass
class InstanceDrift:
    stack_set: str
    environment: str
    account: str
    status: str
    resources: list[ResourceDrift] = field(default_factory=list)


def _resource_drifts(cfn: Any, stack_id: str) -> list[ResourceDrift]:
    drifts = cfn.describe_stack_resource_drifts(
        StackName=stack_id, StackResourceDriftStatusFilters=["MODIFIED", "DELETED"])
    return [ResourceDrift(d["LogicalResourceId"], d["ResourceType"], d["StackResourceDriftStatus"],
                          tuple((p["PropertyPath"], p.get("ExpectedValue", ""),
                                 p.get("ActualValue", ""), p["DifferenceType"])
                                for p in d.get("PropertyDifferences", [])))
            for d in drifts["StackResourceDrifts"]]


def detect_existing(config: Config, aws: Aws, deployer: StackSetDeployer,
                    environments: list[Environment], say: Callable[[str], None]
                    ) -> list[InstanceDrift]:
    """Drift of the StackSets that have an instance in `environments` (deploy --check-drift:
    a first deploy has nothing to drift)."""
    wanted = {(a, e.region) for e in environments for a in e.account_ids}
    names = []
    for spec in config.deployment.stacksets:
        try:
            pages = deployer.cfn.get_paginator("list_stack_instances").paginate(
                StackSetName=spec.name)
            if any((s["Account"], s["Region"]) in wanted for p in pages for s in p["Summaries"]):
                names.append(spec.name)
        except Exception as err:
            if error_code(err) != "StackSetNotFoundException":
                raise
    return detect(config, aws, deployer, environments, say, names) if names else []


def detect(config: Config, aws: Aws, deployer: StackSetDeployer, environments: list[Environment],
           say: Callable[[str], None], names: list[str] | None = None) -> list[InstanceDrift]:
    cfn = deployer.cfn
    results: list[InstanceDrift] = []
    for spec in config.deployment.stacksets:
        if names is not None and spec.name not in names:
            continue
        operation_id = deployer.operation_id("drift", [e.name for e in environments])
        say(f"{spec.name}: detecting drift ({operation_id})")
        try:
            deployer.run_operation(spec.name, operation_id, lambda name=spec.name, op=operation_id:
                                   cfn.detect_stack_set_drift(
                                       StackSetName=name, OperationId=op,
                                       OperationPreferences=deployer.preferences()))
        except DeploymentError as err:
            if isinstance(err.__cause__, Exception) and \
                    error_code(err.__cause__) in NOT_IMPLEMENTED:
                raise DriftUnsupported(
                    "this endpoint does not implement StackSet drift detection "
                    "(DetectStackSetDrift); run drift against AWS") from None
            raise
        pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=spec.name)
        summaries = {(s["Account"], s["Region"]): s for p in pages for s in p["Summaries"]}
        for env, account in ((e, a) for e in environments for a in e.account_ids):
            summary = summaries.get((account, env.region))
            if summary is None:
                continue
            drift = InstanceDrift(spec.name, env.name, account,
                                  summary.get("DriftStatus", "UNKNOWN"))
            if drift.status == "DRIFTED":
                target = aws.client_in("cloudformation", account,
                                       config.deployment.read_role_name, env.region)
                drift.resources = _resource_drifts(target, summary["StackId"])
            results.append(drift)
    return results


def render(results: list[InstanceDrift]) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.stack_set}  {r.environment} ({r.account})  {r.status}")
        for res in r.resources:
            lines.append(f"    {res.status:<8} {res.logical_id}  {res.type}")
            for path, expected, actual, kind in res.differences:
                lines.append(f"        {path}: {expected} -> {actual} ({kind})")
    return "\n".join(lines)

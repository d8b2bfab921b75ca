"""StackSets, stack instances and operations, with the fields the API reference gives them.

Everything here is plain state; the scheduler changes it under `LOCK`, the API reads it under
the same lock, so a describe never sees an operation half-way through a transition.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scripts.emulator.engine.clock import CLOCK

LOCK = threading.RLock()
DONE = ("SUCCEEDED", "FAILED", "STOPPED")
FAILED_IMPORT = "FAILED_IMPORT"


def _parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


@dataclass
class Instance:
    """A stack instance: a reference to an attempted or actual stack in one account and Region.
    `stack_id` is empty while no stack exists (its creation failed or has not run)."""

    stack_set_id: str
    account: str
    region: str
    overrides: dict[str, str] = field(default_factory=dict)
    stack_id: str = ""
    status: str = "OUTDATED"
    detailed_status: str = "PENDING"
    status_reason: str = ""
    last_operation_id: str = ""
    drift_status: str = "NOT_CHECKED"
    last_drift_check: datetime | None = None
    organizational_unit_id: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.account, self.region

    def succeeded(self) -> None:
        self.status, self.detailed_status, self.status_reason = "CURRENT", "SUCCEEDED", ""

    def failed(self, reason: str) -> None:
        """OUTDATED: "The associated stack failed during a CreateStackSet or UpdateStackSet
        operation." """
        self.status, self.detailed_status, self.status_reason = "OUTDATED", "FAILED", reason

    def inoperable(self, reason: str, detailed_status: str = "INOPERABLE") -> None:
        """INOPERABLE: "A DeleteStackInstances operation has failed and left the stack in an
        unstable state", or a failed import (DetailedStatus FAILED_IMPORT)."""
        self.status, self.detailed_status, self.status_reason = "INOPERABLE", detailed_status, reason

    def summary(self) -> dict[str, Any]:
        described = {
            "StackSetId": self.stack_set_id, "Region": self.region, "Account": self.account,
            "Status": self.status, "StatusReason": self.status_reason,
            "StackInstanceStatus": {"DetailedStatus": self.detailed_status},
            "DriftStatus": self.drift_status, "LastOperationId": self.last_operation_id,
        }
        if self.stack_id:
            described["StackId"] = self.stack_id
        if self.last_drift_check:
            described["LastDriftCheckTimestamp"] = self.last_drift_check
        if self.organizational_unit_id:
            described["OrganizationalUnitId"] = self.organizational_unit_id
        return {k: v for k, v in described.items() if v != ""}

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "ParameterOverrides": _parameters(self.overrides)}


@dataclass
class Result:
    """One account's outcome within an operation."""

    account: str
    region: str
    status: str = "PENDING"
    reason: str = ""
    organizational_unit_id: str | None = None

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"Account": self.account, "Region": self.region,
                                     "Status": self.status,
                                     "AccountGateResult": {"Status": "SKIPPED", "StatusReason":
                                                           "No account gate function is configured."}}
        if self.reason:
            described["StatusReason"] = self.reason
        if self.organizational_unit_id:
            described["OrganizationalUnitId"] = self.organizational_unit_id
        return described


@dataclass
class Operation:
    """A StackSet operation. `request` is what the caller asked for, kept so that a retry
    with the same OperationId is recognised as the same request."""

    operation_id: str
    stack_set_id: str
    action: str
    request: dict[str, Any]
    preferences: dict[str, Any]
    results: list[Result]
    administration_role_arn: str | None = None
    execution_role_name: str | None = None
    retain_stacks: bool | None = None
    deployment_targets: dict[str, Any] | None = None
    status: str = "QUEUED"
    status_reason: str = ""
    created: datetime = field(default_factory=CLOCK.now)
    ended: datetime | None = None
    stop_requested: bool = False
    drift_details: dict[str, Any] | None = None
    # What the operation does to each account, decided when it starts (see scheduler).
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in DONE

    def status_details(self) -> dict[str, int]:
        return {"FailedStackInstancesCount": sum(r.status == "FAILED" for r in self.results)}

    def summary(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "OperationId": self.operation_id, "Action": self.action, "Status": self.status,
            "CreationTimestamp": self.created, "StatusDetails": self.status_details(),
            "OperationPreferences": self.preferences}
        if self.ended:
            described["EndTimestamp"] = self.ended
        if self.status_reason:
            described["StatusReason"] = self.status_reason
        return described

    def describe(self) -> dict[str, Any]:
        described = {**self.summary(), "StackSetId": self.stack_set_id}
        for key, value in (("AdministrationRoleARN", self.administration_role_arn),
                           ("ExecutionRoleName", self.execution_role_name),
                           ("RetainStacks", self.retain_stacks),
                           ("DeploymentTargets", self.deployment_targets),
                           ("StackSetDriftDetectionDetails", self.drift_details)):
            if value is not None:
                described[key] = value
        return described


@dataclass
class StackSet:
    name: str
    owner: str  # the account that administers it (the management account if service-managed)
    region: str
    template: str
    parameters: dict[str, str]
    capabilities: list[str]
    tags: dict[str, str]
    description: str | None
    permission_model: str
    administration_role_arn: str | None
    execution_role_name: str | None
    auto_deployment: dict[str, Any] | None
    managed_execution: bool
    stack_set_id: str = ""
    status: str = "ACTIVE"
    instances: dict[tuple[str, str], Instance] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)
    queue: list[Operation] = field(default_factory=list)
    drift_details: dict[str, Any] | None = None
    organizational_unit_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stack_set_id = self.stack_set_id or f"{self.name}:{uuid.uuid4()}"

    @property
    def arn(self) -> str:
        return f"arn:aws:cloudformation:{self.region}:{self.owner}:stackset/{self.stack_set_id}"

    def active_operation(self) -> Operation | None:
        """The operation running now, or the first one queued."""
        return next((op for op in self.operations.values() if op.status in
                     ("RUNNING", "STOPPING")), None) or (self.queue[0] if self.queue else None)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "StackSetName": self.name, "StackSetId": self.stack_set_id, "Status": self.status,
            "TemplateBody": self.template, "Parameters": _parameters(self.parameters),
            "Capabilities": self.capabilities,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
            "StackSetARN": self.arn, "PermissionModel": self.permission_model,
            "ManagedExecution": {"Active": self.managed_execution},
            "Regions": sorted({i.region for i in self.instances.values()}),
        }
        for key, value in (("Description", self.description),
                           ("AdministrationRoleARN", self.administration_role_arn),
                           ("ExecutionRoleName", self.execution_role_name),
                           ("AutoDeployment", self.auto_deployment),
                           ("StackSetDriftDetectionDetails", self.drift_details)):
            if value is not None:
                described[key] = value
        if self.organizational_unit_ids:
            described["OrganizationalUnitIds"] = self.organizational_unit_ids
        return described

    def summary(self) -> dict[str, Any]:
        described = {"StackSetName": self.name, "StackSetId": self.stack_set_id,
                     "Status": self.status, "PermissionModel": self.permission_model,
                     "ManagedExecution": {"Active": self.managed_execution},
                     "DriftStatus": (self.drift_details or {}).get("DriftStatus", "NOT_CHECKED")}
        if self.description is not None:
            described["Description"] = self.description
        if self.auto_deployment is not None:
            described["AutoDeployment"] = self.auto_deployment
        return described


class Registry:
    """Every StackSet, by (administrator account, Region) and then by id. A deleted StackSet
    stays listed with status DELETED, as ListStackSets shows it."""

    def __init__(self) -> None:
        self._by_place: dict[tuple[str, str], dict[str, StackSet]] = {}

    def clear(self) -> None:
        self._by_place.clear()

    def place(self, account: str, region: str) -> dict[str, StackSet]:
        return self._by_place.setdefault((account, region), {})

    def find(self, account: str, region: str, name_or_id: str) -> StackSet | None:
        for stack_set in self.place(account, region).values():
            if stack_set.status != "DELETED" and name_or_id in (stack_set.name, stack_set.stack_set_id):
                return stack_set
        return None

    def add(self, stack_set: StackSet) -> None:
        self.place(stack_set.owner, stack_set.region)[stack_set.stack_set_id] = stack_set

    def all(self) -> list[StackSet]:
        return [s for place in self._by_place.values() for s in place.values()]


REGISTRY = Registry()

"""StackSet operations that behave like CloudFormation's, on top of moto's StackSet records.

moto records StackSets and instances but, unlike AWS, ignores the caller's OperationId, builds new
instances from the template the StackSet was created with, never redeploys an instance's stack
when its template or parameter overrides change, passes only the overrides (not the StackSet's
parameters) to the stack, reports a StackId that names no stack, and answers operation results
with a canned reason. The operations here do what AWS does: each targeted account's stack is
created, updated or deleted with the StackSet's current template and parameters overlaid by the
instance's overrides, and each account's outcome is recorded on the operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import StackInstance, StackSet, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

Work = Callable[[StackSet, str, str, list[dict[str, str]]], None]
ROLLED_BACK = "ROLLBACK_COMPLETE"


def apply() -> None:
    CloudFormationResponse.create_stack_instances = _operation("CREATE", _create_instance)
    CloudFormationResponse.update_stack_instances = _operation("UPDATE", _update_instance)
    CloudFormationResponse.delete_stack_instances = _operation("DELETE", _delete_instance)
    CloudFormationResponse.update_stack_set = _update_stack_set
    CloudFormationResponse.list_stack_set_operation_results = _operation_results
    StackInstance.to_dict = _instance_summary


def _operation(action: str, work: Work) -> Callable[[CloudFormationResponse], ActionResult]:
    def handle(self: CloudFormationResponse) -> ActionResult:
        stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        overrides = self._get_param("ParameterOverrides", [])
        return ActionResult({"OperationId": _run(self, stack_set, action, work, overrides)})

    return handle


def _run(self: CloudFormationResponse, stack_set: StackSet, action: str, work: Work,
         overrides: list[dict[str, str]]) -> str:
    """Do `work` in every targeted account and record the operation with each one's result."""
    accounts = self._get_param("Accounts", []) or \
        (self._get_params().get("DeploymentTargets") or {}).get("Accounts", [])
    regions = self._get_param("Regions", [])
    operation_id = self._get_param("OperationId") or str(uuid.uuid4())
    results = []
    for region in regions:
        for account in accounts:
            result = {"Account": account, "Region": region, "Status": "SUCCEEDED"}
            try:
                work(stack_set, account, region, overrides)
            except Exception as err:  # the account's stack failed: recorded, as AWS does
                result.update(Status="FAILED", StatusReason=str(err) or type(err).__name__)
            results.append(result)
    failed = any(r["Status"] == "FAILED" for r in results)
    operation = stack_set._create_operation(operation_id, action,
                                            "FAILED" if failed else "SUCCEEDED",
                                            accounts, regions)
    operation["Results"] = results
    return operation_id


def _merged(stack_set: StackSet, overrides: list[dict[str, str]]) -> dict[str, str]:
    return {**stack_set.parameters, **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}


def _create_instance(stack_set: StackSet, account: str, region: str,
                     overrides: list[dict[str, str]]) -> None:
    if stack_set.instances.get_instance(account, region) is not None:
        return  # AWS treats an existing target as already done
    instance = StackInstance.__new__(StackInstance)
    instance.account_id, instance.region_name = account, region
    instance.stackset_id, instance.name = stack_set.id, stack_set.name
    instance.template, instance.parameters = stack_set.template, overrides
    instance.permission_model = stack_set.permission_model
    instance.stack = None
    # As in AWS, a target whose stack fails stays an instance (OUTDATED) until retried.
    stack_set.instances.stack_instances.append(instance)
    _deploy_stack(stack_set, instance)


def _deploy_stack(stack_set: StackSet, instance: StackInstance) -> None:
    """Create the instance's stack, or update it. A stack whose creation failed is rolled back
    (moto leaves it half-created) and, like AWS, replaced by a new one on the next operation."""
    backend = cloudformation_backends[instance.account_id][instance.region_name]
    merged = _merged(stack_set, instance.parameters)
    if instance.stack is not None and instance.stack.status != ROLLED_BACK:
        backend.update_stack(
            name=instance.stack.stack_id, template=stack_set.template, role_arn=None,
            parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in merged.items()],
            tags=dict(stack_set.tags or {}))
        return
    instance.stack_name = f"StackSet-{stack_set.name}-{uuid.uuid4()}"
    try:
        instance.stack = backend.create_stack(name=instance.stack_name, template=stack_set.template,
                                              parameters=merged, tags=dict(stack_set.tags or {}))
    except Exception:
        instance.stack = next((s for s in backend.stacks.values()
                               if s.name == instance.stack_name), None)
        if instance.stack is not None:
            instance.stack.status = ROLLED_BACK
        raise


def _update_instance(stack_set: StackSet, account: str, region: str,
                     overrides: list[dict[str, str]] | None) -> None:
    instance = stack_set.instances.get_instance(account, region)
    if instance is None:
        raise ValueError(f"no stack instance in {account}/{region}")
    if overrides is not None:
        instance.parameters = overrides
    instance.template = stack_set.template
    _deploy_stack(stack_set, instance)


def _delete_instance(stack_set: StackSet, account: str, region: str,
                     overrides: list[dict[str, str]]) -> None:
    instance = stack_set.instances.get_instance(account, region)
    if instance is not None:
        cloudformation_backends[account][region].delete_stack(instance.stack.stack_id)
        stack_set.instances.stack_instances.remove(instance)


def _update_stack_set(self: CloudFormationResponse) -> ActionResult:
    """Change the StackSet, then redeploy the targeted instances, keeping their overrides."""
    stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
    template = self._get_param("TemplateBody")
    if self._get_param("TemplateURL"):
        template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    if template:
        stack_set.template = template
    if self._get_param("Description") is not None:
        stack_set.description = self._get_param("Description")
    if self._get_param("Parameters"):
        stack_set.parameters = {p["ParameterKey"]: p["ParameterValue"]
                                for p in self._get_param("Parameters")}
    if self._get_param("Tags"):
        stack_set.tags = {t["Key"]: t["Value"] for t in self._get_param("Tags")}

    def redeploy(stack_set: StackSet, account: str, region: str, _: Any) -> None:
        _update_instance(stack_set, account, region, None)

    return ActionResult({"OperationId": _run(self, stack_set, "UPDATE", redeploy, [])})


def _operation_results(self: CloudFormationResponse) -> ActionResult:
    stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
    operation = stack_set.get_operation(self._get_param("OperationId"))
    return ActionResult({"Summaries": operation.get("Results", [])})


def _instance_summary(self: StackInstance) -> dict[str, Any]:
    healthy = self.stack.status.endswith("_COMPLETE") and "ROLLBACK" not in self.stack.status
    return {"StackId": self.stack.stack_id, "StackSetId": self.stackset_id,
            "Region": self.region_name, "Account": self.account_id,
            "Status": "CURRENT" if healthy else "OUTDATED",
            "ParameterOverrides": self.parameters,
            "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED" if healthy else "FAILED"},
            "DriftStatus": "NOT_CHECKED"}

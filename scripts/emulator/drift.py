"""Stack drift detection: each resource's properties as the template (with the stack's
parameters) sets them, compared with what the resource's service reports now.

moto implements none of DetectStackDrift, DescribeStackDriftDetectionStatus or
DescribeStackResourceDrifts, and reports no DriftInformation on stacks. Here a detection reads
the live resources from moto's service backends, so a change made through a service's own API
(logs:PutRetentionPolicy, s3:PutBucketVersioning, ...) shows as drift exactly as in AWS.

Only the properties listed in `_LIVE` are read; a resource of a type not listed is not checked
and, as the API reference says, "Resources that don't currently support drift detection aren't
checked, and so not included" (DescribeStackResourceDrifts). Template properties of a checked type
that the emulator does not read are reported as they are expected (so they never drift here).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.dynamodb.models import dynamodb_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

Live = Callable[[str, str, str], "dict[str, Any] | None"]
NOT_CHECKED = {"StackDriftStatus": "NOT_CHECKED"}


def apply() -> None:
    CloudFormationResponse.detect_stack_drift = _detect_stack_drift
    CloudFormationResponse.describe_stack_drift_detection_status = _detection_status
    CloudFormationResponse.describe_stack_resource_drifts = _describe_resource_drifts
    # DescribeStacks and ListStacks serialise the attribute named after the shape member.
    Stack.drift_information = property(lambda self: getattr(self, "_drift_information", NOT_CHECKED))


# -- live properties, in the template's shape; None when the resource no longer exists ---------

def _lambda_function(name: str, account: str, region: str) -> dict[str, Any] | None:
    try:
        function = lambda_backends[account][region].get_function(name)
    except Exception:  # moto raises its service's not-found error
        return None
    return {"MemorySize": function.memory_size, "Timeout": function.timeout}


def _dynamodb_table(name: str, account: str, region: str) -> dict[str, Any] | None:
    table = dynamodb_backends[account][region].tables.get(name)
    if table is None:
        return None
    live: dict[str, Any] = {"BillingMode": table.billing_mode}
    if table.billing_mode == "PROVISIONED":
        live["ProvisionedThroughput"] = {
            "ReadCapacityUnits": table.throughput.get("ReadCapacityUnits"),
            "WriteCapacityUnits": table.throughput.get("WriteCapacityUnits")}
    return live


def _log_group(name: str, account: str, region: str) -> dict[str, Any] | None:
    group = logs_backends[account][region].groups.get(name)
    return None if group is None else {"RetentionInDays": group.retention_in_days}


def _alarm(name: str, account: str, region: str) -> dict[str, Any] | None:
    alarm = cloudwatch_backends[account][region].alarms.get(name)
    return None if alarm is None else {"Threshold": alarm.threshold}


def _bucket(name: str, account: str, region: str) -> dict[str, Any] | None:
    bucket = s3_backends[account][get_partition(region)].buckets.get(name)
    if bucket is None:
        return None
    status = bucket.versioning_status
    return {"VersioningConfiguration": {"Status": status} if status else None}


_LIVE: dict[str, Live] = {
    "AWS::Lambda::Function": _lambda_function,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::S3::Bucket": _bucket,
}


# -- comparison ----------------------------------------------------------------------------------

def resource_drifts(stack: Stack) -> list[dict[str, Any]]:
    """The StackResourceDrift records of one stack's checked resources, as of now.

    Expected properties are the template's, resolved with the parameters the stack was last
    deployed with; actual ones come from the service backends.
    """
    resource_map = stack.resource_map
    now = utcnow()
    drifts = []
    for logical_id, declaration in resource_map._resource_json_map.items():
        live = _LIVE.get(declaration["Type"])
        resource = resource_map._parsed_resources.get(logical_id)
        if live is None or resource is None or isinstance(resource, str):
            continue  # unsupported type, or not created (its condition is false)
        physical_id = resource.physical_resource_id
        record: dict[str, Any] = {
            "StackId": stack.stack_id, "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id, "ResourceType": declaration["Type"],
            "Timestamp": now}
        actual_live = live(physical_id, stack.account_id, stack.region_name)
        if actual_live is None:
            drifts.append({**record, "StackResourceDriftStatus": "DELETED"})
            continue
        expected = _present(parsing.clean_json(declaration.get("Properties", {}), resource_map))
        actual = copy.deepcopy(expected)
        differences = []
        for key, value in actual_live.items():
            if key not in expected:
                continue  # "Only resource properties explicitly defined in the stack template
                # are checked for drift."
            differences += _differences(f"/{key}", expected[key], value)
            if value is None:
                actual.pop(key)
            else:
                actual[key] = value
        drifts.append({**record, "ExpectedProperties": _json(expected),
                       "ActualProperties": _json(actual), "PropertyDifferences": differences,
                       "StackResourceDriftStatus": "MODIFIED" if differences else "IN_SYNC"})
    return drifts


def _present(value: Any) -> Any:
    """The properties a template sets: `Ref: AWS::NoValue` (None once resolved) sets none."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value if v is not None]
    return value


def _differences(path: str, expected: Any, actual: Any) -> Iterator[dict[str, str]]:
    """PropertyDifference records, leaf by leaf (the PropertyPath names the leaf)."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            yield from _differences(f"{path}/{key}", value,
                                    actual.get(key) if isinstance(actual, dict) else None)
    elif actual is None:
        yield {"PropertyPath": path, "ExpectedValue": _text(expected), "ActualValue": "null",
               "DifferenceType": "REMOVE"}
    elif not _same(expected, actual):
        yield {"PropertyPath": path, "ExpectedValue": _text(expected),
               "ActualValue": _text(actual), "DifferenceType": "NOT_EQUAL"}


def _same(expected: Any, actual: Any) -> bool:
    """Templates give numbers as text ("7"); services report numbers."""
    try:
        return float(expected) == float(actual)
    except (TypeError, ValueError):
        return _text(expected) == _text(actual)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value, default=_reference)


def _json(properties: dict[str, Any]) -> str:
    return json.dumps(properties, default=_reference, sort_keys=True)


def _reference(value: Any) -> str:
    """A Ref that moto resolves to its resource object stands for that resource's id."""
    return str(getattr(value, "physical_resource_id", value))


# -- the API ---------------------------------------------------------------------------------

def _detections(backend: CloudFormationBackend) -> dict[str, dict[str, Any]]:
    """Detections live on the region's backend, so a moto reset forgets them."""
    return backend.__dict__.setdefault("drift_detections", {})


def _detect_stack_drift(self: CloudFormationResponse) -> ActionResult:
    """Run a detection to completion at once (AWS takes seconds to minutes; callers poll
    DescribeStackDriftDetectionStatus either way)."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    if stack.status.endswith("_IN_PROGRESS") or stack.status == "DELETE_COMPLETE":
        raise ValidationError(message=f"Stack {stack.name} is in {stack.status} state; drift "
                                      "detection is not possible.")
    wanted = set(self._get_param("LogicalResourceIds", []) or [])
    detection = detect(self.cloudformation_backend, stack, wanted)
    return ActionResult({"StackDriftDetectionId": detection["StackDriftDetectionId"]})


def detect(backend: CloudFormationBackend, stack: Stack, wanted: set[str] | None = None) -> dict[str, Any]:
    """Detect one stack's drift now and record it where DescribeStackResourceDrifts and the
    stack's DriftInformation read it (StackSet drift detection runs this per instance)."""
    drifts = [d for d in resource_drifts(stack) if not wanted or d["LogicalResourceId"] in wanted]
    drifted = sum(d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED") for d in drifts)
    detection_id = str(uuid.uuid4())
    now = utcnow()
    status = "DRIFTED" if drifted else "IN_SYNC"
    detection = {
        "StackId": stack.stack_id, "StackDriftDetectionId": detection_id,
        "StackDriftStatus": status, "DetectionStatus": "DETECTION_COMPLETE",
        "DriftedStackResourceCount": drifted, "Timestamp": now, "drifts": drifts}
    _detections(backend)[detection_id] = detection
    stack._drift_information = {"StackDriftStatus": status, "LastCheckTimestamp": now}
    return detection


def _detection_status(self: CloudFormationResponse) -> ActionResult:
    detection_id = self._get_param("StackDriftDetectionId")
    detection = _detections(self.cloudformation_backend).get(detection_id)
    if detection is None:
        # The reference names no error for an unknown id; AWS answers a ValidationError.
        raise ValidationError(message=f"Drift detection with id {detection_id} does not exist.")
    return ActionResult({k: v for k, v in detection.items() if k != "drifts"})


def _describe_resource_drifts(self: CloudFormationResponse) -> ActionResult:
    """The latest detection's records for the stack, filtered by status; one page (the
    emulator's stacks are far below MaxResults' ceiling of 100)."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    latest = [d for d in _detections(self.cloudformation_backend).values()
              if d["StackId"] == stack.stack_id]
    drifts = latest[-1]["drifts"] if latest else []
    wanted = set(self._get_param("StackResourceDriftStatusFilters", []) or [])
    return ActionResult({"StackResourceDrifts": [
        d for d in drifts if not wanted or d["StackResourceDriftStatus"] in wanted]})

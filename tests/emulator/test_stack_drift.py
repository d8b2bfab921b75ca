"""Stack drift: a property changed through the service's own API, or a resource deleted
outside CloudFormation, is reported as drift.

Each test quotes the AWS API reference (botocore's CloudFormation service model) for the
behaviour it checks.
"""

from __future__ import annotations

import json
from typing import Any

from stack_support import stack, unique, until

RETENTION = {"Parameters": {"Days": {"Type": "Number", "Default": "7"}},
             "Resources": {"Group": {"Type": "AWS::Logs::LogGroup",
                                     "Properties": {"RetentionInDays": {"Ref": "Days"}}}}}


def _detect(cloud: Any, stack_id: str) -> dict[str, Any]:
    """Start a detection and wait for it to leave DETECTION_IN_PROGRESS."""
    detection_id = cloud.cfn.detect_stack_drift(StackName=stack_id)["StackDriftDetectionId"]
    status: dict[str, Any] = {}

    def done() -> bool:
        status.update(cloud.cfn.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection_id))
        return status["DetectionStatus"] != "DETECTION_IN_PROGRESS"

    until(done, cloud.poll_interval(), f"drift detection {detection_id}")
    assert status["StackDriftDetectionId"] == detection_id and status["StackId"] == stack_id
    return status


def _drift_of(cloud: Any, stack_id: str, logical_id: str) -> dict[str, Any]:
    drifts = cloud.cfn.describe_stack_resource_drifts(StackName=stack_id)["StackResourceDrifts"]
    return next(d for d in drifts if d["LogicalResourceId"] == logical_id)


def _physical_id(cloud: Any, stack_id: str, logical_id: str) -> str:
    return cloud.cfn.describe_stack_resource(StackName=stack_id, LogicalResourceId=logical_id)[
        "StackResourceDetail"]["PhysicalResourceId"]


def test_untouched_stack_is_in_sync(cloud: Any) -> None:
    """StackDriftStatus "NOT_CHECKED: CloudFormation hasn't checked if the stack differs from its
    expected template configuration" until a detection; then "IN_SYNC: The stack's actual
    configuration matches its expected template configuration", and DriftedStackResourceCount
    "will be 0 for stacks whose drift status is IN_SYNC"."""
    with stack(cloud.cfn, RETENTION, cloud.poll_interval()) as stack_id:
        before = cloud.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["DriftInformation"]
        assert before["StackDriftStatus"] == "NOT_CHECKED"
        status = _detect(cloud, stack_id)
        assert (status["DetectionStatus"], status["StackDriftStatus"],
                status["DriftedStackResourceCount"]) == ("DETECTION_COMPLETE", "IN_SYNC", 0)
        assert _drift_of(cloud, stack_id, "Group")["StackResourceDriftStatus"] == "IN_SYNC"
        after = cloud.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["DriftInformation"]
        assert after["StackDriftStatus"] == "IN_SYNC" and "LastCheckTimestamp" in after


def test_property_changed_outside_cloudformation_is_modified(cloud: Any) -> None:
    """DetectStackDrift "Detects whether a stack's actual configuration differs, or has
    drifted, from its expected configuration, as defined in the stack template and any values
    specified as template parameters"; the resource is "MODIFIED: One or more resource
    properties differ from their expected values", with a PropertyDifference of type
    "NOT_EQUAL: The current property value differs from its expected value"."""
    with stack(cloud.cfn, RETENTION, cloud.poll_interval(),
               Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"}]) as stack_id:
        group = _physical_id(cloud, stack_id, "Group")
        cloud.client("logs").put_retention_policy(logGroupName=group, retentionInDays=30)
        status = _detect(cloud, stack_id)
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 1)
        drift = _drift_of(cloud, stack_id, "Group")
        assert drift["StackResourceDriftStatus"] == "MODIFIED"
        assert drift["PhysicalResourceId"] == group
        assert drift["ResourceType"] == "AWS::Logs::LogGroup"
        assert int(json.loads(drift["ExpectedProperties"])["RetentionInDays"]) == 14
        assert int(json.loads(drift["ActualProperties"])["RetentionInDays"]) == 30
        assert drift["PropertyDifferences"] == [{
            "PropertyPath": "/RetentionInDays", "ExpectedValue": "14", "ActualValue": "30",
            "DifferenceType": "NOT_EQUAL"}]
        assert cloud.cfn.describe_stacks(StackName=stack_id)["Stacks"][0][
            "DriftInformation"]["StackDriftStatus"] == "DRIFTED"


def test_resource_deleted_outside_cloudformation_is_deleted(cloud: Any) -> None:
    """StackResourceDriftStatus "DELETED: The resource differs from its expected template
    configuration because the resource has been deleted"; ExpectedProperties: "For resources
    whose StackResourceDriftStatus is DELETED, this structure will not be present.\""""
    with stack(cloud.cfn, RETENTION, cloud.poll_interval()) as stack_id:
        cloud.client("logs").delete_log_group(logGroupName=_physical_id(cloud, stack_id, "Group"))
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
        drift = _drift_of(cloud, stack_id, "Group")
        assert drift["StackResourceDriftStatus"] == "DELETED"
        assert "ExpectedProperties" not in drift and "ActualProperties" not in drift


def test_bucket_versioning_and_alarm_threshold_drift(cloud: Any) -> None:
    """PropertyDifference PropertyPath is "The fully-qualified path to the resource property":
    a nested property (a bucket's VersioningConfiguration Status) and a number (an alarm's
    Threshold) changed through their services' APIs are both reported, each on its own path."""
    alarm_name = unique("conformance-alarm")
    template = {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket",
                   "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": alarm_name, "Namespace": "Conformance", "MetricName": "Errors",
            "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 5,
            "ComparisonOperator": "GreaterThanThreshold"}}}}
    with stack(cloud.cfn, template, cloud.poll_interval()) as stack_id:
        bucket = _physical_id(cloud, stack_id, "Bucket")
        assert cloud.client("s3").get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        cloud.client("s3").put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        cloud.client("cloudwatch").put_metric_alarm(
            AlarmName=alarm_name, Namespace="Conformance", MetricName="Errors", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold")
        status = _detect(cloud, stack_id)
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 2)
        [versioning] = _drift_of(cloud, stack_id, "Bucket")["PropertyDifferences"]
        assert versioning == {"PropertyPath": "/VersioningConfiguration/Status",
                              "ExpectedValue": "Enabled", "ActualValue": "Suspended",
                              "DifferenceType": "NOT_EQUAL"}
        [threshold] = _drift_of(cloud, stack_id, "Alarm")["PropertyDifferences"]
        assert threshold["PropertyPath"] == "/Threshold"
        assert (float(threshold["ExpectedValue"]), float(threshold["ActualValue"])) == (5, 50)

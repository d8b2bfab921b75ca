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


def _parameter_template() -> dict[str, Any]:
    return {"Parameters": {"Value": {"Type": "String", "Default": "blue"}},
            "Resources": {"Parameter": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": unique("conformance-parameter"), "Type": "String",
                "Value": {"Ref": "Value"}, "Description": "colour of the day",
                "AllowedPattern": "^[a-z]+$", "Tier": "Standard"}}}}


def _group_template() -> dict[str, Any]:
    """A VPC of its own (an account need not have a default VPC) and a group whose template sets
    one inbound and one outbound rule."""
    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}},
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "conformance group", "VpcId": {"Ref": "Vpc"},
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                      "CidrIp": "10.40.0.0/16", "Description": "HTTPS in"}],
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                     "CidrIp": "0.0.0.0/0", "Description": "HTTPS out"}]}}}}


def test_untouched_parameter_and_security_group_are_in_sync(cloud: Any) -> None:
    """"IN_SYNC: The resource's actual configuration matches its expected template
    configuration": a parameter and a security group whose rules (inbound and outbound, with their
    descriptions) CloudFormation created as the template sets them read IN_SYNC, as does every
    other resource of the stack."""
    template = _group_template()
    template["Resources"].update(_parameter_template()["Resources"])
    template["Parameters"] = _parameter_template()["Parameters"]
    with stack(cloud.cfn, template, cloud.poll_interval()) as stack_id:
        status = _detect(cloud, stack_id)
        drifts = cloud.cfn.describe_stack_resource_drifts(StackName=stack_id)[
            "StackResourceDrifts"]
        assert {d["LogicalResourceId"]: d["StackResourceDriftStatus"] for d in drifts} == {
            "Vpc": "IN_SYNC", "Group": "IN_SYNC", "Parameter": "IN_SYNC"}
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("IN_SYNC", 0)


def test_parameter_value_changed_by_hand_is_modified(cloud: Any) -> None:
    """PropertyDifference "NOT_EQUAL: The current property value differs from its expected value
    (as defined in the stack template and any values specified as template parameters)": an
    ssm:PutParameter with Overwrite changes the parameter's Value, and only that property differs:
    the user guide leaves out of drift "Property values that the service that is responsible for
    the resource does not return", and the resource schema of AWS::SSM::Parameter lists
    Description among its writeOnlyProperties."""
    with stack(cloud.cfn, _parameter_template(), cloud.poll_interval(),
               Parameters=[{"ParameterKey": "Value", "ParameterValue": "green"}]) as stack_id:
        name = _physical_id(cloud, stack_id, "Parameter")
        cloud.client("ssm").put_parameter(Name=name, Value="red", Type="String", Overwrite=True,
                                          Description="changed by hand")
        status = _detect(cloud, stack_id)
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 1)
        drift = _drift_of(cloud, stack_id, "Parameter")
        assert (drift["StackResourceDriftStatus"], drift["ResourceType"]) == (
            "MODIFIED", "AWS::SSM::Parameter")
        assert json.loads(drift["ExpectedProperties"])["Value"] == "green"
        assert json.loads(drift["ActualProperties"])["Value"] == "red"
        assert drift["PropertyDifferences"] == [{
            "PropertyPath": "/Value", "ExpectedValue": "green", "ActualValue": "red",
            "DifferenceType": "NOT_EQUAL"}]


def test_security_group_rule_added_by_hand_is_modified(cloud: Any) -> None:
    """PropertyDifference "ADD: A value has been added to a resource property that's an array or
    list data type": an inbound rule authorized through ec2:AuthorizeSecurityGroupIngress is
    reported on the group's SecurityGroupIngress, with the added rule as the actual value."""
    with stack(cloud.cfn, _group_template(), cloud.poll_interval()) as stack_id:
        group = _physical_id(cloud, stack_id, "Group")
        cloud.client("ec2").authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.40.0.0/24"}]}])
        status = _detect(cloud, stack_id)
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 1)
        drift = _drift_of(cloud, stack_id, "Group")
        assert drift["StackResourceDriftStatus"] == "MODIFIED"
        [added] = drift["PropertyDifferences"]
        assert added["PropertyPath"].startswith("/SecurityGroupIngress/")
        assert added["DifferenceType"] == "ADD"
        rule = json.loads(added["ActualValue"])
        assert (rule["IpProtocol"], int(rule["FromPort"]), int(rule["ToPort"]), rule["CidrIp"]) == (
            "tcp", 22, 22, "10.40.0.0/24")
        actual = json.loads(drift["ActualProperties"])["SecurityGroupIngress"]
        assert sorted(int(r["FromPort"]) for r in actual) == [22, 443]


def test_security_group_rules_revoked_by_hand_are_modified(cloud: Any) -> None:
    """PropertyDifference "REMOVE: The property has been removed from the current resource
    configuration": the template's inbound and outbound rules revoked through
    ec2:RevokeSecurityGroupIngress and ec2:RevokeSecurityGroupEgress are each reported on their
    own property, with the template's rule as the expected value."""
    with stack(cloud.cfn, _group_template(), cloud.poll_interval()) as stack_id:
        group = _physical_id(cloud, stack_id, "Group")
        ec2 = cloud.client("ec2")
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.40.0.0/16"}]}])
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
        drift = _drift_of(cloud, stack_id, "Group")
        assert drift["StackResourceDriftStatus"] == "MODIFIED"
        removed = {d["PropertyPath"].split("/")[1]: d for d in drift["PropertyDifferences"]}
        assert set(removed) == {"SecurityGroupIngress", "SecurityGroupEgress"}
        for prop, difference in removed.items():
            assert difference["DifferenceType"] == "REMOVE", prop
            assert int(json.loads(difference["ExpectedValue"])["FromPort"]) == 443


def test_rule_attached_by_the_stack_itself_is_no_drift(cloud: Any) -> None:
    """"the AWS::EC2::SecurityGroupIngress and AWS::EC2::SecurityGroupEgress resources may be used
    to attach and remove values from AWS::EC2::SecurityGroup resources. In these cases,
    CloudFormation analyses the stack template for attachments before performing the drift
    comparison": a rule the stack attaches with its own SecurityGroupIngress leaves the group
    IN_SYNC, while a rule authorized by hand next to it is still drift."""
    template = _group_template()
    template["Resources"]["Attached"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": {"Ref": "Group"}, "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
        "CidrIp": "10.40.1.0/24", "Description": "attached by the stack"}}
    with stack(cloud.cfn, template, cloud.poll_interval()) as stack_id:
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "IN_SYNC"
        assert _drift_of(cloud, stack_id, "Group")["StackResourceDriftStatus"] == "IN_SYNC"
        cloud.client("ec2").authorize_security_group_ingress(
            GroupId=_physical_id(cloud, stack_id, "Group"), IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.40.0.0/24"}]}])
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
        [added] = _drift_of(cloud, stack_id, "Group")["PropertyDifferences"]
        assert added["DifferenceType"] == "ADD"
        assert int(json.loads(added["ActualValue"])["FromPort"]) == 22


def _key_template() -> dict[str, Any]:
    return {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "Description": "conformance key", "EnableKeyRotation": True, "Enabled": True,
        "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT", "MultiRegion": False,
        "PendingWindowInDays": 7,
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
            "Sid": "AccountAdministers", "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*", "Resource": "*"}]}}}}}


def _network_template() -> dict[str, Any]:
    """A VPC with an internet gateway, a public route table whose default route goes to it, a
    public subnet with a NAT gateway, and a private route table whose default route goes to the
    NAT gateway and which an S3 gateway endpoint serves; the VPC's traffic is logged to a log
    group through a role."""
    az = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.41.0.0/16"}},
        "PublicSubnet": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.41.0.0/24", "AvailabilityZone": az}},
        "Gateway": {"Type": "AWS::EC2::InternetGateway"},
        "Attachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}}},
        "PublicRoutes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "PublicDefault": {"Type": "AWS::EC2::Route", "DependsOn": "Attachment", "Properties": {
            "RouteTableId": {"Ref": "PublicRoutes"}, "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": {"Ref": "Gateway"}}},
        "NatAddress": {"Type": "AWS::EC2::EIP", "DependsOn": "Attachment",
                       "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
            "SubnetId": {"Ref": "PublicSubnet"}, "ConnectivityType": "public",
            "AllocationId": {"Fn::GetAtt": ["NatAddress", "AllocationId"]}}},
        "PrivateRoutes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "PrivateDefault": {"Type": "AWS::EC2::Route", "Properties": {
            "RouteTableId": {"Ref": "PrivateRoutes"}, "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": "Nat"}}},
        "S3Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
            "RouteTableIds": [{"Ref": "PrivateRoutes"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "*"}]}}},
        "FlowLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1}},
        "FlowLogRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "deliver", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Resource": "*", "Action": [
                        "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams"]}]}}]}},
        "FlowLog": {"Type": "AWS::EC2::FlowLog", "Properties": {
            "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs", "LogGroupName": {"Ref": "FlowLogGroup"},
            "DeliverLogsPermissionArn": {"Fn::GetAtt": ["FlowLogRole", "Arn"]},
            "MaxAggregationInterval": 60}}}}


def _api_template() -> dict[str, Any]:
    return {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
        "Name": unique("conformance-api"), "Description": "conformance API"}}}}


def test_untouched_keys_network_api_and_bucket_policy_are_in_sync(cloud: Any) -> None:
    """"IN_SYNC: The resource's actual configuration matches its expected template
    configuration": a key (its policy an object in the template, text in KMS) and its alias, route
    tables and their routes to an internet gateway and to a NAT gateway, a gateway endpoint (its
    route tables an array of Refs), a flow log (its aggregation interval a number), a REST API and a
    bucket policy, all as CloudFormation created them, read IN_SYNC."""
    template = _network_template()
    template["Resources"].update(_key_template()["Resources"])
    template["Resources"].update(_api_template()["Resources"])
    template["Parameters"] = {"BucketName": {"Type": "String"}}
    template["Resources"].update({
        "Alias": {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": f"alias/{unique('conformance')}", "TargetKeyId": {"Ref": "Key"}}},
        "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "BucketName"}, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                    "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}"},
                                 {"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}/*"}]}]}}}})
    checked = ["Key", "Alias", "PublicRoutes", "PublicDefault", "Nat", "PrivateRoutes",
               "PrivateDefault", "S3Endpoint", "FlowLog", "Api", "BucketPolicy"]
    # The policy's bucket is made (and removed) outside the stack: only the policy is the stack's.
    bucket = unique("conformance-policy")
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket=bucket)
    try:
        with stack(cloud.cfn, template, cloud.poll_interval(), Capabilities=["CAPABILITY_IAM"],
                   Parameters=[{"ParameterKey": "BucketName", "ParameterValue": bucket}]
                   ) as stack_id:
            status = _detect(cloud, stack_id)
            drifts = {d["LogicalResourceId"]: d for d in cloud.cfn.describe_stack_resource_drifts(
                StackName=stack_id)["StackResourceDrifts"]}
            assert {logical_id: drifts[logical_id]["StackResourceDriftStatus"]
                    for logical_id in checked if logical_id in drifts} == dict.fromkeys(
                checked, "IN_SYNC")
            assert {d["StackResourceDriftStatus"] for d in drifts.values()} == {"IN_SYNC"}
            assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == (
                "IN_SYNC", 0)
    finally:
        s3.delete_bucket(Bucket=bucket)


def test_key_description_and_rotation_changed_by_hand_are_modified(cloud: Any) -> None:
    """PropertyDifference PropertyPath is "The fully-qualified path to the resource property",
    and "NOT_EQUAL: The current property value differs from its expected value": a key whose
    description is changed through kms:UpdateKeyDescription and whose rotation is turned off
    through kms:DisableKeyRotation differs at /Description and at /EnableKeyRotation, and
    nowhere else (its policy is untouched)."""
    with stack(cloud.cfn, _key_template(), cloud.poll_interval()) as stack_id:
        key = _physical_id(cloud, stack_id, "Key")
        kms = cloud.client("kms")
        kms.update_key_description(KeyId=key, Description="changed by hand")
        kms.disable_key_rotation(KeyId=key)
        status = _detect(cloud, stack_id)
        assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 1)
        drift = _drift_of(cloud, stack_id, "Key")
        assert (drift["StackResourceDriftStatus"], drift["ResourceType"]) == (
            "MODIFIED", "AWS::KMS::Key")
        assert drift["PropertyDifferences"] == [
            {"PropertyPath": "/Description", "ExpectedValue": "conformance key",
             "ActualValue": "changed by hand", "DifferenceType": "NOT_EQUAL"},
            {"PropertyPath": "/EnableKeyRotation", "ExpectedValue": "true",
             "ActualValue": "false", "DifferenceType": "NOT_EQUAL"}]
        assert json.loads(drift["ActualProperties"])["Description"] == "changed by hand"


def test_rest_api_description_changed_by_hand_is_modified(cloud: Any) -> None:
    """"NOT_EQUAL: The current property value differs from its expected value": a REST API whose
    description is replaced through apigateway:UpdateRestApi (a patch operation on
    /description) differs at /Description only."""
    with stack(cloud.cfn, _api_template(), cloud.poll_interval()) as stack_id:
        cloud.client("apigateway").update_rest_api(
            restApiId=_physical_id(cloud, stack_id, "Api"), patchOperations=[
                {"op": "replace", "path": "/description", "value": "changed by hand"}])
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
        drift = _drift_of(cloud, stack_id, "Api")
        assert drift["StackResourceDriftStatus"] == "MODIFIED"
        assert drift["PropertyDifferences"] == [{
            "PropertyPath": "/Description", "ExpectedValue": "conformance API",
            "ActualValue": "changed by hand", "DifferenceType": "NOT_EQUAL"}]


def test_route_replaced_by_hand_is_modified(cloud: Any) -> None:
    """"REMOVE: The property has been removed from the current resource configuration": a route
    to the internet gateway that ec2:ReplaceRoute points at a network interface instead has no
    GatewayId any more, and the route (found by its table and destination) reads MODIFIED at
    /GatewayId with the gateway as the expected value."""
    template = {"Resources": {
        key: value for key, value in _network_template()["Resources"].items()
        if key in ("Vpc", "PublicSubnet", "Gateway", "Attachment", "PublicRoutes",
                   "PublicDefault")}}
    with stack(cloud.cfn, template, cloud.poll_interval()) as stack_id:
        ec2 = cloud.client("ec2")
        interface = ec2.create_network_interface(SubnetId=_physical_id(
            cloud, stack_id, "PublicSubnet"))["NetworkInterface"]["NetworkInterfaceId"]
        try:
            ec2.replace_route(RouteTableId=_physical_id(cloud, stack_id, "PublicRoutes"),
                              DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=interface)
            assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
            drift = _drift_of(cloud, stack_id, "PublicDefault")
            assert (drift["StackResourceDriftStatus"], drift["ResourceType"]) == (
                "MODIFIED", "AWS::EC2::Route")
            assert drift["PropertyDifferences"] == [{
                "PropertyPath": "/GatewayId",
                "ExpectedValue": _physical_id(cloud, stack_id, "Gateway"),
                "ActualValue": "null", "DifferenceType": "REMOVE"}]
            assert _drift_of(cloud, stack_id, "PublicRoutes")["StackResourceDriftStatus"] == (
                "IN_SYNC")
        finally:
            ec2.delete_route(RouteTableId=_physical_id(cloud, stack_id, "PublicRoutes"),
                             DestinationCidrBlock="0.0.0.0/0")
            ec2.delete_network_interface(NetworkInterfaceId=interface)


def test_key_scheduled_for_deletion_by_hand_is_deleted(cloud: Any) -> None:
    """StackResourceDriftStatus "DELETED: The resource differs from its expected template
    configuration because the resource has been deleted": a key is deleted by scheduling its
    deletion (AWS::KMS::Key's PendingWindowInDays is "the waiting period before AWS KMS deletes a
    KMS key that has been removed from a CloudFormation stack"), so a key that
    kms:ScheduleKeyDeletion put in PendingDeletion by hand reads DELETED."""
    with stack(cloud.cfn, _key_template(), cloud.poll_interval()) as stack_id:
        cloud.client("kms").schedule_key_deletion(KeyId=_physical_id(cloud, stack_id, "Key"),
                                                  PendingWindowInDays=7)
        assert _detect(cloud, stack_id)["StackDriftStatus"] == "DRIFTED"
        drift = _drift_of(cloud, stack_id, "Key")
        assert drift["StackResourceDriftStatus"] == "DELETED"
        assert "ExpectedProperties" not in drift and "ActualProperties" not in drift

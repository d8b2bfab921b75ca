"""Stack drift detection: each resource's properties as the template (with the stack's
parameters) sets them, compared with what the resource's service reports now.

moto implements none of DetectStackDrift, DescribeStackDriftDetectionStatus or
DescribeStackResourceDrifts, and reports no DriftInformation on stacks. Here a detection reads
the live resources from moto's service backends, so a change made through a service's own API
(ssm:PutParameter, ec2:AuthorizeSecurityGroupIngress, logs:PutRetentionPolicy, ...) shows as
drift exactly as in AWS.

Which properties are compared follows AWS's rule, with the resource schemas cfn-lint ships
(`scripts.aws.resource_schemas`) as its data:

- Only what the template sets: "CloudFormation only determines drift for property values that
  are explicitly set, either through the stack template or by specifying template parameters.
  This does not include default values for resource properties." (user guide, "Detecting
  Unmanaged Configuration Changes to Stacks and Resources"). Nested values likewise: only the
  keys the template sets inside an object are compared.
- Only what the read handler returns: CloudFormation "compares that value with the current
  resource property value returned by the resource read handler" (CloudFormation CLI guide,
  "Preventing false drift detection results for resource types"), and the user guide leaves out
  "Property values that the service that is responsible for the resource does not return". The
  schema names those: its writeOnlyProperties "can be written but can't be read by
  CloudFormation" (user guide, "Resolve write-only properties"). So a write-only property, or a
  write-only part of one (`/properties/X/*/Y`), is never compared: an SSM parameter's
  Description, Tier and AllowedPattern, a function's Code. Every other property the template
  sets is compared; where the documentation says nothing more (createOnly properties, for one)
  the stricter reading holds and it is compared too.
- "CloudFormation does not perform drift detection on the KMSKeyId property of any resources."
  (user guide, "Considerations When Detecting Drift"): a property of that name is never
  compared.
- Arrays whose schema says insertionOrder false (a group's SecurityGroupIngress and
  SecurityGroupEgress) are compared as sets: a rule added by hand is "ADD: A value has been
  added to a resource property that is an array or list data type" at `/SecurityGroupIngress/<i>`
  with the rule as its actual value, a rule revoked is REMOVE with the rule as its expected
  value. Other arrays are compared item by item (`/Architectures/0`).

Rules that other resources of the stack attach (AWS::EC2::SecurityGroupIngress/Egress) are no
drift of their group: "CloudFormation analyses the stack template for attachments before
performing the drift comparison" (user guide).

What the emulator can read is listed per type in `_READERS`, from moto's models in the
template's shape: Lambda functions, DynamoDB tables, log groups, alarms, buckets, SSM
parameters, security groups, VPCs, subnets, IAM roles, KMS keys and aliases, route tables,
routes, NAT gateways, VPC endpoints, REST APIs, bucket policies and flow logs (for the last
nine the user guide's "Resource type support" table was not at hand to quote; AWS is taken to
check them, the stricter reading). A resource of a type not listed is not checked and, as the
API reference says, "Resources that don't currently support drift detection aren't checked, and
so not included" (DescribeStackResourceDrifts). That is a gap, not AWS's rule, for the
platform's other types (API Gateway's other resources, managed policies, the edge's
certificate, distribution, zone and web ACL), which AWS does check. A policy document moto
keeps as JSON text is read as the object a template gives (and one a template gives as text is
compared as its object). A resource moto keeps after its API deleted it (a NAT gateway or
endpoint in state "deleted", a key pending deletion) is DELETED. A comparable property of a
listed type that the emulator does not read (moto keeps no such value, or its template handler
never sets it) is reported as expected, so it never drifts here: `not_read(type)` names them.
For the platform's templates these are every type's Tags (not yet read: moto keeps the
aws:cloudformation:* tags beside the template's, and how AWS reports those is not documented),
a function's VpcConfig and KmsKeyArn, a table's GlobalSecondaryIndexes and
TimeToLiveSpecification, an alarm's Dimensions, a bucket's encryption, lifecycle, logging,
ownership and public-access settings, a VPC's EnableDnsSupport/EnableDnsHostnames, a subnet's
MapPublicIpOnLaunch, a role's policies (AssumeRolePolicyDocument, Policies, ManagedPolicyArns),
a key's KeyUsage, KeySpec and MultiRegion (moto makes every template key a symmetric
single-Region one), a NAT gateway's ConnectivityType (moto makes every one public), a REST
API's EndpointConfiguration (kept in the template's shape or the API's, as it was set) and a
flow log's ResourceType (moto keeps none).

moto builds a template's security group with rules of its own making: it drops every
SecurityGroupEgress rule (keeping the default allow-all one) and each ingress rule's
Description. `apply()` has the group built as CloudFormation builds it, or no comparison could
be right.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.kms.models import kms_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.ssm.models import ssm_backends
from moto.utilities.utils import get_partition

from scripts.aws import resource_schemas
from scripts.emulator.trust import role_named

NOT_CHECKED = {"StackDriftStatus": "NOT_CHECKED"}


def apply() -> None:
    CloudFormationResponse.detect_stack_drift = _detect_stack_drift
    CloudFormationResponse.describe_stack_drift_detection_status = _detection_status
    CloudFormationResponse.describe_stack_resource_drifts = _describe_resource_drifts
    # DescribeStacks and ListStacks serialise the attribute named after the shape member.
    Stack.drift_information = property(lambda self: getattr(self, "_drift_information", NOT_CHECKED))


# -- live properties, in the template's shape -------------------------------------------------

Find = Callable[[str, str, str], Any]  # physical id, account, region -> live model, or None
Read = Callable[[Any], Any]  # live model -> one property in the template's shape (None: unset)


@dataclass(frozen=True)
class Reader:
    """How to find a type's live resource in moto, and which of its properties moto keeps."""
    find: Find
    properties: dict[str, Read]


def _function(name: str, account: str, region: str) -> Any:
    try:
        return lambda_backends[account][region].get_function(name)
    except Exception:  # moto raises its service's not-found error
        return None


def _provisioned(table: Any) -> dict[str, Any] | None:
    if table.billing_mode != "PROVISIONED":
        return None
    return {"ReadCapacityUnits": table.throughput.get("ReadCapacityUnits"),
            "WriteCapacityUnits": table.throughput.get("WriteCapacityUnits")}


def _point_in_time_recovery(table: Any) -> dict[str, bool]:
    status = table.continuous_backups["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"]
    return {"PointInTimeRecoveryEnabled": status == "ENABLED"}


def _sse(table: Any) -> dict[str, Any]:
    """The API's SSEDescription in the template's names (SSEEnabled for Enabled)."""
    sse = table.sse_specification or {}
    return {"SSEEnabled": bool(sse.get("Enabled")), "SSEType": sse.get("SSEType"),
            "KMSMasterKeyId": sse.get("KMSMasterKeyId")}


def _versioning(bucket: Any) -> dict[str, str] | None:
    status = bucket.versioning_status
    return {"Status": status} if status else None


def _rule(rule: SecurityGroupRule) -> dict[str, Any]:
    """One security group rule as a template's SecurityGroupIngress/Egress item."""
    peer = "Destination" if rule.is_egress else "Source"
    item: dict[str, Any] = {"IpProtocol": rule.ip_protocol}
    if rule.from_port is not None:
        item |= {"FromPort": rule.from_port, "ToPort": rule.to_port}
    item |= {k: v for k, v in rule.ip_range.items()
             if k in ("CidrIp", "CidrIpv6", "Description") and v is not None}
    if rule.source_group.get("GroupId"):
        item[f"{peer}SecurityGroupId"] = rule.source_group["GroupId"]
        if rule.source_group.get("Description"):
            item["Description"] = rule.source_group["Description"]
    if rule.prefix_list_id:
        item[f"{peer}PrefixListId"] = rule.prefix_list_id
    return item


def _rules(attribute: str) -> Read:
    return lambda group: [_rule(r) for r in getattr(group, attribute)]


def _document(text: Any) -> Any:
    """A JSON policy document moto keeps as text (or bytes) as the object a template gives."""
    return json.loads(text) if isinstance(text, str | bytes) else text


def _key(key_id: str, account: str, region: str) -> Any:
    """A key scheduled for deletion is gone: "As KMS::Key cannot be immediately deleted, pending
    deletion state is treated as not found state" (AWS::KMS::Key's resource provider,
    aws-cloudformation-resource-providers-kms, BaseHandlerStd.resourceStateCheck)."""
    key = kms_backends[account][region].keys.get(key_id)
    return None if key is None or key.key_state == "PendingDeletion" else key


def _alias(name: str, account: str, region: str) -> Any:
    return next((key.aliases[name] for key in kms_backends[account][region].keys.values()
                 if name in key.aliases), None)


def _route(route_id: str, account: str, region: str) -> Any:
    """moto names a template's route `<route table id>~<destination>`, as its route table keys
    it; found again by that name, a route replaced or re-created by hand is read as it is now."""
    table = ec2_backends[account][region].route_tables.get(route_id.split("~", 1)[0])
    return None if table is None else table._routes.get(route_id)


def _live(models: str) -> Find:
    """An EC2 model by id from the backend's dict `models`; moto keeps a NAT gateway or an
    endpoint deleted through the API, in state "deleted"."""
    def find(model_id: str, account: str, region: str) -> Any:
        model = getattr(ec2_backends[account][region], models).get(model_id)
        return None if model is None or getattr(model, "state", None) == "deleted" else model
    return find


def _allocation(gateway: Any) -> str | None:
    return next((a["allocationId"] for a in gateway.address_set if a.get("allocationId")), None)


def _bucket_policy(bucket: str, account: str, region: str) -> Any:
    """The policy's bucket (its physical id is the bucket's name), while it has a policy."""
    found = s3_backends[account][get_partition(region)].buckets.get(bucket)
    return None if found is None or found.policy is None else found


_READERS: dict[str, Reader] = {
    "AWS::Lambda::Function": Reader(_function, {
        "FunctionName": attrgetter("function_name"), "Handler": attrgetter("handler"),
        "Runtime": attrgetter("run_time"), "Role": attrgetter("role"),
        "Description": attrgetter("description"), "MemorySize": attrgetter("memory_size"),
        "Timeout": attrgetter("timeout"), "Architectures": attrgetter("architectures"),
        "ReservedConcurrentExecutions": attrgetter("reserved_concurrency"),
        "TracingConfig": attrgetter("tracing_config"),
        "Environment": lambda f: {"Variables": f.environment_vars}}),
    "AWS::DynamoDB::Table": Reader(
        lambda name, account, region: dynamodb_backends[account][region].tables.get(name), {
            "TableName": attrgetter("name"), "BillingMode": attrgetter("billing_mode"),
            "ProvisionedThroughput": _provisioned, "KeySchema": attrgetter("schema"),
            "AttributeDefinitions": attrgetter("attr"), "SSESpecification": _sse,
            "PointInTimeRecoverySpecification": _point_in_time_recovery}),
    "AWS::Logs::LogGroup": Reader(
        lambda name, account, region: logs_backends[account][region].groups.get(name), {
            "LogGroupName": attrgetter("name"), "RetentionInDays": attrgetter("retention_in_days")}),
    "AWS::CloudWatch::Alarm": Reader(
        lambda name, account, region: cloudwatch_backends[account][region].alarms.get(name), {
            "AlarmName": attrgetter("name"), "AlarmDescription": attrgetter("description"),
            "Namespace": attrgetter("namespace"), "MetricName": attrgetter("metric_name"),
            "Statistic": attrgetter("statistic"), "Period": attrgetter("period"),
            "EvaluationPeriods": attrgetter("evaluation_periods"),
            "Threshold": attrgetter("threshold"),
            "ComparisonOperator": attrgetter("comparison_operator"),
            "TreatMissingData": attrgetter("treat_missing_data")}),
    "AWS::S3::Bucket": Reader(
        lambda name, account, region: s3_backends[account][get_partition(region)].buckets.get(name),
        {"BucketName": attrgetter("name"), "VersioningConfiguration": _versioning}),
    "AWS::SSM::Parameter": Reader(
        lambda name, account, region: ssm_backends[account][region].get_parameter(name), {
            "Name": attrgetter("name"), "Type": attrgetter("parameter_type"),
            "Value": attrgetter("value"), "DataType": attrgetter("data_type")}),
    "AWS::EC2::SecurityGroup": Reader(
        lambda group_id, account, region:
            ec2_backends[account][region].get_security_group_from_id(group_id), {
            "GroupDescription": attrgetter("description"), "GroupName": attrgetter("name"),
            "VpcId": attrgetter("vpc_id"), "SecurityGroupIngress": _rules("ingress_rules"),
            "SecurityGroupEgress": _rules("egress_rules")}),
    "AWS::EC2::VPC": Reader(
        lambda vpc_id, account, region: ec2_backends[account][region].vpcs.get(vpc_id), {
            "CidrBlock": attrgetter("cidr_block"), "InstanceTenancy": attrgetter("instance_tenancy")}),
    "AWS::EC2::Subnet": Reader(
        lambda subnet_id, account, region: next((
            subnets[subnet_id] for subnets in ec2_backends[account][region].subnets.values()
            if subnet_id in subnets), None), {
            "VpcId": attrgetter("vpc_id"), "CidrBlock": attrgetter("cidr_block"),
            "AvailabilityZone": attrgetter("availability_zone")}),
    "AWS::IAM::Role": Reader(lambda name, account, _: role_named(account, name), {
        "RoleName": attrgetter("name"), "Path": attrgetter("path"),
        "Description": attrgetter("description"),
        "MaxSessionDuration": attrgetter("max_session_duration")}),
    # moto's key template handler always makes a SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT,
    # single-Region key: KeyUsage, KeySpec and MultiRegion are not read (see not_read()).
    "AWS::KMS::Key": Reader(_key, {
        "Description": attrgetter("description"),
        "EnableKeyRotation": attrgetter("key_rotation_status"),
        "KeyPolicy": lambda key: _document(key.policy), "Enabled": attrgetter("enabled")}),
    "AWS::KMS::Alias": Reader(_alias, {
        # The alias keeps its key's id; a template whose TargetKeyId is the key's ARN reads
        # NOT_EQUAL here (whether AWS normalises that is not documented: the stricter reading).
        "AliasName": attrgetter("alias_name"), "TargetKeyId": attrgetter("target_key_id")}),
    "AWS::EC2::RouteTable": Reader(
        lambda table_id, account, region: ec2_backends[account][region].route_tables.get(table_id),
        {"VpcId": attrgetter("vpc_id")}),
    # The targets moto's route template handler sets (it ignores DestinationIpv6CidrBlock,
    # DestinationPrefixListId, CarrierGatewayId and VpcEndpointId).
    "AWS::EC2::Route": Reader(_route, {
        "RouteTableId": lambda route: route.route_table.id,
        "DestinationCidrBlock": attrgetter("destination_cidr_block"),
        "GatewayId": attrgetter("gateway_id"), "NatGatewayId": attrgetter("nat_gateway_id"),
        "InstanceId": attrgetter("instance_id"),
        "NetworkInterfaceId": attrgetter("network_interface_id"),
        "EgressOnlyInternetGatewayId": attrgetter("egress_only_internet_gateway_id"),
        "TransitGatewayId": attrgetter("transit_gateway_id"),
        "VpcPeeringConnectionId": attrgetter("vpc_peering_connection_id")}),
    # moto's NAT gateway template handler makes every gateway public (ConnectivityType, not
    # read) and keeps the allocation it was created with.
    "AWS::EC2::NatGateway": Reader(_live("nat_gateways"), {
        "SubnetId": attrgetter("subnet_id"), "AllocationId": _allocation}),
    "AWS::EC2::VPCEndpoint": Reader(_live("vpc_end_points"), {
        "VpcId": attrgetter("vpc_id"), "ServiceName": attrgetter("service_name"),
        "VpcEndpointType": attrgetter("vpc_endpoint_type"),
        "PrivateDnsEnabled": attrgetter("private_dns_enabled"),
        "RouteTableIds": attrgetter("route_table_ids"), "SubnetIds": attrgetter("subnet_ids"),
        "SecurityGroupIds": attrgetter("security_group_ids"),
        "PolicyDocument": lambda endpoint: _document(endpoint.policy_document)}),
    "AWS::ApiGateway::RestApi": Reader(
        lambda api_id, account, region: apigateway_backends[account][region].apis.get(api_id),
        {"Name": attrgetter("name"), "Description": attrgetter("description")}),
    "AWS::S3::BucketPolicy": Reader(_bucket_policy, {
        "Bucket": attrgetter("name"), "PolicyDocument": lambda bucket: _document(bucket.policy)}),
    # moto keeps no flow log's ResourceType (DescribeFlowLogs returns none either): not read.
    "AWS::EC2::FlowLog": Reader(_live("flow_logs"), {
        "ResourceId": attrgetter("resource_id"), "TrafficType": attrgetter("traffic_type"),
        "LogDestinationType": attrgetter("log_destination_type"),
        "LogDestination": attrgetter("log_destination"),
        "LogGroupName": attrgetter("log_group_name"), "LogFormat": attrgetter("log_format"),
        "DeliverLogsPermissionArn": attrgetter("deliver_logs_permission_arn"),
        "MaxAggregationInterval": attrgetter("max_aggregation_interval")}),
}


def _never_compared(type_name: str) -> frozenset[str]:
    """Top-level properties drift never compares: the schema's write-only ones and KMSKeyId."""
    # The guide names KMSKeyId only; on properties such as KmsKeyArn or SSESpecification's
    # KMSMasterKeyId it is silent, so the stricter reading holds and they are compared.
    names = resource_schemas.schema(type_name)["properties"]
    write_only = {path[0] for path in resource_schemas.write_only_paths(type_name)
                  if len(path) == 1}
    return frozenset(write_only | {n for n in names if n.lower() == "kmskeyid"})


def not_read(type_name: str) -> frozenset[str]:
    """The properties of a checked type that AWS compares and the emulator cannot read (so
    they are reported as expected and never drift here)."""
    properties = set(resource_schemas.schema(type_name)["properties"])
    read_only = {p.split("/")[2] for p in resource_schemas.schema(type_name).get(
        "readOnlyProperties", [])}
    return frozenset(properties - read_only - _never_compared(type_name)
                     - set(_READERS[type_name].properties))


# -- comparison ----------------------------------------------------------------------------------

def resource_drifts(stack: Stack) -> list[dict[str, Any]]:
    """The StackResourceDrift records of one stack's checked resources, as of now.

    Expected properties are the template's, resolved with the parameters the stack was last
    deployed with; actual ones come from the service backends.
    """
    resource_map = stack.resource_map
    now = utcnow()
    attached = _attached(stack)
    drifts = []
    for logical_id, declaration in _created(stack):
        reader = _READERS.get(declaration["Type"])
        if reader is None:
            continue  # a type drift detection does not support
        resource = resource_map._parsed_resources[logical_id]
        physical_id = resource.physical_resource_id
        record: dict[str, Any] = {
            "StackId": stack.stack_id, "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id, "ResourceType": declaration["Type"],
            "Timestamp": now}
        live = reader.find(physical_id, stack.account_id, stack.region_name)
        if live is None:
            drifts.append({**record, "StackResourceDriftStatus": "DELETED"})
            continue
        expected = _plain(_present(parsing.clean_json(declaration.get("Properties", {}),
                                                      resource_map)))
        drifts.append({**record, **_compare(declaration["Type"], expected, reader, live,
                                            attached.get(physical_id, {}))})
    return drifts


def _created(stack: Stack) -> Iterator[tuple[str, dict[str, Any]]]:
    """The logical id and declaration of each resource the stack created (not those whose
    condition is false)."""
    resource_map = stack.resource_map
    for logical_id, declaration in resource_map._resource_json_map.items():
        resource = resource_map._parsed_resources.get(logical_id)
        if resource is not None and not isinstance(resource, str):
            yield logical_id, declaration


_ATTACHMENTS = {"AWS::EC2::SecurityGroupIngress": "SecurityGroupIngress",
                "AWS::EC2::SecurityGroupEgress": "SecurityGroupEgress"}


def _attached(stack: Stack) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The rules the stack's own SecurityGroupIngress/Egress resources attach, by group id and
    property: "CloudFormation analyses the stack template for attachments before performing
    the drift comparison" (user guide), so they are no drift of the group. (It "cannot perform
    this analysis across stacks", and neither does this.)"""
    attached: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for _, declaration in _created(stack):
        prop = _ATTACHMENTS.get(declaration["Type"])
        if prop is None:
            continue
        rule = _plain(_present(parsing.clean_json(declaration.get("Properties", {}),
                                                  stack.resource_map)))
        group = rule.pop("GroupId", None)
        attached.setdefault(group, {}).setdefault(prop, []).append(
            {k: v for k, v in rule.items() if k not in ("GroupName", "Description")})
    return attached


def _compare(type_name: str, expected: dict[str, Any], reader: Reader, live: Any,
             attached: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The expected, actual and differing properties of one live resource, and its status;
    `attached` holds the items other resources of the stack add to its array properties."""
    actual = copy.deepcopy(expected)
    differences: list[dict[str, str]] = []
    write_only = resource_schemas.write_only_paths(type_name)
    unordered = resource_schemas.unordered_arrays(type_name)
    for key in expected.keys() - _never_compared(type_name):
        read = reader.properties.get(key)
        if read is None:
            continue  # not read here: see not_read()
        value = _plain(read(live))
        if key in attached:
            value = [v for v in value if not any(_matches(a, v) for a in attached[key])]
        paths = [path[1:] for path in write_only if path[0] == key]
        differences += _differences(f"/{key}", _without(_as_read(expected[key], value), paths),
                                    _without(value, paths), key in unordered)
        if value is None:
            actual.pop(key)
        else:
            actual[key] = value
    return {"ExpectedProperties": _json(expected), "ActualProperties": _json(actual),
            "PropertyDifferences": sorted(differences, key=lambda d: d["PropertyPath"]),
            "StackResourceDriftStatus": "MODIFIED" if differences else "IN_SYNC"}


def _as_read(expected: Any, actual: Any) -> Any:
    """A policy document a template gives as JSON text, as the object the service returns."""
    if isinstance(expected, str) and isinstance(actual, dict | list):
        try:
            return json.loads(expected)
        except ValueError:
            return expected
    return expected


def _present(value: Any) -> Any:
    """The properties a template sets: `Ref: AWS::NoValue` (None once resolved) sets none."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value if v is not None]
    return value


def _plain(value: Any) -> Any:
    """JSON values only: a resource object moto resolved a Ref to becomes its id."""
    return json.loads(json.dumps(value, default=_reference))


def _without(value: Any, paths: list[tuple[str, ...]]) -> Any:
    """`value` without the parts at `paths` ("*" is any array item): write-only parts."""
    if not paths or value is None:
        return value
    if () in paths:
        return None
    if isinstance(value, list):
        inner = [p[1:] for p in paths if p[0] == "*"]
        return [_without(v, inner) for v in value]
    if isinstance(value, dict):
        return {k: _without(v, [p[1:] for p in paths if p[0] == k]) for k, v in value.items()
                if (k,) not in paths}
    return value


def _differences(path: str, expected: Any, actual: Any, unordered: bool = False
                 ) -> Iterator[dict[str, str]]:
    """PropertyDifference records, leaf by leaf (the PropertyPath names the leaf)."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            yield from _differences(f"{path}/{key}", value,
                                    actual.get(key) if isinstance(actual, dict) else None)
    elif isinstance(expected, list) and isinstance(actual, list):
        yield from (_set_differences if unordered else _item_differences)(path, expected, actual)
    elif actual is None:
        yield _difference(path, expected, None, "REMOVE")
    elif not _same(expected, actual):
        yield _difference(path, expected, actual, "NOT_EQUAL")


def _item_differences(path: str, expected: list[Any], actual: list[Any]
                      ) -> Iterator[dict[str, str]]:
    """An ordered array: item i against item i, then the items only one side has."""
    for index, item in enumerate(expected):
        if index < len(actual):
            yield from _differences(f"{path}/{index}", item, actual[index])
        else:
            yield _difference(f"{path}/{index}", item, None, "REMOVE")
    for index in range(len(expected), len(actual)):
        yield _difference(f"{path}/{index}", None, actual[index], "ADD")


def _set_differences(path: str, expected: list[Any], actual: list[Any]
                     ) -> Iterator[dict[str, str]]:
    """An unordered array: each expected item matched with an equal actual one; an expected
    item left over was removed, an actual one left over was added."""
    unmatched = list(range(len(actual)))
    for index, item in enumerate(expected):
        match = next((i for i in unmatched if _matches(item, actual[i])), None)
        if match is None:
            yield _difference(f"{path}/{index}", item, None, "REMOVE")
        else:
            unmatched.remove(match)
    for index in unmatched:
        yield _difference(f"{path}/{index}", None, actual[index], "ADD")


def _matches(expected: Any, actual: Any) -> bool:
    return not any(_differences("", expected, actual))


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, str]:
    return {"PropertyPath": path, "ExpectedValue": _text(expected), "ActualValue": _text(actual),
            "DifferenceType": kind}


def _same(expected: Any, actual: Any) -> bool:
    """Templates give numbers as text ("7"); services report numbers."""
    try:
        return float(expected) == float(actual)
    except (TypeError, ValueError):
        return _text(expected) == _text(actual)


def _text(value: Any) -> str:
    if value is None:
        return "null"
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

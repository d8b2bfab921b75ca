"""CloudFormation resource types the platform uses and moto's CloudFormation skips, and the
properties its supported types drop.

Each type is backed by moto's own service model, so after a deploy the resource can be read
back with the service's API (`describe_alarms`, `get_stage`, `get_bucket_policy`, ...) exactly
as in AWS. Property names follow the CloudFormation resource specification.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from moto.acm.models import acm_backends
from moto.apigateway.models import RestAPI, apigateway_backends
from moto.awslambda.models import LambdaFunction
from moto.cloudformation import parsing
from moto.cloudfront.models import cloudfront_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.security_groups import SecurityGroup
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.iam.models import iam_backends
from moto.kms.models import Key
from moto.logs.models import LogGroup
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition
from moto.wafv2.models import GLOBAL_REGION, wafv2_backends


def register() -> None:
    """Make moto's template parser see the types defined here (it caches its type list), and
    complete the types whose properties it drops."""
    _completing(LambdaFunction, _lambda_function)
    _completing(Table, _dynamodb_table)
    _completing(FakeBucket, _s3_bucket)
    LogGroup.update_from_cloudformation_json = classmethod(_update_log_group)
    _completing(LogGroup, _log_group)
    _kms_keys_read_template_shapes()
    _security_groups_keep_the_templates_rules()
    for model, delete in _DELETIONS.items():
        model.delete = _already_gone_is_deleted(delete)
    for model in (*_TYPES, LogGroup):  # a log group deleted by hand must not fail the stack
        model.delete = _already_gone_is_deleted(model.delete)
    if WaitConditionHandle.TYPE in parsing.NULL_MODELS:
        parsing.NULL_MODELS.remove(WaitConditionHandle.TYPE)
    parsing.get_model_list.cache_clear()
    parsing.get_name_type_map.cache_clear()
    missing = {cls.TYPE for cls in _TYPES} - set(parsing.get_model_map())
    if missing:
        raise RuntimeError(f"emulator resource types not registered: {sorted(missing)}")


class _Resource:
    """A created resource: its physical id (what Ref returns) and its GetAtt attributes."""

    TYPE = ""
    NAME_PROPERTY = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, physical_id: str, attributes: dict[str, Any], properties: dict[str, Any],
                 account_id: str, region_name: str) -> None:
        self.physical_id = physical_id
        self.attributes = attributes
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        properties = cloudformation_json.get("Properties", {})
        physical_id, attributes = cls.create(resource_name, properties, account_id, region_name)
        return cls(physical_id, attributes, properties, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                   account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        """Only reached for a resource moto could not keep; nothing to clean up."""

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return list(props.get("Tags", []))


def _tag_map(props: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in _tags(props)}


class CloudWatchAlarm(_Resource, CloudFormationModel):
    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        alarm = cloudwatch_backends[account][region].put_metric_alarm(
            name=name, namespace=props.get("Namespace"), metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=int(props["EvaluationPeriods"]), period=int(props.get("Period", 60)),
            threshold=float(props["Threshold"]), statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"), dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []), ok_actions=props.get("OKActions", []),
            insufficient_data_actions=props.get("InsufficientDataActions", []),
            treat_missing_data=props.get("TreatMissingData"),
            datapoints_to_alarm=props.get("DatapointsToAlarm"), tags=_tags(props))
        return name, {"Arn": alarm.alarm_arn}

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


def _method_settings(settings: list[dict[str, Any]]) -> dict[str, Any]:
    """CloudFormation's MethodSettings list as API Gateway's `methodSettings` map."""
    fields = {"MetricsEnabled": "metricsEnabled", "LoggingLevel": "loggingLevel",
              "DataTraceEnabled": "dataTraceEnabled", "CachingEnabled": "cachingEnabled",
              "ThrottlingBurstLimit": "throttlingBurstLimit",
              "ThrottlingRateLimit": "throttlingRateLimit"}
    result = {}
    for setting in settings:
        key = f"{setting.get('ResourcePath', '/*').lstrip('/')}/{setting.get('HttpMethod', '*')}"
        value = {api: setting[cfn] for cfn, api in fields.items() if cfn in setting}
        for number in ("throttlingBurstLimit",):
            if number in value:
                value[number] = int(value[number])
        if "throttlingRateLimit" in value:
            value["throttlingRateLimit"] = float(value["throttlingRateLimit"])
        result[key] = value
    return result


class ApiGatewayStage(_Resource, CloudFormationModel):
    TYPE = "AWS::ApiGateway::Stage"
    NAME_PROPERTY = "StageName"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        deployment = props["DeploymentId"]  # moto's Ref to a Deployment yields the object
        stage = apigateway_backends[account][region].create_stage(
            props["RestApiId"], name, getattr(deployment, "id", deployment),
            variables=props.get("Variables"), description=props.get("Description", ""),
            tags=_tag_map(props),
            tracing_enabled=props.get("TracingEnabled"))
        stage.method_settings = _method_settings(props.get("MethodSettings", []))
        if "AccessLogSetting" in props:
            stage.access_log_settings = {"destinationArn": props["AccessLogSetting"]["DestinationArn"],
                                         "format": props["AccessLogSetting"].get("Format", "")}
        return name, {}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backends[account_id][region_name].delete_stage(
            self.properties["RestApiId"], self.physical_id)


class ApiGatewayAccount(_Resource, CloudFormationModel):
    TYPE = "AWS::ApiGateway::Account"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        apigateway_backends[account][region].update_account([
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": props.get("CloudWatchRoleArn", "")}])
        return account, {"Id": account}

    def delete(self, account_id: str, region_name: str) -> None:
        """Account settings outlive the stack in AWS too."""


class S3BucketPolicy(_Resource, CloudFormationModel):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        policy = json.dumps(props["PolicyDocument"]).encode()
        s3_backends[account][get_partition(region)].put_bucket_policy(props["Bucket"], policy)
        return props["Bucket"], {}

    def delete(self, account_id: str, region_name: str) -> None:
        s3_backends[account_id][get_partition(region_name)].delete_bucket_policy(self.physical_id)


class AcmCertificate(_Resource, CloudFormationModel):
    TYPE = "AWS::CertificateManager::Certificate"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        from scripts.emulator.public_dns import require_delegated

        require_delegated(props, account)  # else ACM waits 72 hours and gives up
        arn = acm_backends[account][region].request_certificate(
            props["DomainName"], idempotency_token=None,
            subject_alt_names=props.get("SubjectAlternativeNames", []), tags=_tags(props))
        return arn, {}

    def delete(self, account_id: str, region_name: str) -> None:
        acm_backends[account_id][region_name].delete_certificate(self.physical_id)


def _distribution_config(props: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's DistributionConfig in the API's shape: lists become Quantity/Items."""
    def items(values: list[Any]) -> dict[str, Any]:
        return {"Quantity": len(values), "Items": values}

    config = json.loads(json.dumps(props["DistributionConfig"]))
    config["CallerReference"] = str(uuid.uuid4())
    config["Aliases"] = items(config.get("Aliases", []))
    for origin in config["Origins"]:
        custom = origin.get("CustomOriginConfig")
        if custom:
            custom["OriginSslProtocols"] = items(custom.pop("OriginSSLProtocols", []))
            custom["HTTPSPort"] = custom.get("HTTPSPort", 443)
            custom["HTTPPort"] = custom.get("HTTPPort", 80)
    config["Origins"] = items(config["Origins"])
    behaviour = config["DefaultCacheBehavior"]
    behaviour["AllowedMethods"] = items(behaviour.get("AllowedMethods", ["GET", "HEAD"]))
    certificate = config.get("ViewerCertificate", {})
    if "AcmCertificateArn" in certificate:
        certificate["ACMCertificateArn"] = certificate.pop("AcmCertificateArn")
        certificate["CloudFrontDefaultCertificate"] = False
    if "SslSupportMethod" in certificate:
        certificate["SSLSupportMethod"] = certificate.pop("SslSupportMethod")
    if "Logging" in config:  # in a template, a Logging block is what turns logging on
        config["Logging"]["Enabled"] = True
    return config


class CloudFrontDistribution(_Resource, CloudFormationModel):
    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = ("DomainName", "Id")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        distribution, _, _ = cloudfront_backends[account][get_partition(region)].create_distribution(
            _distribution_config(props), _tags(props))
        return distribution.distribution_id, {"DomainName": distribution.domain_name,
                                              "Id": distribution.distribution_id}

    def delete(self, account_id: str, region_name: str) -> None:
        cloudfront_backends[account_id][get_partition(region_name)].delete_distribution(
            self.physical_id, if_match=True)


class ApiGatewayUsagePlan(_Resource, CloudFormationModel):
    TYPE = "AWS::ApiGateway::UsagePlan"
    NAME_PROPERTY = "UsagePlanName"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        throttle = props.get("Throttle", {})
        plan = apigateway_backends[account][region].create_usage_plan({
            "name": name, "description": props.get("Description"),
            "apiStages": [{"apiId": s["ApiId"], "stage": s["Stage"]}
                          for s in props.get("ApiStages", [])],
            "throttle": {"burstLimit": int(throttle["BurstLimit"]),
                         "rateLimit": float(throttle["RateLimit"])} if throttle else None,
            "tags": _tag_map(props)})
        return plan.id, {"Id": plan.id}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backends[account_id][region_name].delete_usage_plan(self.physical_id)


class ApiGatewayApiKey(_Resource, CloudFormationModel):
    TYPE = "AWS::ApiGateway::ApiKey"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("APIKeyId",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        key = apigateway_backends[account][region].create_api_key({
            "name": name, "description": props.get("Description"),
            "enabled": _true(props.get("Enabled", False)), "tags": _tag_map(props)})
        return key.id, {"APIKeyId": key.id}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backends[account_id][region_name].delete_api_key(self.physical_id)


class ApiGatewayUsagePlanKey(_Resource, CloudFormationModel):
    TYPE = "AWS::ApiGateway::UsagePlanKey"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        apigateway_backends[account][region].create_usage_plan_key(
            props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props["KeyType"]})
        physical_id = f"{props['KeyId']}:{props['UsagePlanId']}"
        return physical_id, {"Id": physical_id}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backends[account_id][region_name].delete_usage_plan_key(
            self.properties["UsagePlanId"], self.properties["KeyId"])


class WafV2WebAcl(_Resource, CloudFormationModel):
    TYPE = "AWS::WAFv2::WebACL"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("Arn", "Id")

    @staticmethod
    def _backend(account: str, region: str, scope: str) -> Any:
        """CLOUDFRONT-scoped ACLs are global: moto keeps them in its global region."""
        return wafv2_backends[account][GLOBAL_REGION if scope == "CLOUDFRONT" else region]

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        from scripts.emulator.cloudfront_regions import require_cloudfront_scope_in_us_east_1

        require_cloudfront_scope_in_us_east_1(props["Scope"], region)
        acl = cls._backend(account, region, props["Scope"]).create_web_acl(
            name=name, visibility_config=props["VisibilityConfig"],
            default_action=props["DefaultAction"], scope=props["Scope"],
            description=props.get("Description", ""), tags=_tags(props),
            rules=props.get("Rules", []), association_config=None, captcha_config=None,
            challenge_config=None, custom_response_bodies=None, token_domains=None)
        # CloudFormation's Ref is "name|id|scope"; GetAtt Arn and Id as in AWS.
        return f"{name}|{acl.id}|{props['Scope']}", {"Arn": acl.arn, "Id": acl.id}

    def delete(self, account_id: str, region_name: str) -> None:
        name, acl_id, scope = self.physical_id.split("|")
        backend = self._backend(account_id, region_name, scope)
        acl = backend.get_web_acl(self.attributes["Arn"], None, None)
        backend.delete_web_acl(name, scope, acl_id, acl.lock_token)


class IamOidcProvider(_Resource, CloudFormationModel):
    """Ref returns the provider's ARN (resource reference, AWS::IAM::OIDCProvider); IAM holds
    one provider per URL in an account, so a second is refused (EntityAlreadyExists)."""

    TYPE = "AWS::IAM::OIDCProvider"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        provider = iam_backends[account][get_partition(region)].create_open_id_connect_provider(
            props["Url"], props.get("ThumbprintList", []), props.get("ClientIdList", []),
            _tags(props))
        return provider.arn, {"Arn": provider.arn}

    def delete(self, account_id: str, region_name: str) -> None:
        iam_backends[account_id][get_partition(region_name)].delete_open_id_connect_provider(
            self.physical_id)


class WaitConditionHandle(_Resource, CloudFormationModel):
    """A real resource of the stack in CloudFormation (moto parses it to nothing, so a stack
    holding only a handle would list no resource). Ref gives the handle's presigned URL."""

    TYPE = "AWS::CloudFormation::WaitConditionHandle"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account: str, region: str
               ) -> tuple[str, dict[str, Any]]:
        return (f"https://cloudformation-waitcondition-{region}.s3.amazonaws.com/"
                f"arn%3Aaws%3Acloudformation%3A{region}%3A{account}%3Astack/{name}/{uuid.uuid4()}"), {}

    def delete(self, account_id: str, region_name: str) -> None:
        """Nothing outside the stack to remove."""


_TYPES = (CloudWatchAlarm, ApiGatewayStage, ApiGatewayAccount, S3BucketPolicy, AcmCertificate,
          CloudFrontDistribution, ApiGatewayUsagePlan, ApiGatewayApiKey, ApiGatewayUsagePlanKey,
          WafV2WebAcl, WaitConditionHandle, IamOidcProvider)


# -- security groups as CloudFormation builds them ----------------------------------------------

def _security_groups_keep_the_templates_rules() -> None:
    """moto's template handler authorizes no SecurityGroupEgress rule (the group keeps its
    default allow-all rule) and drops each rule's Description; AWS creates the group with the
    template's rules, and the template's egress rules in place of the default one."""
    create = SecurityGroup.create_from_cloudformation_json.__func__

    def created(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str, **kwargs: Any) -> SecurityGroup:
        props = cloudformation_json.get("Properties", {})
        bare = {**cloudformation_json, "Properties": {
            k: v for k, v in props.items() if k not in ("SecurityGroupIngress", "SecurityGroupEgress")}}
        group = create(cls, resource_name, bare, account_id, region_name, **kwargs)
        backend = ec2_backends[account_id][region_name]
        for item in props.get("SecurityGroupIngress", []):
            backend.authorize_security_group_ingress(group.id, **_permission(item, "Source"))
        if props.get("SecurityGroupEgress"):
            group.egress_rules = []
        for item in props.get("SecurityGroupEgress", []):
            backend.authorize_security_group_egress(group.id, **_permission(item, "Destination"))
        return group

    SecurityGroup.create_from_cloudformation_json = classmethod(created)


def _permission(item: dict[str, Any], peer: str) -> dict[str, Any]:
    """A template's rule item as the arguments of moto's authorize calls (a Ref that moto
    resolved to its group object stands for that group's id)."""
    described = {"Description": item["Description"]} if "Description" in item else {}
    ranges = [{key: item[key], **described} for key in ("CidrIp", "CidrIpv6") if key in item]
    group = item.get(f"{peer}SecurityGroupId")
    groups = ([{"GroupId": str(getattr(group, "physical_resource_id", group)), **described}]
              if group is not None else [])
    prefixes = ([{"PrefixListId": item[f"{peer}PrefixListId"], **described}]
                if f"{peer}PrefixListId" in item else [])
    return {"ip_protocol": str(item["IpProtocol"]), "from_port": item.get("FromPort"),
            "to_port": item.get("ToPort"), "ip_ranges": ranges, "source_groups": groups,
            "prefix_list_ids": prefixes}


# -- properties moto's own models drop --------------------------------------------------------

Completion = Callable[[Any, dict[str, Any], str, str], None]


def _completing(model: type, complete: Completion) -> None:
    """After moto creates or updates a `model` from a template, apply what it left out."""
    create = model.create_from_cloudformation_json.__func__
    update = model.update_from_cloudformation_json.__func__

    def created(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str, **kwargs: Any) -> Any:
        resource = create(cls, resource_name, cloudformation_json, account_id, region_name,
                          **kwargs)
        complete(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    def updated(cls: type, original_resource: Any, new_resource_name: str,
                cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        resource = update(cls, original_resource, new_resource_name, cloudformation_json,
                          account_id, region_name)
        complete(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(created)
    model.update_from_cloudformation_json = classmethod(updated)


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def _lambda_function(function: Any, props: dict[str, Any], account: str, region: str) -> None:
    function.architectures = props.get("Architectures", ["x86_64"])
    function.kms_key_arn = props.get("KmsKeyArn")
    function.tracing_config = props.get("TracingConfig", {"Mode": "PassThrough"})
    if "ReservedConcurrentExecutions" in props:
        function.reserved_concurrency = int(props["ReservedConcurrentExecutions"])


def _dynamodb_table(table: Any, props: dict[str, Any], account: str, region: str) -> None:
    sse = props.get("SSESpecification", {})
    if _true(sse.get("SSEEnabled", False)):  # the template's name for the API's "Enabled"
        table.sse_specification = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS"),
                                   "KMSMasterKeyId": sse.get("KMSMasterKeyId")}
    enabled = _true(props.get("PointInTimeRecoverySpecification", {})
                    .get("PointInTimeRecoveryEnabled", False))
    dynamodb_backends[account][region].update_continuous_backups(
        table.name, {"PointInTimeRecoveryEnabled": enabled})


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    result: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"],
                              "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        result["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if rule.get("Transitions"):
        result["Transition"] = [{"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
                                for t in rule["Transitions"]]
    if "NoncurrentVersionExpiration" in rule:
        result["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        result["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return result


def _s3_bucket(bucket: Any, props: dict[str, Any], account: str, region: str) -> None:
    versioning = props.get("VersioningConfiguration")
    if versioning:
        bucket.versioning_status = versioning["Status"]
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    if rules:
        bucket.set_lifecycle([_lifecycle_rule(r) for r in rules])
    logging = props.get("LoggingConfiguration")
    # Assigned directly: moto's put_bucket_logging checks ACL grants that AWS no longer needs
    # (delivery is authorised by the destination's bucket policy).
    bucket.logging = {"TargetBucket": logging["DestinationBucketName"],
                      "TargetPrefix": logging.get("LogFilePrefix", "")} if logging else {}


def _log_group(group: Any, props: dict[str, Any], account: str, region: str) -> None:
    group.kms_key_id = props.get("KmsKeyId")


def _update_log_group(cls: type, original_resource: Any, new_resource_name: str,
                      cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
    """moto cannot update a log group. A new LogGroupName replaces it; its other properties
    (RetentionInDays, KmsKeyId) update in place, as the resource reference says."""
    props = cloudformation_json.get("Properties", {})
    if props.get("LogGroupName", original_resource.name) != original_resource.name:
        created = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                      account_id, region_name)
        original_resource.delete(account_id, region_name)
        return created
    retention = props.get("RetentionInDays")
    original_resource.set_retention_policy(None if retention is None else int(retention))
    return original_resource


def _kms_keys_read_template_shapes() -> None:
    """moto reads a template's key tags in the KMS API's shape (TagKey/TagValue) and keeps the
    key policy as an object; CloudFormation gives Key/Value tags and KMS stores policy text."""
    create = Key.create_from_cloudformation_json.__func__

    def created(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json.get("Properties", {}))
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(props)]
        props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
        return create(cls, resource_name, {**cloudformation_json, "Properties": props},
                      account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(created)


# -- deletions moto's own models lack (without them a stack's VPC can never be deleted) -------

def _already_gone_is_deleted(delete: Callable[[Any, str, str], None]) -> Callable[..., None]:
    """As in CloudFormation, deleting something that no longer exists succeeds."""
    def run(resource: Any, account_id: str, region_name: str) -> None:
        try:
            delete(resource, account_id, region_name)
        except Exception as err:
            if "NotFound" not in f"{type(err).__name__} {err}":
                raise

    return run


def _ec2(account: str, region: str) -> Any:
    return ec2_backends[account][region]


def _disassociate(association: Any, account: str, region: str) -> None:
    ec2 = _ec2(account, region)
    table = ec2.get_route_table(association.route_table_id)
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == association.subnet_id:
            ec2.disassociate_route_table(association_id)


def _delete_nat_gateway(gateway: Any, account: str, region: str) -> None:
    _ec2(account, region).delete_nat_gateway(gateway.id)
    _ec2(account, region).nat_gateways.pop(gateway.id, None)
    _ec2(account, region).delete_network_interface(gateway._eni.id)


def _delete_vpc_endpoint(endpoint: Any, account: str, region: str) -> None:
    """moto deletes in no particular order; routes of already-deleted tables are gone anyway."""
    ec2 = _ec2(account, region)
    endpoint.route_table_ids = [t for t in endpoint.route_table_ids or [] if t in ec2.route_tables]
    ec2.delete_vpc_endpoints([endpoint.id])
    ec2.vpc_end_points.pop(endpoint.id, None)


def _delete_bucket(bucket: FakeBucket, account: str, region: str) -> None:
    """CloudFormation cannot delete a bucket that still holds objects: the stack's deletion
    fails ("The bucket you tried to delete is not empty"). moto's backend skips it silently."""
    from moto.s3.exceptions import BucketNotEmpty

    if bucket.keys:
        raise BucketNotEmpty(bucket.name)
    s3_backends[account][get_partition(region)].delete_bucket(bucket.name)


_DELETIONS: dict[type, Callable[[Any, str, str], None]] = {
    FakeBucket: _delete_bucket,
    ElasticAddress: lambda r, a, g: _ec2(a, g).release_address(allocation_id=r.allocation_id),
    InternetGateway: lambda r, a, g: _ec2(a, g).delete_internet_gateway(r.id),
    VPCGatewayAttachment: lambda r, a, g: _ec2(a, g).detach_internet_gateway(r.gateway_id, r.vpc_id),
    NatGateway: _delete_nat_gateway,
    Route: lambda r, a, g: _ec2(a, g).delete_route(r.route_table.id, r.destination_cidr_block),
    RouteTable: lambda r, a, g: _ec2(a, g).delete_route_table(r.id),
    SubnetRouteTableAssociation: _disassociate,
    VPCEndPoint: _delete_vpc_endpoint,
    RestAPI: lambda r, a, g: apigateway_backends[a][g].delete_rest_api(r.id),
}

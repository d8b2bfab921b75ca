"""CloudFront takes its web ACL and its certificate from us-east-1 (scripts/emulator/
cloudfront_regions.py). Each test runs unchanged against a real account; none creates a
distribution that AWS would accept, so nothing billable is left behind."""

from __future__ import annotations

import json
import uuid
from typing import Any

from conformance import Cloud, StackSets, unique, wait_operation
from stack_support import error_of

ELSEWHERE = "eu-west-1"


def _client(cloud: Cloud, service: str, region: str) -> Any:
    return cloud.admin.client(service, region_name=region, endpoint_url=cloud.endpoint_url)


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name}


def _web_acl(cloud: Cloud, region: str, scope: str) -> dict[str, Any]:
    name = unique("conformance")
    return _client(cloud, "wafv2", region).create_web_acl(
        Name=name, Scope=scope, DefaultAction={"Allow": {}}, VisibilityConfig=_visibility(name)
    )["Summary"]


def _delete_web_acl(cloud: Cloud, region: str, scope: str, acl: dict[str, Any]) -> None:
    _client(cloud, "wafv2", region).delete_web_acl(Name=acl["Name"], Scope=scope, Id=acl["Id"],
                                                   LockToken=acl["LockToken"])


def _distribution(**config: Any) -> dict[str, Any]:
    return {"CallerReference": str(uuid.uuid4()), "Comment": "conformance", "Enabled": False,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "origin", "DomainName": "example.com",
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                       "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "origin", "ViewerProtocolPolicy": "https-only",
                                     "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
            **config}


def test_a_cloudfront_web_acl_is_made_in_us_east_1_only(cloud: Cloud) -> None:
    """WAFv2 API reference, Scope: "To work with CloudFront, you must also specify the Region US
    East (N. Virginia) as follows: ... API and SDKs - For all calls, use the Region endpoint
    us-east-1." """
    refused = error_of(_web_acl, cloud=cloud, region=ELSEWHERE, scope="CLOUDFRONT")
    assert (refused["Code"], refused["HTTPStatusCode"]) == ("WAFInvalidParameterException", 400)
    assert "SCOPE_VALUE" in refused["Message"]
    listed = error_of(_client(cloud, "wafv2", ELSEWHERE).list_web_acls, Scope="CLOUDFRONT")
    assert listed["Code"] == "WAFInvalidParameterException"

    acl = _web_acl(cloud, "us-east-1", "CLOUDFRONT")  # where CloudFront's web ACLs live
    assert ":us-east-1:" in acl["ARN"] and ":global/webacl/" in acl["ARN"]
    _delete_web_acl(cloud, "us-east-1", "CLOUDFRONT", acl)
    regional = _web_acl(cloud, ELSEWHERE, "REGIONAL")  # a regional one is made anywhere
    _delete_web_acl(cloud, ELSEWHERE, "REGIONAL", regional)


def test_a_template_making_a_cloudfront_web_acl_outside_us_east_1_fails_there(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """The same rule reaches a stack's AWS::WAFv2::WebACL: its handler calls WAF in the stack's
    Region, so an instance outside us-east-1 fails, and its reason is WAF's."""
    name = stack_sets.create(json.dumps({"Resources": {"Acl": {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {"Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
                       "VisibilityConfig": _visibility("conformance")}}}}))
    operation = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[cloud.accounts[0]], Regions=[ELSEWHERE],
        OperationPreferences={"FailureToleranceCount": 0})["OperationId"]
    assert wait_operation(cloud, name, operation)["Status"] == "FAILED"
    instance = cloud.cfn.describe_stack_instance(
        StackSetName=name, StackInstanceAccount=cloud.accounts[0],
        StackInstanceRegion=ELSEWHERE)["StackInstance"]
    assert instance["StackInstanceStatus"]["DetailedStatus"] == "FAILED"
    assert "The scope is not valid" in instance["StatusReason"]



def test_an_update_that_turns_such_a_web_acl_on_fails_the_instance(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """A resource whose Condition an update turns true is created by that update, so its
    failure is the update's. The user guide describes an update as the changes between the old
    and new template and parameters without singling conditions out; AWS's own stacks create
    such a resource during the update, and that is the reading kept."""
    name = stack_sets.create(json.dumps({
        "Parameters": {"Serve": {"Type": "String", "AllowedValues": ["true", "false"]}},
        "Conditions": {"Serving": {"Fn::Equals": [{"Ref": "Serve"}, "true"]}},
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Acl": {"Type": "AWS::WAFv2::WebACL", "Condition": "Serving",
                    "Properties": {"Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
                                   "VisibilityConfig": _visibility("conformance")}}}}),
        Parameters=[{"ParameterKey": "Serve", "ParameterValue": "false"}])
    where = {"StackSetName": name, "Accounts": [cloud.accounts[0]], "Regions": [ELSEWHERE]}
    created = cloud.cfn.create_stack_instances(**where)["OperationId"]
    assert wait_operation(cloud, name, created)["Status"] == "SUCCEEDED"
    updated = cloud.cfn.update_stack_instances(
        **where, ParameterOverrides=[{"ParameterKey": "Serve", "ParameterValue": "true"}])["OperationId"]
    assert wait_operation(cloud, name, updated)["Status"] == "FAILED"
    instance = cloud.cfn.describe_stack_instance(
        StackSetName=name, StackInstanceAccount=cloud.accounts[0],
        StackInstanceRegion=ELSEWHERE)["StackInstance"]
    assert "The scope is not valid" in instance["StatusReason"]

def test_a_distribution_takes_a_certificate_from_us_east_1_only(cloud: Cloud) -> None:
    """CloudFront developer guide, "Requirements for using SSL/TLS certificates with
    CloudFront": "you must change the AWS Region to US East (N. Virginia) in the AWS Certificate
    Manager console before you request or import a certificate." """
    acm = _client(cloud, "acm", ELSEWHERE)
    domain = f"{unique('conformance')}.example.com"
    certificate = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    try:
        refused = error_of(
            _client(cloud, "cloudfront", "us-east-1").create_distribution,
            DistributionConfig=_distribution(
                Aliases={"Quantity": 1, "Items": [domain]},
                ViewerCertificate={"ACMCertificateArn": certificate, "SSLSupportMethod": "sni-only",
                                   "MinimumProtocolVersion": "TLSv1.2_2021"}))
        assert (refused["Code"], refused["HTTPStatusCode"]) == ("InvalidViewerCertificate", 400)
    finally:
        acm.delete_certificate(CertificateArn=certificate)


def test_a_distribution_takes_a_global_web_acl_only(cloud: Cloud) -> None:
    """CloudFront API reference, InvalidWebACLId: "To specify a web ACL created using the latest
    version of WAF, use the ACL ARN, for example arn:aws:wafv2:us-east-1:123456789012:global/
    webacl/..." A regional web ACL is not one CloudFront can use."""
    regional = _web_acl(cloud, "us-east-1", "REGIONAL")
    try:
        refused = error_of(_client(cloud, "cloudfront", "us-east-1").create_distribution,
                           DistributionConfig=_distribution(WebACLId=regional["ARN"]))
        assert (refused["Code"], refused["HTTPStatusCode"]) == ("InvalidWebACLId", 400)
    finally:
        _delete_web_acl(cloud, "us-east-1", "REGIONAL", regional)

"""The account quotas a fresh account meets on its first deploy: Lambda's concurrency, and
EC2's Elastic IPs and VPCs per Region.

Lambda developer guide, "Configuring reserved concurrency for a function": "You can reserve up
to the Unreserved account concurrency value minus 100. The remaining 100 units of concurrency
are for functions that aren't using reserved concurrency." GetAccountSettings (API reference):
"UnreservedConcurrentExecutions: The maximum number of simultaneous function executions, minus
the capacity that's reserved for individual functions with PutFunctionConcurrency."

"Amazon VPC quotas": "Elastic IP addresses per Region: 5", "VPCs per Region: 5" (the default
VPC counts); the EC2 error reference: "AddressLimitExceeded: You've reached the limit on the
number of Elastic IP addresses that you can allocate", "VpcLimitExceeded: You've reached the
limit on the number of VPCs". Each test reads the account's own quota, so it runs unchanged on
an account whose quota was raised.
"""

from __future__ import annotations

import json
from typing import Any

from conformance import Cloud, StackSets, wait_operation
from stack_support import error_of, stack

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def _function_template(reserved: int) -> dict[str, Any]:
    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
            "ReservedConcurrentExecutions": reserved}}}}


def _unreserved(cloud: Cloud) -> int:
    return cloud.client("lambda").get_account_settings()["AccountLimit"][
        "UnreservedConcurrentExecutions"]


def test_account_settings_show_what_a_reservation_takes_from_the_quota(cloud: Cloud) -> None:
    before = cloud.client("lambda").get_account_settings()["AccountLimit"]
    assert before["UnreservedConcurrentExecutions"] <= before["ConcurrentExecutions"]
    with stack(cloud.cfn, _function_template(5), cloud.poll_interval(),
               Capabilities=["CAPABILITY_IAM"]):
        assert _unreserved(cloud) == before["UnreservedConcurrentExecutions"] - 5
    assert _unreserved(cloud) == before["UnreservedConcurrentExecutions"]


def test_a_reservation_leaving_fewer_than_100_unreserved_is_refused(cloud: Cloud) -> None:
    with stack(cloud.cfn, _function_template(1), cloud.poll_interval(),
               Capabilities=["CAPABILITY_IAM"]) as stack_id:
        name = cloud.cfn.describe_stack_resource(
            StackName=stack_id, LogicalResourceId="Function")["StackResourceDetail"][
            "PhysicalResourceId"]
        lam = cloud.client("lambda")
        leaves_99 = _unreserved(cloud) + 1 - 99  # its own 1 is given back first
        error = error_of(lam.put_function_concurrency, FunctionName=name,
                         ReservedConcurrentExecutions=leaves_99)
        assert error["Code"] == "InvalidParameterValueException"
        assert "below its minimum value of [100]" in error["Message"]
        assert lam.get_function_concurrency(FunctionName=name)[
            "ReservedConcurrentExecutions"] == 1

        lam.put_function_concurrency(FunctionName=name,
                                     ReservedConcurrentExecutions=leaves_99 - 1)
        assert _unreserved(cloud) == 100


def test_a_template_reserving_too_much_fails_its_account(cloud: Cloud,
                                                         stack_sets: StackSets) -> None:
    account = cloud.accounts[0]
    settings = cloud.client("lambda", account).get_account_settings()["AccountLimit"]
    template = {"Parameters": {"Reserved": {"Type": "Number"}},
                **_function_template(0)}
    template["Resources"]["Function"]["Properties"]["ReservedConcurrentExecutions"] = \
        {"Ref": "Reserved"}
    name = stack_sets.create(json.dumps(template), Capabilities=["CAPABILITY_IAM"], Parameters=[
        {"ParameterKey": "Reserved",
         "ParameterValue": str(settings["UnreservedConcurrentExecutions"] - 99)}])
    operation_id = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[account], Regions=[cloud.region])["OperationId"]
    wait_operation(cloud, name, operation_id)

    [result] = cloud.cfn.list_stack_set_operation_results(
        StackSetName=name, OperationId=operation_id)["Summaries"]
    assert result["Status"] == "FAILED", result
    assert "below its minimum value of [100]" in result["StatusReason"]


def test_an_elastic_ip_past_the_accounts_quota_is_refused(cloud: Cloud) -> None:
    ec2 = cloud.client("ec2", cloud.accounts[0])
    [limit] = [int(a["AttributeValues"][0]["AttributeValue"]) for a in
               ec2.describe_account_attributes(
                   AttributeNames=["vpc-max-elastic-ips"])["AccountAttributes"]
               if a["AttributeName"] == "vpc-max-elastic-ips"]
    made: list[str] = []
    try:
        for _ in range(limit - len(ec2.describe_addresses()["Addresses"])):
            made.append(ec2.allocate_address(Domain="vpc")["AllocationId"])
        assert error_of(ec2.allocate_address, Domain="vpc")["Code"] == "AddressLimitExceeded"
    finally:
        for allocation in made:
            ec2.release_address(AllocationId=allocation)


def test_a_vpc_past_the_accounts_quota_is_refused(cloud: Cloud) -> None:
    ec2 = cloud.client("ec2", cloud.accounts[0])
    quota = cloud.client("service-quotas", cloud.accounts[0]).get_service_quota(
        ServiceCode="vpc", QuotaCode="L-F678F1CE")["Quota"]
    assert quota["QuotaName"] == "VPCs per Region"
    made: list[str] = []
    try:
        for index in range(int(quota["Value"]) - len(ec2.describe_vpcs()["Vpcs"])):
            made.append(ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")["Vpc"]["VpcId"])
        assert error_of(ec2.create_vpc, CidrBlock="10.99.0.0/16")["Code"] == "VpcLimitExceeded"
    finally:
        for vpc in made:
            ec2.delete_vpc(VpcId=vpc)

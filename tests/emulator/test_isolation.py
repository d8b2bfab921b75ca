"""Account isolation: one account asking for another account's resource gets AWS's refusal
(AccessDenied, or the service's not-found error), never a server error.

Each test quotes the AWS documentation (botocore's service models, the S3 user guide) for the
behaviour it checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from stack_support import error_of, unique


@pytest.fixture
def foreign_bucket(cloud: Any) -> Iterator[str]:
    """A bucket with one object, owned by the second target account."""
    s3 = cloud.client("s3", cloud.accounts[1])
    name = unique("payctl-conformance")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="artifact.zip", Body=b"zip")
    try:
        yield name
    finally:
        for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
            s3.delete_object(Bucket=name, Key=listed["Key"])
        s3.delete_bucket(Bucket=name)


def test_another_accounts_bucket_is_access_denied(cloud: Any, foreign_bucket: str) -> None:
    """S3 user guide, "Bucket policies for Amazon S3": "A bucket policy is a resource-based
    policy that you can use to grant access permissions to your Amazon S3 bucket and the objects
    in it. Only the bucket owner can associate a policy with a bucket." Another account has no
    access the policy does not grant; GetBucketPolicy: "If you don't have GetBucketPolicy
    permissions, Amazon S3 returns a 403 Access Denied error." """
    s3 = cloud.client("s3", cloud.accounts[0])
    calls = {"get_object": lambda: error_of(s3.get_object, Bucket=foreign_bucket, Key="artifact.zip"),
             "put_object": lambda: error_of(s3.put_object, Bucket=foreign_bucket, Key="x", Body=b"x"),
             "list_objects_v2": lambda: error_of(s3.list_objects_v2, Bucket=foreign_bucket),
             "get_bucket_policy": lambda: error_of(s3.get_bucket_policy, Bucket=foreign_bucket)}
    for call, refusal in calls.items():
        error = refusal()
        assert (error["Code"], error["HTTPStatusCode"]) == ("AccessDenied", 403), call


def test_bucket_policy_grants_another_account_what_it_names(cloud: Any, foreign_bucket: str) -> None:
    """S3 user guide, "Bucket policies for Amazon S3": a bucket policy "Grants other accounts
    cross-account permissions"; it grants those named and no others: s3:GetObject lets the
    account read objects but not write them (how the platform's artifacts bucket serves the
    environment accounts)."""
    owner = cloud.client("s3", cloud.accounts[1])
    owner.put_bucket_policy(Bucket=foreign_bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "ReadArtifacts", "Effect": "Allow", "Action": "s3:GetObject",
            "Principal": {"AWS": f"arn:aws:iam::{cloud.accounts[0]}:root"},
            "Resource": f"arn:aws:s3:::{foreign_bucket}/*"}]}))
    reader = cloud.client("s3", cloud.accounts[0])
    assert reader.get_object(Bucket=foreign_bucket, Key="artifact.zip")["Body"].read() == b"zip"
    refused = error_of(reader.put_object, Bucket=foreign_bucket, Key="x", Body=b"x")
    assert (refused["Code"], refused["HTTPStatusCode"]) == ("AccessDenied", 403)


def test_another_accounts_table_is_refused(cloud: Any) -> None:
    """DynamoDB DescribeTable TableName: "You can also provide the Amazon Resource Name (ARN) of
    the table in this parameter." Another account's table without a resource-based policy is
    refused (AccessDeniedException in AWS) or not found from this account
    (ResourceNotFoundException: "The operation tried to access a nonexistent table or index");
    either way a 400, never a server error."""
    owner = cloud.client("dynamodb", cloud.accounts[1])
    name = unique("conformance")
    arn = owner.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}]
                             )["TableDescription"]["TableArn"]
    try:
        owner.get_waiter("table_exists").wait(TableName=name, WaiterConfig={
            "Delay": max(1, int(cloud.poll_interval())), "MaxAttempts": 60})
        error = error_of(cloud.client("dynamodb", cloud.accounts[0]).describe_table, TableName=arn)
        assert error["Code"] in ("AccessDeniedException", "ResourceNotFoundException")
        assert error["HTTPStatusCode"] == 400
    finally:
        owner.delete_table(TableName=name)


def test_another_accounts_function_is_refused(cloud: Any) -> None:
    """Lambda GetFunction FunctionName accepts a full ARN; a function of another account that
    grants nothing is refused (AccessDeniedException, 403 in AWS) or not found from this
    account (ResourceNotFoundException, 404: "The resource specified in the request does not
    exist") — never a server error."""
    arn = f"arn:aws:lambda:{cloud.region}:{cloud.accounts[1]}:function:{unique('conformance')}"
    error = error_of(cloud.client("lambda", cloud.accounts[0]).get_function, FunctionName=arn)
    assert (error["Code"], error["HTTPStatusCode"]) in (
        ("AccessDeniedException", 403), ("ResourceNotFoundException", 404))


def test_cloudformation_reads_a_template_url_as_the_caller(cloud: Any, foreign_bucket: str) -> None:
    """CloudFormation fetches a TemplateURL with the caller's permissions (user guide,
    "Controlling access with IAM": it "uses your credentials" for the calls it makes for you),
    so another account's template is readable only as far as its bucket policy grants
    s3:GetObject. The deployer's adoption and `plan --exact` pass oversized templates this way,
    from the target account. The wording is undocumented; users report "TemplateURL must
    reference a valid S3 object to which you have access." """
    owner = cloud.client("s3", cloud.accounts[1])
    owner.put_object(Bucket=foreign_bucket, Key="template.json", Body=json.dumps(
        {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}).encode())
    url = f"https://{foreign_bucket}.s3.{cloud.region}.amazonaws.com/template.json"
    cfn = cloud.client("cloudformation", cloud.accounts[0])

    error = error_of(cfn.validate_template, TemplateURL=url)
    assert error["Code"] == "ValidationError"
    assert "TemplateURL" in error["Message"] or "S3" in error["Message"]
    assert error_of(cfn.create_stack, StackName=unique("conformance"),
                    TemplateURL=url)["Code"] == "ValidationError"

    owner.put_bucket_policy(Bucket=foreign_bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "ReadTemplates", "Effect": "Allow", "Action": "s3:GetObject",
            "Principal": {"AWS": f"arn:aws:iam::{cloud.accounts[0]}:root"},
            "Resource": f"arn:aws:s3:::{foreign_bucket}/*"}]}))
    assert cfn.validate_template(TemplateURL=url)["Parameters"] == []

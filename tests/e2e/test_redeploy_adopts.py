"""Redeploy after destroy (issue 15, point 1): the new stack adopts the retained tables, buckets,
key and log groups with their data, through a resource-import change set and
ImportStacksToStackSet; a retained name that cannot be adopted stops deploy before any
operation starts."""

from __future__ import annotations

import json

from emulated import Platform, answer_with_error, deploy_all

BUCKET = "payment-audit-logs-dev-123456789012-us-east-1"
TABLE = "payment-transactions-dev"
ITEM = {"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}, "customer_id": {"S": "c-1"},
        "amount": {"N": "12.50"}}


def _instance_stack(platform: Platform) -> str:
    cfn = platform.aws().client("cloudformation")
    return cfn.describe_stack_instance(StackSetName="payment-platform",
                                       StackInstanceAccount="123456789012",
                                       StackInstanceRegion="us-east-1")["StackInstance"]["StackId"]


def test_redeploy_after_destroy_adopts_the_data(fresh: Platform) -> None:
    deploy_all(fresh)
    fresh.client("dynamodb", "dev").put_item(TableName=TABLE, Item=ITEM)
    fresh.client("s3", "dev").put_object(Bucket=BUCKET, Key="audit/t-1.json", Body=b'{"t": 1}')
    key_before = fresh.client("dynamodb", "dev").describe_table(
        TableName=TABLE)["Table"]["SSEDescription"]["KMSMasterKeyArn"]
    old_stack = _instance_stack(fresh)
    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0

    plan = fresh.payctl("plan", "dev")
    assert "adopt     TransactionsTable  AWS::DynamoDB::Table  payment-transactions-dev" in plan.output
    assert f"adopt     AuditLogBucket  AWS::S3::Bucket  {BUCKET}" in plan.output
    assert "adopt     PlatformKey  AWS::KMS::Key" in plan.output
    assert "CONFLICT" not in plan.output
    # the edge's reserved-domain warning follows the document (on stderr)
    doc, _ = json.JSONDecoder().raw_decode(fresh.payctl("plan", "dev", "--output", "json").output)
    [adoption] = [a for a in doc["adopt"] if a["stack_set"] == "payment-platform"]
    assert {r["logical_id"] for r in adoption["resources"]} == {
        "TransactionsTable", "SessionsTable", "AuditLogBucket", "AccessLogBucket", "PlatformKey",
        "PaymentProcessorLogGroup", "SessionManagerLogGroup", "ApiAccessLogGroup", "FlowLogGroup"}

    result = fresh.payctl("deploy", "dev")

    assert result.exit_code == 0, result.output
    new_stack = _instance_stack(fresh)
    assert new_stack != old_stack
    cfn = fresh.client("cloudformation", "dev")
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for page in
                 cfn.get_paginator("list_stack_resources").paginate(StackName=new_stack)
                 for r in page["StackResourceSummaries"]}
    assert resources["TransactionsTable"] == TABLE
    assert resources["AuditLogBucket"] == BUCKET
    assert key_before.endswith(resources["PlatformKey"])
    assert "PaymentProcessorFunction" in resources  # the rest of the platform is there too
    item = fresh.client("dynamodb", "dev").get_item(
        TableName=resources["TransactionsTable"],
        Key={"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}})["Item"]
    assert item == ITEM
    body = fresh.client("s3", "dev").get_object(Bucket=resources["AuditLogBucket"],
                                                Key="audit/t-1.json")["Body"].read()
    assert body == b'{"t": 1}'
    # one key: none created empty beside the old one
    kms = fresh.client("kms", "dev")
    keys = [k for k in kms.list_keys()["Keys"]
            if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"]
    assert len(keys) == 1
    rows = json.loads(fresh.payctl("status", "dev", "--output", "json").output)
    assert {r["status"] for r in rows} == {"CURRENT"}
    again = fresh.payctl("plan", "dev", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_a_name_owned_by_another_account_stops_deploy_before_any_operation(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    squatted = "payment-access-logs-dev-123456789012-us-east-1"
    fresh.aws().client("s3").create_bucket(Bucket=squatted)  # the admin account holds it

    plan = fresh.payctl("plan", "dev")
    result = fresh.payctl("deploy", "dev")

    assert f"CONFLICT  AccessLogBucket  AWS::S3::Bucket  {squatted}" in plan.output
    assert result.exit_code == 1
    assert "nothing was changed" in result.output and squatted in result.output
    assert "belongs to another AWS account" in result.output
    cfn = fresh.aws().client("cloudformation")
    assert cfn.list_stack_sets(Status="ACTIVE")["Summaries"] == []


def test_a_kept_resource_whose_dependency_is_gone_stops_deploy_before_any_operation(fresh: Platform) -> None:
    """The audit-log bucket is kept but the access-log bucket it logs to is gone (deleted by
    hand, an interrupted purge). Importing the audit bucket alone would submit a template that
    refers to nothing, which CloudFormation refuses ("Unresolved resource dependencies"), after
    the StackSet was created; so plan names it and deploy refuses before any operation."""
    assert fresh.payctl("bootstrap").exit_code == 0
    fresh.client("s3", "dev").create_bucket(Bucket=BUCKET)

    plan = fresh.payctl("plan", "dev")
    result = fresh.payctl("deploy", "dev")

    assert "STRANDED  AuditLogBucket refers to AccessLogBucket, which is gone (AWS::S3::Bucket " \
        "payment-access-logs-dev-123456789012-us-east-1): re-create it by hand" in plan.output, plan.output
    assert result.exit_code == 1, result.output
    assert "nothing was changed" in result.output and "STRANDED  AuditLogBucket" in result.output
    assert fresh.aws().client("cloudformation").list_stack_sets(Status="ACTIVE")["Summaries"] == []


def test_a_table_with_another_key_schema_stops_deploy_before_any_operation(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    fresh.client("dynamodb", "dev").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])

    result = fresh.payctl("deploy", "dev")

    assert result.exit_code == 1
    assert f"CONFLICT  TransactionsTable  AWS::DynamoDB::Table  {TABLE}: its key schema" in result.output
    assert "aws dynamodb delete-table" in result.output  # the way out
    assert fresh.aws().client("cloudformation").list_stack_sets(Status="ACTIVE")["Summaries"] == []


def test_a_survey_that_cannot_look_stops_plan_and_deploy_before_any_operation(
        fresh: Platform, monkeypatch) -> None:
    """Issue 24: a look for retained data that fails (here the execution role may not
    DescribeLogGroups) was a warning, and deploy went on to create twins of what it could not
    see. Now plan and deploy both stop, one line naming the account, the reason and what to run."""
    assert fresh.payctl("bootstrap").exit_code == 0
    answer_with_error(monkeypatch, "cloudwatch-logs.DescribeLogGroups", 400, (
        b'{"__type": "AccessDeniedException", "message": "not authorized: logs:DescribeLogGroups"}'))
    reason = ("keeps retained data: the look failed (AccessDeniedException: not authorized: "
              "logs:DescribeLogGroups); fix that (the role's permissions, the network), then run "
              "`payctl deploy dev` again")

    plan = fresh.payctl("plan", "dev")
    deploy = fresh.payctl("deploy", "dev")

    assert plan.exit_code == 1
    assert plan.output == ("error: cannot tell whether payment-platform / dev (123456789012 "
                           f"us-east-1) {reason}\n")
    assert deploy.exit_code == 1
    assert deploy.output.splitlines()[-1] == (
        "error: refusing to deploy, nothing was changed: cannot tell whether payment-platform / "
        f"dev (123456789012 us-east-1) {reason}")
    assert fresh.aws().client("cloudformation").list_stack_sets(Status="ACTIVE")["Summaries"] == []


ADMIN_ROLE = "AWSCloudFormationStackSetAdministrationRole"


def _trust_admin_role_to(platform: Platform, service: str) -> None:
    platform.aws().client("iam").update_assume_role_policy(RoleName=ADMIN_ROLE, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": service}}]}))


def test_a_failed_import_is_retried_on_the_same_stack_never_torn_down(fresh: Platform) -> None:
    """A failed ImportStacksToStackSet leaves the instance INOPERABLE with DetailedStatus
    FAILED_IMPORT: "Once the issues causing the failure are fixed, the import operation can be
    retried." The next deploy imports the adopted stack again; it does not take the INOPERABLE
    recovery path, which would delete that stack (the VPC, the functions, the API) first."""
    deploy_all(fresh)
    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0
    _trust_admin_role_to(fresh, "ec2.amazonaws.com")  # StackSets can no longer act

    failed = fresh.payctl("deploy", "dev", "--no-manifests")

    assert failed.exit_code == 1, failed.output
    cfn = fresh.aws().client("cloudformation")
    instance = cfn.describe_stack_instance(StackSetName="payment-platform", StackInstanceAccount="123456789012",
                                           StackInstanceRegion="us-east-1")["StackInstance"]
    assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == ("INOPERABLE", "FAILED_IMPORT")
    plan = fresh.payctl("plan", "dev")
    assert "is INOPERABLE: its import failed" in plan.output and "imports its stack again" in plan.output

    _trust_admin_role_to(fresh, "cloudformation.amazonaws.com")
    again = fresh.payctl("deploy", "dev", "--no-manifests")

    assert again.exit_code == 0, again.output
    assert "payment-platform: importing the stacks of dev again" in again.output
    assert "deleting its stack" not in again.output
    assert _instance_stack(fresh) == instance["StackId"]
    assert fresh.client("cloudformation", "dev").describe_stacks(
        StackName=instance["StackId"])["Stacks"][0]["StackStatus"] in ("IMPORT_COMPLETE", "UPDATE_COMPLETE")
    assert fresh.payctl("plan", "dev", "--detailed-exitcode").exit_code == 0

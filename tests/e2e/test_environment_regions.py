"""An environment in another region (issue 14, item 7), over HTTP against the emulator: its
instance, its code bucket and its reads are in its own region; `--region` is only where the
StackSets live."""

from __future__ import annotations

import json
from typing import Any

from emulated import EXECUTION_ROLE, Platform, deploy_all, rollout_with_probe

WEST = "eu-west-1"
ITEM = {"transaction_id": {"S": "t-west"}, "timestamp": {"N": "1"}, "customer_id": {"S": "c-1"},
        "amount": {"N": "7.00"}}


def in_region(platform: Platform, service: str, environment: str, region: str) -> Any:
    aws = platform.aws()
    account = platform.config.environments[environment].account_id
    return aws.client_in(service, account, EXECUTION_ROLE, region)


def test_an_environment_in_another_region_deploys_reads_and_updates_there(fresh: Platform) -> None:
    path = fresh.params_dir / "staging.yaml"
    path.write_text(path.read_text().replace("region: us-east-1", f"region: {WEST}"))
    deploy_all(fresh)

    admin = fresh.aws()
    cfn = admin.client("cloudformation")
    placed = {(s["Account"], s["Region"]) for s in cfn.list_stack_instances(
        StackSetName="payment-platform")["Summaries"]}
    env = fresh.config.environments
    assert placed == {(env["dev"].account_id, "us-east-1"), (env["staging"].account_id, WEST),
                      (env["prod"].account_id, "us-east-1")}

    # the code the staging functions run comes from a bucket in staging's region
    bucket = f"payment-platform-artifacts-{fresh.config.deployment.admin_account_id}-{WEST}"
    s3 = admin.client("s3", region=WEST)
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == WEST
    stack = in_region(fresh, "cloudformation", "staging", WEST).describe_stacks()["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for s in stack for p in s["Parameters"]}
    assert parameters["LambdaCodeBucket"] == bucket
    function = in_region(fresh, "lambda", "staging", WEST).get_function_configuration(
        FunctionName="payment-processor-staging")
    assert f":{WEST}:" in function["FunctionArn"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Principal"]["AWS"] == [
        f"arn:aws:iam::{env['staging'].account_id}:root"]

    # reads go to the instance's region: the manifest describes staging's stacks there
    manifest = json.loads((fresh.build_dir / "manifests" / "resource-manifest-staging.json").read_text())
    assert manifest["region"] == WEST
    assert all(f":{WEST}:" in s["stack_id"] for s in manifest["stack_sets"])
    status = json.loads(fresh.payctl("status", "--output", "json").output)
    assert {(r["environment"], r["region"], r["status"]) for r in status
            if r["stack_set"] == "payment-platform"} == {
        ("dev", "us-east-1", "CURRENT"), ("staging", WEST, "CURRENT"), ("prod", "us-east-1", "CURRENT")}

    # a template change for every environment at once: one UpdateStackSet per region group,
    # never Accounts x Regions naming instances that do not exist
    rollout = rollout_with_probe(fresh, "payment-platform", "RegionProbe")
    rollout.deploy(list(env.values()), strategy="parallel")
    for environment, region in (("dev", "us-east-1"), ("staging", WEST), ("prod", "us-east-1")):
        stack = in_region(fresh, "cloudformation", environment, region).describe_stack_resources(
            StackName=_stack_id(cfn, env[environment].account_id, region))
        assert "RegionProbe" in {r["LogicalResourceId"] for r in stack["StackResources"]}

    # a record written in staging's region survives destroy, and the redeploy looks for the
    # retained resources there (not in the admin region) and adopts them
    table = in_region(fresh, "dynamodb", "staging", WEST)
    table.put_item(TableName="payment-transactions-staging", Item=ITEM)
    result = fresh.payctl("destroy", "staging", "--yes")
    assert result.exit_code == 0, result.output
    plan = fresh.payctl("plan", "staging")
    assert "adopt     TransactionsTable  AWS::DynamoDB::Table  payment-transactions-staging" \
        in plan.output, plan.output
    result = fresh.payctl("deploy", "staging")
    assert result.exit_code == 0, result.output
    stack = _stack_id(cfn, env["staging"].account_id, WEST)
    assert f":{WEST}:" in stack
    resources = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in in_region(
        fresh, "cloudformation", "staging", WEST).describe_stack_resources(
        StackName=stack)["StackResources"]}
    assert resources["TransactionsTable"] == "payment-transactions-staging"
    assert table.get_item(TableName="payment-transactions-staging",
                          Key={k: ITEM[k] for k in ("transaction_id", "timestamp")})["Item"] == ITEM


def _stack_id(cfn: Any, account: str, region: str) -> str:
    return cfn.describe_stack_instance(StackSetName="payment-platform", StackInstanceAccount=account,
                                       StackInstanceRegion=region)["StackInstance"]["StackId"]


def test_a_region_the_admin_account_has_not_enabled_stops_plan_and_deploy(
        fresh: Platform) -> None:
    """Issue 24: an environment in a region disabled by default (ap-east-1, not enabled in
    the emulator's accounts, as in a new real one) failed only inside the StackSet operation.
    Now plan and deploy refuse before anything is written, naming the file and the way out."""
    dev = fresh.params_dir / "dev.yaml"
    dev.write_text(dev.read_text().replace("region: us-east-1", "region: ap-east-1"))
    message = (f"error: {dev}: region: ap-east-1 is disabled by default and account "
               "111122223333 has not enabled it; enable it (aws account enable-region "
               "--region-name ap-east-1), wait until it is ENABLED, and run again\n")

    for args in (("plan", "dev"), ("deploy", "dev")):
        result = fresh.payctl(*args)
        assert (result.exit_code, result.output) == (2, message)
    assert fresh.aws().client("cloudformation").list_stack_sets()["Summaries"] == []

"""The first rollout, as a user runs it: bootstrap and `deploy --all` over HTTP, then the real
resources in each account, read back with boto3 (never the parameter files)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from emulated import Platform

from scripts.build.manifest import validate
from templates_py import STACKSET_TEMPLATES

# The design's per-environment table, as a user would check it in the console.
EXPECTED = {
    "dev": dict(memory=512, timeout=30, billing="PAY_PER_REQUEST", capacity=None, pitr="DISABLED",
                retention=30, lambda_errors=5, throttles=10, burst=500, rate=250, nat=1,
                cost_center="dev-payments", classification="internal", concurrency=10),
    "staging": dict(memory=1024, timeout=60, billing="PROVISIONED", capacity=5, pitr="DISABLED",
                    retention=90, lambda_errors=3, throttles=5, burst=2000, rate=1000, nat=1,
                    cost_center="staging-payments", classification="internal", concurrency=50),
    "prod": dict(memory=2048, timeout=120, billing="PROVISIONED", capacity=20, pitr="ENABLED",
                 retention=365, lambda_errors=1, throttles=2, burst=5000, rate=2500, nat=2,
                 cost_center="prod-payments", classification="confidential", concurrency=400),
}
ENVIRONMENTS = list(EXPECTED)


def test_first_deploy_creates_every_instance(deployed: Platform) -> None:
    output = deployed.first_deploy.output
    for stack_set in STACKSET_TEMPLATES:
        for env in ENVIRONMENTS:
            assert re.search(rf"{stack_set}\s+{env}\s+\d{{12}} us-east-1\s+SUCCEEDED", output)
    for env in ENVIRONMENTS:
        assert f"resource-manifest-{env}.json" in output


def test_deploy_warns_that_the_shipped_reserved_domains_never_validate(deployed: Platform) -> None:
    output = deployed.first_deploy.output
    for env, domain in (("dev", "dev.api.example.com"), ("prod", "api.example.com")):
        assert f"{env}.yaml: edge.domain: {domain} is under the reserved name example.com" in output


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_manifest_validates_and_names_resources_in_its_own_account(deployed: Platform, env: str) -> None:
    manifest = json.loads(Path(deployed.build_dir, "manifests", f"resource-manifest-{env}.json").read_text())
    validate(manifest)
    account = deployed.config.environments[env].account_id
    assert manifest["account_id"] == account
    arns = [v for r in manifest["resources"].values() for k, v in r.items() if k == "arn"]
    assert len(arns) >= 10
    for arn in arns:
        arn_account = arn.split(":")[4]
        assert arn_account in ("", account), arn  # S3 ARNs carry no account
    assert {s["stack_id"].split(":")[4] for s in manifest["stack_sets"]} == {account}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_resource_type_was_skipped(deployed: Platform, env: str) -> None:
    cfn = deployed.client("cloudformation", env)
    stacks = {s["StackName"]: s["StackId"] for s in cfn.describe_stacks()["Stacks"]}
    for name in STACKSET_TEMPLATES:
        template = json.loads(Path(deployed.build_dir, "templates", f"{name}.json").read_text())
        stack_id = next(i for n, i in stacks.items() if n.startswith(f"StackSet-{name}-")
                        and not n.startswith(f"StackSet-{name}-edge"))
        deployed_types = {r["ResourceType"] for r in
                          cfn.describe_stack_resources(StackName=stack_id)["StackResources"]}
        # edge is on in every environment but not delegated (only its zone: the certificate,
        # WAF, CloudFront and alias record are checked in test_edge_two_steps), and every
        # environment is assigned (not a placeholder)
        wanted = {r["Type"] for r in template["Resources"].values()
                  if r.get("Condition") not in ("EnvironmentAssignedEdgeOff", "EnvironmentUnassigned",
                                                "EnvironmentAssignedEdgeServing")}
        assert wanted == deployed_types


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_account_runs_its_environment_configuration(deployed: Platform, env: str) -> None:
    want = EXPECTED[env]
    dynamodb = deployed.client("dynamodb", env)
    for table in (f"payment-transactions-{env}", f"payment-sessions-{env}"):
        described = dynamodb.describe_table(TableName=table)["Table"]
        assert described["BillingModeSummary"]["BillingMode"] == want["billing"]
        if want["capacity"]:
            assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == want["capacity"]
            assert described["ProvisionedThroughput"]["WriteCapacityUnits"] == want["capacity"]
        backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == want["pitr"]

    functions = deployed.client("lambda", env).list_functions()["Functions"]
    assert {f["FunctionName"] for f in functions} == {f"payment-processor-{env}", f"session-manager-{env}"}
    for function in functions:
        assert (function["MemorySize"], function["Timeout"]) == (want["memory"], want["timeout"])
        assert function["Architectures"] == ["arm64"]

    groups = deployed.client("logs", env).describe_log_groups()["logGroups"]
    assert len(groups) >= 3
    assert {g["retentionInDays"] for g in groups} == {want["retention"]}

    alarms = {a["AlarmName"]: a["Threshold"]
              for a in deployed.client("cloudwatch", env).describe_alarms()["MetricAlarms"]}
    assert alarms[f"payment-processor-errors-{env}"] == want["lambda_errors"]
    assert alarms[f"payment-transactions-write-throttles-{env}"] == want["throttles"]

    s3 = deployed.client("s3", env)
    account = deployed.config.environments[env].account_id
    rules = s3.get_bucket_lifecycle_configuration(
        Bucket=f"payment-audit-logs-{env}-{account}-us-east-1")["Rules"]
    assert rules[0]["Expiration"]["Days"] == want["retention"]
    # The seed's mistake: a 30-day STANDARD_IA transition with 30-day expiry is rejected by AWS.
    assert bool(rules[0].get("Transitions")) == (want["retention"] > 30)

    apigateway = deployed.client("apigateway", env)
    api = next(a for a in apigateway.get_rest_apis()["items"] if a["name"] == f"payment-api-{env}")
    stage = apigateway.get_stage(restApiId=api["id"], stageName=env)
    throttle = stage["methodSettings"]["*/*"]
    assert (throttle["throttlingBurstLimit"], throttle["throttlingRateLimit"]) == (want["burst"], want["rate"])

    ec2 = deployed.client("ec2", env)
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == want["nat"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [env]}])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["CostCenter"] == want["cost_center"]
    assert tags["DataClassification"] == want["classification"]
    assert {"ManagedBy", "Project"} <= set(tags)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_account_runs_the_security_controls(deployed: Platform, env: str) -> None:
    kms = deployed.client("kms", env)
    key = kms.describe_key(KeyId=f"alias/payment-platform-{env}")["KeyMetadata"]["Arn"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"]

    dynamodb = deployed.client("dynamodb", env)
    for table in (f"payment-transactions-{env}", f"payment-sessions-{env}"):
        sse = dynamodb.describe_table(TableName=table)["Table"]["SSEDescription"]
        assert (sse["SSEType"], sse["KMSMasterKeyArn"]) == ("KMS", key)

    groups = deployed.client("logs", env).describe_log_groups()["logGroups"]
    assert {g["logGroupName"]: g.get("kmsKeyId") for g in groups} == {
        name: key for name in (f"/aws/lambda/payment-processor-{env}", f"/aws/lambda/session-manager-{env}",
                               f"/aws/apigateway/payment-api-{env}", f"/aws/vpc/payment-vpc-{env}/flow-logs")}

    functions = deployed.client("lambda", env)
    for name in (f"payment-processor-{env}", f"session-manager-{env}"):
        assert functions.get_function_configuration(FunctionName=name)["KMSKeyArn"] == key
        concurrency = functions.get_function_concurrency(FunctionName=name)
        assert concurrency["ReservedConcurrentExecutions"] == EXPECTED[env]["concurrency"]

    s3 = deployed.client("s3", env)
    account = deployed.config.environments[env].account_id
    audit, access = (f"payment-{kind}-logs-{env}-{account}-us-east-1" for kind in ("audit", "access"))
    rule = s3.get_bucket_encryption(Bucket=audit)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    assert s3.get_bucket_logging(Bucket=audit)["LoggingEnabled"]["TargetBucket"] == access

    ec2 = deployed.client("ec2", env)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [env]}])["Vpcs"][0]["VpcId"]
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert [(f["TrafficType"], f["LogGroupName"]) for f in flow_logs] == [
        ("ALL", f"/aws/vpc/payment-vpc-{env}/flow-logs")]

    apigateway = deployed.client("apigateway", env)
    api = next(a for a in apigateway.get_rest_apis()["items"] if a["name"] == f"payment-api-{env}")
    for resource in apigateway.get_resources(restApiId=api["id"])["items"]:
        for method in resource.get("resourceMethods", {}):
            assert apigateway.get_method(restApiId=api["id"], resourceId=resource["id"],
                                         httpMethod=method)["apiKeyRequired"], (resource["path"], method)
    plan = next(p for p in apigateway.get_usage_plans()["items"] if p["name"] == f"payment-api-clients-{env}")
    assert plan["apiStages"] == [{"apiId": api["id"], "stage": env}]
    assert (plan["throttle"]["burstLimit"], plan["throttle"]["rateLimit"]) == (
        EXPECTED[env]["burst"], EXPECTED[env]["rate"])
    [plan_key] = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert apigateway.get_api_key(apiKey=plan_key["id"])["enabled"]

    # the edge is not delegated (edge.delegated: false): its zone only, nothing that waits on
    # validation; the WAF and CloudFront controls are checked in test_edge_two_steps
    assert deployed.client("wafv2", env).list_web_acls(Scope="CLOUDFRONT")["WebACLs"] == []
    assert deployed.client("cloudfront", env).list_distributions()["DistributionList"].get(
        "Items", []) == []


def test_noop_redeploy_makes_no_write_call(deployed: Platform) -> None:
    from scripts.cli.commands.common import make_rollout
    from scripts.cli.support import Options

    opts = Options(deployed.params_dir, deployed.build_dir, None, None, deployed.url)
    rollout = make_rollout(opts, deployed.config)
    results = rollout.deploy(list(deployed.config.environments.values()))
    assert all(r.plan.empty and not r.operations for r in results)
    assert rollout.aws.write_calls() == 0, rollout.aws.calls
    result = deployed.payctl("deploy", "--all", "--no-manifests")
    assert result.exit_code == 0
    assert "No changes" in result.output

"""The project's own policy checks: clean on the real templates, failing on bad fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts.checks import policy

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TAGS = [{"Key": k, "Value": "x"} for k in ("Environment", "CostCenter", "DataClassification",
                                           "ManagedBy", "Project")]


def built_templates() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (BUILD / "templates").glob("*.json")}


def overrides(environment: str) -> dict[str, dict[str, str]]:
    """The parameter values the deployer sends each StackSet template for `environment`."""
    return {p.stem: {o["ParameterKey"]: o["ParameterValue"] for o in json.loads(p.read_text())}
            for p in (BUILD / "parameters" / environment).glob("*.json")}


def test_built_templates_pass_every_check() -> None:
    templates = built_templates()
    assert len(templates) == 5
    assert set(overrides("prod")) == {"payment-platform", "payment-platform-edge"}
    assert policy.run_all(templates, overrides("prod")) == []


def test_prod_retention_check_reads_the_environment_values() -> None:
    """dev keeps logs 30 days: the same check on dev's effective template names every log."""
    dev = policy.effective(built_templates()["payment-platform"], overrides("dev")["payment-platform"])
    problems = policy.check_prod_retention(dev)
    assert "PaymentProcessorLogGroup: keeps logs 30 days, fewer than 365" in problems
    assert "FlowLogGroup: keeps logs 30 days, fewer than 365" in problems
    assert "AuditLogBucket: keeps logs 30 days, fewer than 365" in problems


def resources(**items: dict) -> dict:
    return {"Resources": items}


BAD = {
    "five-tags-on-taggable-resources": resources(
        Table={"Type": "AWS::DynamoDB::Table", "Properties": {"Tags": TAGS[:4]},
               "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
    "stateful-resources-retained": resources(
        Logs={"Type": "AWS::Logs::LogGroup", "Properties": {"Tags": TAGS},
              "DeletionPolicy": "Retain"}),
    "tls-only-buckets": resources(
        Bucket={"Type": "AWS::S3::Bucket", "Properties": {"Tags": TAGS},
                "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
        Policy={"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}}}),
    "no-iam-wildcards": resources(
        Role={"Type": "AWS::IAM::Role", "Properties": {"Tags": TAGS, "Policies": [
            {"PolicyName": "p", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": ["arn:x"]},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}}),
    "vpc-flow-logs-on": resources(
        Vpc={"Type": "AWS::EC2::VPC", "Properties": {"Tags": TAGS, "CidrBlock": "10.0.0.0/16"}},
        OtherVpcLog={"Type": "AWS::EC2::FlowLog", "Properties": {
            "Tags": TAGS, "ResourceId": {"Ref": "OtherVpc"}, "ResourceType": "VPC"}}),
    "prod-log-retention-at-least-365-days": resources(
        Logs={"Type": "AWS::Logs::LogGroup", "Properties": {"Tags": TAGS, "RetentionInDays": 90},
              "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
}
ALL_CHECKS = {**policy.CHECKS, **policy.PROD_CHECKS}


@pytest.mark.parametrize("name", sorted(ALL_CHECKS))
def test_each_check_fails_on_its_fixture(name: str) -> None:
    problems = ALL_CHECKS[name](BAD[name])
    assert problems, f"{name} found nothing in a template built to violate it"
    others = [other for other in ALL_CHECKS if other != name]
    assert all(ALL_CHECKS[o](BAD[name]) == [] for o in others), "fixture violates only its check"


def test_fixture_problems_name_the_resource() -> None:
    assert policy.check_flow_logs(BAD["vpc-flow-logs-on"]) == [
        "Vpc: no AWS::EC2::FlowLog for this VPC"]
    assert policy.check_prod_retention(BAD["prod-log-retention-at-least-365-days"]) == [
        "Logs: keeps logs 90 days, fewer than 365"]


def test_key_policy_star_resource_means_the_key() -> None:
    statement = {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*",
                 "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    key = resources(Key={"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {
        "Statement": [statement]}}})
    assert policy.check_iam_wildcards(key) == []
    role = resources(Role={"Type": "AWS::IAM::Role", "Properties": {"Policies": [
        {"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}}]}})
    assert policy.check_iam_wildcards(role) == ["Role: Allow kms:Decrypt on resource *"]


def test_wildcard_check_names_both_problems() -> None:
    problems = policy.check_iam_wildcards(BAD["no-iam-wildcards"])
    assert problems == ["Role: Allow with wildcard action dynamodb:*",
                        "Role: Allow s3:GetObject on resource *"]


def test_documented_star_resource_is_accepted() -> None:
    template = resources(Role={"Type": "AWS::IAM::Role", "Properties": {"Tags": TAGS, "Policies": [
        {"PolicyName": "p", "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]}]}}]}})
    assert policy.check_iam_wildcards(template) == []


def test_every_checkov_skip_is_justified_and_listed_in_the_security_page() -> None:
    skips = [(logical_id, skip) for template in built_templates().values()
             for logical_id, resource in template["Resources"].items()
             for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips
    section = (ROOT / "docs" / "security.md").read_text().split("\n## ")[0]
    rows = [row for row in section.splitlines() if row.startswith("| CKV_")]
    for logical_id, skip in skips:
        assert len(skip.get("comment", "")) > 40, f"{logical_id} skips {skip['id']} without a reason"
        assert any(skip["id"] in row and logical_id in row for row in rows), \
            f"docs/security.md's skipped-checks table lacks {skip['id']} on {logical_id}"
    assert set(re.findall(r"CKV_AWS_\d+", "".join(rows))) == {skip["id"] for _, skip in skips}

"""The project's own policy checks: clean on the real templates, failing on bad fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import policy

BUILD = Path(__file__).resolve().parent.parent / "build" / "templates"
TAGS = [{"Key": k, "Value": "x"} for k in ("Environment", "CostCenter", "DataClassification",
                                           "ManagedBy", "Project")]


def test_built_templates_pass_every_check() -> None:
    templates = {p.stem: json.loads(p.read_text()) for p in BUILD.glob("*.json")}
    assert len(templates) == 4
    assert policy.run_all(templates) == []


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
}


@pytest.mark.parametrize("name", sorted(policy.CHECKS))
def test_each_check_fails_on_its_fixture(name: str) -> None:
    problems = policy.CHECKS[name](BAD[name])
    assert problems, f"{name} found nothing in a template built to violate it"
    others = [other for other in policy.CHECKS if other != name]
    assert all(policy.CHECKS[o](BAD[name]) == [] for o in others), "fixture violates only its check"


def test_wildcard_check_names_both_problems() -> None:
    problems = policy.check_iam_wildcards(BAD["no-iam-wildcards"])
    assert problems == ["Role: Allow with wildcard action dynamodb:*",
                        "Role: Allow s3:GetObject on resource *"]


def test_documented_star_resource_is_accepted() -> None:
    template = resources(Role={"Type": "AWS::IAM::Role", "Properties": {"Tags": TAGS, "Policies": [
        {"PolicyName": "p", "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]}]}}]}})
    assert policy.check_iam_wildcards(template) == []

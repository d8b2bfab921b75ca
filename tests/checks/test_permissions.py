"""The execution role grants everything CloudFormation does in a target account for the built
templates: resource handlers, intrinsic functions, its own stack calls; within IAM's quotas."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from scripts.checks.permissions import (
    ACTIONS_FILE,
    derive,
    granted_actions,
    missing_actions,
    needed_actions,
    template_actions,
)
from templates_py.bootstrap import MANAGED_POLICY_CHARS, ROLE_MANAGED_POLICIES, policy_chars

TEMPLATES = Path(__file__).resolve().parents[2] / "build" / "templates"
STACK_SETS = ("payment-platform.json", "payment-platform-edge.json")
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
# "you need permissions to the Amazon EC2 DescribeAvailabilityZones and DescribeAccountAttributes
# actions. For EC2-VPC, you also need permissions to the Amazon EC2 DescribeSubnets action."
GET_AZS = {"ec2:DescribeAvailabilityZones", "ec2:DescribeAccountAttributes", "ec2:DescribeSubnets"}


def _built(name: str) -> dict:
    return json.loads((TEMPLATES / name).read_text())


def _stack_set_templates() -> list[dict]:
    return [_built(name) for name in STACK_SETS]


def test_execution_actions_match_what_the_templates_need() -> None:
    assert json.loads(ACTIONS_FILE.read_text()) == derive(), (
        "templates_py/execution_actions.json is stale: run `python -m scripts.checks.permissions`, "
        "review the diff, then `make templates`")


def test_no_wildcard_actions() -> None:
    actions = json.loads(ACTIONS_FILE.read_text())
    assert all("*" not in name for names in actions.values() for name in names)


def test_built_execution_role_grants_every_action_the_built_templates_need() -> None:
    role = _built("stackset-execution-role.json")
    assert missing_actions(role, _stack_set_templates()) == []


def test_built_execution_role_resolves_get_azs_and_has_full_cloudformation() -> None:
    """The platform uses Fn::GetAZs; StackSets' prerequisites: the target account "always needs
    full AWS CloudFormation permissions"."""
    platform = _built("payment-platform.json")
    assert "Fn::GetAZs" in json.dumps(platform)
    granted = granted_actions(_built("stackset-execution-role.json"))
    assert {a.lower() for a in GET_AZS} <= granted
    for action in ("CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "ListExports",
                   "ValidateTemplate", "GetTemplateSummary", "DescribeStackEvents"):
        assert f"cloudformation:{action}".lower() in granted


def test_a_role_without_an_action_the_template_needs_is_caught() -> None:
    role = copy.deepcopy(_built("stackset-execution-role.json"))
    for resource in role["Resources"].values():
        document = resource.get("Properties", {}).get("PolicyDocument")
        for statement in (document or {}).get("Statement", []):
            statement["Action"] = [a for a in statement["Action"]
                                   if a != "ec2:DescribeAvailabilityZones"]
    assert missing_actions(role, _stack_set_templates()) == ["ec2:DescribeAvailabilityZones"]


def test_intrinsics_parameter_types_and_dynamic_references_add_their_actions() -> None:
    template = {"Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<String>"},
                               "Vpc": {"Type": "AWS::EC2::VPC::Id"}},
                "Resources": {"X": {"Type": "AWS::SNS::Topic", "Properties": {
                    "TopicName": "{{resolve:secretsmanager:name}}",
                    "DisplayName": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}}}}
    assert template_actions(template) == GET_AZS | {
        "ssm:GetParameters", "ec2:DescribeVpcs", "secretsmanager:GetSecretValue"}


@pytest.mark.parametrize("template", [
    {"Resources": {"X": {"Type": "AWS::SNS::Topic", "Properties": {"A": {"Fn::Future": []}}}}},
    {"Transform": "AWS::Serverless-2016-10-31", "Resources": {}},
    {"Parameters": {"K": {"Type": "AWS::EC2::KeyPair::KeyName"}}, "Resources": {}},
])
def test_an_unknown_intrinsic_transform_or_parameter_type_stops_the_derivation(template: dict) -> None:
    with pytest.raises(ValueError, match=r"scripts/checks/permissions\.py"):
        needed_actions([template])


def test_execution_role_policies_fit_iam_quotas() -> None:
    """IAM: a managed policy holds 6,144 characters, a role's inline policies 10,240 together,
    and a role takes 10 managed policies by default."""
    role = _built("stackset-execution-role.json")["Resources"]
    managed = [r for r in role.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    inline = sum(policy_chars(p["PolicyDocument"])
                 for r in role.values() for p in r.get("Properties", {}).get("Policies", []))
    assert inline <= 10240
    assert 0 < len(managed) <= ROLE_MANAGED_POLICIES
    for policy in managed:
        # Fn::Sub puts at most a longer partition name into the ARNs
        assert policy_chars(policy["Properties"]["PolicyDocument"]) + 100 <= MANAGED_POLICY_CHARS
    attached = role["ExecutionRole"]["Properties"]["ManagedPolicyArns"]
    assert len(attached) == len(managed)

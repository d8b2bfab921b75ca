"""Plain stacks: no-op updates, template summaries, and resources a DeletionPolicy keeps.

Each test quotes the AWS API reference (botocore's CloudFormation service model) or the
CloudFormation user guide / template reference for the behaviour it checks.
"""

from __future__ import annotations

import json
from typing import Any

from stack_support import error_of, stack, unique, wait

DAYS = {"Type": "Number", "Default": "7", "AllowedValues": ["7", "14"],
        "Description": "How long the log group keeps events"}


def _log_group_template(**extra: Any) -> dict[str, Any]:
    return {"Parameters": {"Days": DAYS},
            "Resources": {"Group": {"Type": "AWS::Logs::LogGroup",
                                    "Properties": {"RetentionInDays": {"Ref": "Days"}}}, **extra}}


def test_update_with_no_changes_is_refused(cloud: Any) -> None:
    """User guide, "CloudFormation stack updates": "CloudFormation compares the changes you
    submit with the current state of your stack and updates only the changed resources." With
    nothing changed (same template, parameter values and tags) AWS refuses the call; the
    documentation gives no wording, AWS is observed to answer ValidationError "No updates are to
    be performed." (AWS's own toolkits match it: aws/aws-toolkit-azure-devops#536). Given again,
    the previous template and value count as the same."""
    template = _log_group_template()
    with stack(cloud.cfn, template, cloud.poll_interval(),
               Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"}]) as stack_id:
        same_body = error_of(cloud.cfn.update_stack, StackName=stack_id,
                             TemplateBody=json.dumps(template),
                             Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"}])
        previous = error_of(cloud.cfn.update_stack, StackName=stack_id, UsePreviousTemplate=True,
                            Parameters=[{"ParameterKey": "Days", "UsePreviousValue": True}])
        for refused in (same_body, previous):
            assert (refused["Code"], refused["Message"], refused["HTTPStatusCode"]) == \
                ("ValidationError", "No updates are to be performed.", 400)


def test_update_changing_a_parameter_value_is_performed(cloud: Any) -> None:
    """Parameters: "A list of Parameter structures that specify input parameters for the stack"
    (UpdateStackInput) — the same template with another value is an update, not a no-op."""
    with stack(cloud.cfn, _log_group_template(), cloud.poll_interval()) as stack_id:
        cloud.cfn.update_stack(StackName=stack_id, UsePreviousTemplate=True,
                               Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"}])
        wait(cloud.cfn, "stack_update_complete", stack_id, cloud.poll_interval())
        described = cloud.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        assert described["Parameters"] == [{"ParameterKey": "Days", "ParameterValue": "14"}]


SUMMARY_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "conformance: template summary",
    "Metadata": {"AWS::CloudFormation::Interface": {
        "ParameterGroups": [{"Label": {"default": "Logging"}, "Parameters": ["Days", "Secret"]}],
        "ParameterLabels": {"Days": {"default": "Retention (days)"}}}},
    "Parameters": {"Days": DAYS, "Secret": {"Type": "String", "NoEcho": True,
                                             "Description": "never shown"}},
    "Resources": {
        "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}}}},
}


def _check_summary(summary: dict[str, Any]) -> None:
    assert summary["Parameters"] and {p["ParameterKey"]: p for p in summary["Parameters"]} == {
        "Days": {"ParameterKey": "Days", "DefaultValue": "7", "ParameterType": "Number",
                 "NoEcho": False, "Description": "How long the log group keeps events",
                 "ParameterConstraints": {"AllowedValues": ["7", "14"]}},
        "Secret": {"ParameterKey": "Secret", "ParameterType": "String", "NoEcho": True,
                   "Description": "never shown", "ParameterConstraints": {}}}
    assert json.loads(summary["Metadata"]) == SUMMARY_TEMPLATE["Metadata"]
    assert sorted(summary["ResourceTypes"]) == ["AWS::IAM::Role", "AWS::Logs::LogGroup"]
    assert summary["Version"] == "2010-09-09"
    assert summary["Description"] == "conformance: template summary"
    assert summary["Capabilities"] == ["CAPABILITY_IAM"]
    assert "AWS::IAM::Role" in summary["CapabilitiesReason"]


def test_template_summary_of_a_template(cloud: Any) -> None:
    """GetTemplateSummary "Returns information about a new or existing template ... useful for
    viewing parameter information, such as default parameter values and parameter types";
    Metadata is "The value that's defined for the Metadata property of the template" (where the
    console reads AWS::CloudFormation::Interface), and Capabilities: "If your template contains
    IAM resources, you must specify the CAPABILITY_IAM or CAPABILITY_NAMED_IAM value"."""
    _check_summary(cloud.cfn.get_template_summary(TemplateBody=json.dumps(SUMMARY_TEMPLATE)))


def test_template_summary_of_a_stack_and_a_stack_set(cloud: Any) -> None:
    """"You can use the GetTemplateSummary action when you submit a template, or you can get
    template information for a StackSet, or a running or deleted stack." (GetTemplateSummary)"""
    with stack(cloud.cfn, SUMMARY_TEMPLATE, cloud.poll_interval(),
               Parameters=[{"ParameterKey": "Secret", "ParameterValue": "s3cret"}],
               Capabilities=["CAPABILITY_IAM"]) as stack_id:
        _check_summary(cloud.cfn.get_template_summary(StackName=stack_id))
    _check_summary(cloud.cfn.get_template_summary(StackName=stack_id))  # deleted: by its id
    name = unique("conformance-summary")
    cloud.cfn.create_stack_set(StackSetName=name, TemplateBody=json.dumps(SUMMARY_TEMPLATE),
                               Parameters=[{"ParameterKey": "Secret", "ParameterValue": "s3cret"}],
                               Capabilities=["CAPABILITY_IAM"], AdministrationRoleARN=cloud.admin_role_arn)
    try:
        _check_summary(cloud.cfn.get_template_summary(StackSetName=name))
    finally:
        cloud.cfn.delete_stack_set(StackSetName=name)


def _retained_group(name: str, policy: str) -> dict[str, Any]:
    return {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": policy,
            "Properties": {"LogGroupName": name}}


def _group_exists(logs: Any, name: str) -> bool:
    return any(g["logGroupName"] == name
               for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"])


def test_retained_resource_survives_its_removal_from_the_template(cloud: Any) -> None:
    """DeletionPolicy (template reference): "This capability also applies to stack update
    operations that lead to resources being deleted from stacks. For example, if you remove the
    resource from the stack template, and then update the stack with the template." Both Retain
    and RetainExceptOnCreate ("behaves like Retain for stack operations, except for the stack
    operation that initially created the resource") keep it; it only leaves the stack."""
    logs = cloud.client("logs")
    kept = {policy: unique(f"/conformance/{policy}") for policy in ("Retain", "RetainExceptOnCreate")}
    template = _log_group_template(**{p: _retained_group(n, p) for p, n in kept.items()})
    try:
        with stack(cloud.cfn, template, cloud.poll_interval()) as stack_id:
            cloud.cfn.update_stack(StackName=stack_id, TemplateBody=json.dumps(_log_group_template()))
            wait(cloud.cfn, "stack_update_complete", stack_id, cloud.poll_interval())
            resources = cloud.cfn.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]
            assert [r["LogicalResourceId"] for r in resources] == ["Group"]
            assert all(_group_exists(logs, name) for name in kept.values())
    finally:
        for name in kept.values():
            if _group_exists(logs, name):
                logs.delete_log_group(logGroupName=name)


def test_retained_resource_survives_stack_deletion(cloud: Any) -> None:
    """DeletionPolicy Retain: "To keep a resource when its stack is deleted, specify Retain for
    that resource." while the stack's other resources are deleted with it."""
    logs = cloud.client("logs")
    name = unique("/conformance/retained")
    template = {"Resources": {"Kept": _retained_group(name, "Retain"),
                              "Gone": {"Type": "AWS::Logs::LogGroup",
                                       "Properties": {"LogGroupName": f"{name}-gone"}}}}
    try:
        with stack(cloud.cfn, template, cloud.poll_interval()):
            pass
        assert _group_exists(logs, name)
        assert not _group_exists(logs, f"{name}-gone")
    finally:
        if _group_exists(logs, name):
            logs.delete_log_group(logGroupName=name)


def test_a_resource_whose_condition_turns_false_is_deleted_by_the_update(cloud: Any) -> None:
    """User guide, Conditions: "CloudFormation also re-evaluates these conditions during each
    stack update before modifying any resources. Entities that remain associated with a true
    condition are updated, while those that become associated with a false condition are
    deleted." """
    logs = cloud.client("logs")
    name = unique("/conformance/conditional")
    template = {
        "Parameters": {"Keep": {"Type": "String", "AllowedValues": ["yes", "no"]}},
        "Conditions": {"Kept": {"Fn::Equals": [{"Ref": "Keep"}, "yes"]}},
        "Resources": {
            "Always": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": f"{name}-always",
                "RetentionInDays": {"Fn::If": ["Kept", 7, 14]}}},
            "Sometimes": {"Type": "AWS::Logs::LogGroup", "Condition": "Kept",
                          "Properties": {"LogGroupName": f"{name}-sometimes"}}}}
    keep = [{"ParameterKey": "Keep", "ParameterValue": "yes"}]
    with stack(cloud.cfn, template, cloud.poll_interval(), Parameters=keep) as stack_id:
        assert _group_exists(logs, f"{name}-sometimes")
        cloud.cfn.update_stack(StackName=stack_id, TemplateBody=json.dumps(template),
                               Parameters=[{"ParameterKey": "Keep", "ParameterValue": "no"}])
        wait(cloud.cfn, "stack_update_complete", stack_id, cloud.poll_interval())

        assert not _group_exists(logs, f"{name}-sometimes")
        resources = cloud.cfn.describe_stack_resources(StackName=stack_id)["StackResources"]
        assert [r["LogicalResourceId"] for r in resources] == ["Always"]


def test_a_reference_to_nothing_is_refused_before_anything_starts(cloud: Any) -> None:
    """Template reference, Ref: "The logical ID of the resource or parameter you want to
    reference"; a Ref or Fn::GetAtt naming neither is refused when the template is submitted, not
    when the stack runs. The reference gives no wording; AWS answers ValidationError "Template
    format error: Unresolved resource dependencies [X] in the Resources block of the template"
    for a Ref and "Template error: instance of Fn::GetAtt references undefined resource X" for a
    GetAtt (as users report them). CreateStack, CreateChangeSet, ValidateTemplate and
    CreateStackSet all refuse it."""
    dangling = _log_group_template(Stream={"Type": "AWS::Logs::LogStream", "Properties": {
        "LogGroupName": {"Ref": "Gone"}}})
    attribute = _log_group_template(Other={"Type": "AWS::Logs::LogGroup", "Properties": {
        "LogGroupName": {"Fn::Sub": ["${Arn}-copy", {"Arn": {"Fn::GetAtt": ["Gone", "Arn"]}}]}}})
    ref_error = "Template format error: Unresolved resource dependencies [Gone] in the Resources block of the template"
    getatt_error = "Template error: instance of Fn::GetAtt references undefined resource Gone"
    for template, message in ((dangling, ref_error), (attribute, getatt_error)):
        body = json.dumps(template)
        for call, args in ((cloud.cfn.create_stack, {"StackName": unique("conformance")}),
                           (cloud.cfn.create_change_set, {"StackName": unique("conformance"),
                                                          "ChangeSetName": "c", "ChangeSetType": "CREATE"}),
                           (cloud.cfn.validate_template, {}),
                           (cloud.cfn.create_stack_set, {"StackSetName": unique("conformance")})):
            refused = error_of(call, TemplateBody=body, **args)
            assert (refused["Code"], refused["Message"]) == ("ValidationError", message), call


CONSTRAINED = {
    "Parameters": {
        "Days": {"Type": "Number", "Default": "7", "MinValue": 1, "MaxValue": 30},
        "Mode": {"Type": "String", "Default": "on", "AllowedValues": ["on", "off"]},
        "Label": {"Type": "String", "Default": "abc", "AllowedPattern": "[a-z]+",
                  "MinLength": 2, "MaxLength": 5},
        "Code": {"Type": "String", "Default": "ok", "AllowedPattern": "[a-z]+",
                 "ConstraintDescription": "lower-case letters only"}},
    "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}


def test_a_value_outside_its_parameters_constraints_is_refused_before_anything_starts(
        cloud: Any) -> None:
    """User guide, "Parameters syntax": AllowedValues "An array containing the list of values
    allowed for the parameter"; AllowedPattern "A regular expression that represents the
    patterns to allow"; MinLength/MaxLength "the smallest/largest number of characters you want
    to allow for String types"; MinValue/MaxValue "the smallest/largest numeric value you want
    to allow for Number types"; Number "An integer or float"; ConstraintDescription "A string
    that explains a constraint when the constraint is violated". The reference gives no wording;
    these are AWS's words as users report them. A value that meets them all is taken."""
    cases = {
        ("Days", "x"): "Parameter 'Days' must be a number.",
        ("Mode", "maybe"): "Parameter 'Mode' must be one of AllowedValues",
        ("Days", "0"): "Parameter 'Days' must be a number not less than 1",
        ("Days", "31"): "Parameter 'Days' must be a number not greater than 30",
        ("Label", "AB"): "Parameter 'Label' must match pattern [a-z]+",
        ("Label", "a"): "Parameter 'Label' must contain at least 2 characters",
        ("Label", "abcdef"): "Parameter 'Label' must contain at most 5 characters",
        ("Code", "NO"): "Parameter 'Code' failed to satisfy constraint: lower-case letters only"}
    for (key, value), wording in cases.items():
        error = error_of(cloud.cfn.create_stack, StackName=unique("conformance"),
                         TemplateBody=json.dumps(CONSTRAINED),
                         Parameters=[{"ParameterKey": key, "ParameterValue": value}])
        assert (error["Code"], error["Message"]) == ("ValidationError", wording), (key, value)
    with stack(cloud.cfn, CONSTRAINED, cloud.poll_interval(), Parameters=[
            {"ParameterKey": "Days", "ParameterValue": "30"},
            {"ParameterKey": "Label", "ParameterValue": "abcde"}]) as stack_id:
        assert cloud.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == \
            "CREATE_COMPLETE"


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Principal": {"Service": "lambda.amazonaws.com"}}]}}}


def test_iam_resources_need_their_capability_on_stacks_and_change_sets(cloud: Any) -> None:
    """CreateStack, UpdateStack and CreateChangeSet, Capabilities: "If you have IAM resources,
    you can specify either capability. If you have IAM resources with custom names, you must
    specify CAPABILITY_NAMED_IAM. If you don't specify either of these capabilities,
    CloudFormation returns an InsufficientCapabilities error." (The message is AWS's as users
    report it: "Requires capabilities : [CAPABILITY_IAM]".) An update with UsePreviousTemplate
    needs it as much as one that sends the template."""
    unnamed = json.dumps({"Resources": {"Role": ROLE}})
    named = json.dumps({"Resources": {"Role": {**ROLE, "Properties": {
        **ROLE["Properties"], "RoleName": unique("conformance")}}}})
    change_set = {"ChangeSetName": "c", "ChangeSetType": "CREATE"}
    for body, given, needed in ((unnamed, [], "CAPABILITY_IAM"),
                                (named, ["CAPABILITY_IAM"], "CAPABILITY_NAMED_IAM")):
        for call, extra in ((cloud.cfn.create_stack, {}), (cloud.cfn.create_change_set, change_set)):
            refused = error_of(call, StackName=unique("conformance"), TemplateBody=body,
                               Capabilities=given, **extra)
            assert (refused["Code"], refused["Message"], refused["HTTPStatusCode"]) == (
                "InsufficientCapabilitiesException", f"Requires capabilities : [{needed}]",
                400), call
    with stack(cloud.cfn, {"Resources": {"Role": ROLE}}, cloud.poll_interval(),
               Capabilities=["CAPABILITY_IAM"]) as stack_id:
        refused = error_of(cloud.cfn.update_stack, StackName=stack_id, UsePreviousTemplate=True)
        assert refused["Code"] == "InsufficientCapabilitiesException"

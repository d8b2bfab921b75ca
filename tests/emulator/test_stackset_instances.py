"""Stack instances, validation and permissions, as the API reference and user guide describe them."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from conformance import Cloud, StackSets, log_group_template, unique, wait_operation


def create_instances(cloud: Cloud, name: str, accounts: list[str] | None = None, **extra: object) -> str:
    return cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=accounts or cloud.accounts, Regions=[cloud.region],
        OperationPreferences={"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 100,
                              "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}, **extra)["OperationId"]


def instance(cloud: Cloud, name: str, account: str) -> dict:
    return cloud.cfn.describe_stack_instance(StackSetName=name, StackInstanceAccount=account,
                                             StackInstanceRegion=cloud.region)["StackInstance"]


def error_code(call: object) -> str:
    with pytest.raises(ClientError) as refused:
        call()  # type: ignore[operator]
    return refused.value.response["Error"]["Code"]


def test_updating_the_template_for_one_account_marks_every_instance_outdated(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """UpdateStackSet, Accounts: "If the StackSet update includes changes to the template ... or
    the Parameters property, CloudFormation marks all stack instances with a status of OUTDATED
    prior to updating the stack instances in the specified accounts and Amazon Web Services
    Regions." """
    name = stack_sets.create()
    wait_operation(cloud, name, create_instances(cloud, name))
    updated, untouched = cloud.accounts

    operation_id = cloud.cfn.update_stack_set(
        StackSetName=name, TemplateBody=log_group_template(resources=2),
        Accounts=[updated], Regions=[cloud.region])["OperationId"]
    assert instance(cloud, name, untouched)["Status"] == "OUTDATED"
    wait_operation(cloud, name, operation_id)

    assert instance(cloud, name, updated)["Status"] == "CURRENT"
    assert instance(cloud, name, untouched)["Status"] == "OUTDATED"
    stack_id = instance(cloud, name, untouched)["StackId"]
    running = cloud.client("cloudformation", untouched).get_template(StackName=stack_id)["TemplateBody"]
    assert "Logs1" not in json.dumps(running), "the untouched account's stack still runs the old template"


def test_each_instance_runs_the_stack_set_values_overlaid_by_its_overrides(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """StackInstance.ParameterOverrides: "A list of parameters from the StackSet template whose
    values have been overridden in this stack instance." """
    name = stack_sets.create(Parameters=[{"ParameterKey": "Retention", "ParameterValue": "7"}])
    overridden, plain = cloud.accounts
    wait_operation(cloud, name, create_instances(
        cloud, name, [overridden], ParameterOverrides=[{"ParameterKey": "Retention", "ParameterValue": "14"}]))
    wait_operation(cloud, name, create_instances(cloud, name, [plain]))

    def retention(account: str) -> int:
        groups = cloud.client("logs", account).describe_log_groups()["logGroups"]
        stack_id = instance(cloud, name, account)["StackId"]
        physical = cloud.client("cloudformation", account).describe_stack_resource(
            StackName=stack_id, LogicalResourceId="Logs0")["StackResourceDetail"]["PhysicalResourceId"]
        return next(g["retentionInDays"] for g in groups if g["logGroupName"] == physical)

    assert instance(cloud, name, overridden)["ParameterOverrides"] == [
        {"ParameterKey": "Retention", "ParameterValue": "14"}]
    assert (retention(overridden), retention(plain)) == (14, 7)


def test_overrides_are_only_for_the_stack_set_parameters(cloud: Cloud, stack_sets: StackSets) -> None:
    """UpdateStackInstances, ParameterOverrides: "You can only override the parameter values that
    are specified in the StackSet. To add or delete a parameter itself, use UpdateStackSet to
    update the StackSet template." """
    name = stack_sets.create()
    code = error_code(lambda: create_instances(
        cloud, name, ParameterOverrides=[{"ParameterKey": "NotInTheTemplate", "ParameterValue": "x"}]))
    assert code == "ValidationError"
    assert cloud.cfn.list_stack_instances(StackSetName=name)["Summaries"] == []


def test_error_codes_of_the_stack_set_actions(cloud: Cloud, stack_sets: StackSets) -> None:
    """StackSetNotFoundException: "The specified StackSet doesn't exist."
    StackInstanceNotFoundException: "The specified stack instance doesn't exist."
    NameAlreadyExistsException: "The specified name is already in use."
    StackSetNotEmptyException: "Delete all stack instances from the StackSet before deleting the
    StackSet." """
    name = stack_sets.create()
    cfn = cloud.cfn
    assert error_code(lambda: cfn.describe_stack_set(StackSetName=unique("missing"))) == \
        "StackSetNotFoundException"
    assert error_code(lambda: cfn.update_stack_instances(
        StackSetName=name, Accounts=[cloud.accounts[0]], Regions=[cloud.region],
        ParameterOverrides=[])) == "StackInstanceNotFoundException"
    assert error_code(lambda: cfn.create_stack_set(StackSetName=name, TemplateBody=log_group_template())) == \
        "NameAlreadyExistsException"
    wait_operation(cloud, name, create_instances(cloud, name, [cloud.accounts[0]]))
    assert error_code(lambda: cfn.delete_stack_set(StackSetName=name)) == "StackSetNotEmptyException"


def test_iam_resources_need_a_capability(cloud: Cloud, stack_sets: StackSets) -> None:
    """CreateStackSet, Capabilities: "If you have IAM resources with custom names, you must specify
    CAPABILITY_NAMED_IAM ... If you don't specify either of these capabilities, CloudFormation
    returns an InsufficientCapabilities error." """
    role = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": unique("conformance"), "AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}}}}
    code = error_code(lambda: cloud.cfn.create_stack_set(StackSetName=unique("conformance"),
                                                         TemplateBody=json.dumps(role),
                                                         Capabilities=["CAPABILITY_IAM"]))
    assert code == "InsufficientCapabilitiesException"


def test_an_account_without_the_execution_role_fails_with_the_reason(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """Self-managed permissions need "the execution role in each target account, trusting the
    administrator"; without it the account fails: "Account 111111111111 should have
    'AWSCloudFormationStackSetExecutionRole' role with trust relationship to Role
    'AWSCloudFormationStackSetAdministrationRole'." (AWS re:Post, stack set IAM errors)"""
    missing_role = unique("NoSuchExecutionRole")
    name = stack_sets.create(ExecutionRoleName=missing_role)
    account = cloud.accounts[0]

    done = wait_operation(cloud, name, create_instances(cloud, name, [account]))

    assert done["StatusDetails"]["FailedStackInstancesCount"] == 1
    result = cloud.cfn.list_stack_set_operation_results(
        StackSetName=name, OperationId=done["OperationId"])["Summaries"][0]
    assert result["Status"] == "FAILED" and missing_role in result["StatusReason"]


def test_update_stack_set_switches_to_the_execution_role_it_names(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """UpdateStackSet, ExecutionRoleName: "If you specify a customized execution role,
    CloudFormation uses that role to update the stack." And "Even if the StackSet operation
    created by updating the StackSet fails ... the StackSet is updated with your changes." So a
    rename to a role the accounts lack fails the update there and sticks; naming no role keeps
    the one the StackSet has."""
    name = stack_sets.create()
    account = cloud.accounts[0]
    wait_operation(cloud, name, create_instances(cloud, name, [account]))
    missing_role = unique("NoSuchExecutionRole")

    renamed = cloud.cfn.update_stack_set(
        StackSetName=name, TemplateBody=log_group_template(resources=2), ExecutionRoleName=missing_role,
        OperationPreferences={"FailureTolerancePercentage": 100})["OperationId"]
    done = wait_operation(cloud, name, renamed)

    assert done["StatusDetails"]["FailedStackInstancesCount"] == 1
    result = cloud.cfn.list_stack_set_operation_results(StackSetName=name, OperationId=renamed)["Summaries"][0]
    assert result["Status"] == "FAILED" and missing_role in result["StatusReason"]
    assert cloud.cfn.describe_stack_set(StackSetName=name)["StackSet"]["ExecutionRoleName"] == missing_role

    kept = cloud.cfn.update_stack_set(StackSetName=name, UsePreviousTemplate=True,
                                      OperationPreferences={"FailureTolerancePercentage": 100})["OperationId"]
    assert wait_operation(cloud, name, kept)["StatusDetails"]["FailedStackInstancesCount"] == 1
    assert cloud.cfn.describe_stack_set(StackSetName=name)["StackSet"]["ExecutionRoleName"] == missing_role


def test_a_failed_deletion_leaves_an_inoperable_instance_recovered_by_retaining_the_stack(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """StackInstance.Status INOPERABLE: "A DeleteStackInstances operation has failed and left the
    stack in an unstable state. Stacks in this state are excluded from further UpdateStackSet
    operations. You might need to perform a DeleteStackInstances operation, with RetainStacks set
    to true, to delete the stack instance, and then delete the stack manually." """
    bucket = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
              "Outputs": {"Name": {"Value": {"Ref": "Bucket"}}}}
    name = stack_sets.create(template=json.dumps(bucket))
    account = cloud.accounts[0]
    wait_operation(cloud, name, create_instances(cloud, name, [account]))
    stack_id = instance(cloud, name, account)["StackId"]
    target = cloud.client("cloudformation", account)
    bucket_name = target.describe_stacks(StackName=stack_id)["Stacks"][0]["Outputs"][0]["OutputValue"]
    s3 = cloud.client("s3", account)
    s3.put_object(Bucket=bucket_name, Key="keep-me", Body=b"x")  # a non-empty bucket cannot be deleted

    deleting = cloud.cfn.delete_stack_instances(StackSetName=name, Accounts=[account],
                                                Regions=[cloud.region], RetainStacks=False)["OperationId"]
    assert wait_operation(cloud, name, deleting)["Status"] == "FAILED"
    assert instance(cloud, name, account)["Status"] == "INOPERABLE"

    update = cloud.cfn.update_stack_set(StackSetName=name, UsePreviousTemplate=True,
                                        Description="excluded")["OperationId"]
    wait_operation(cloud, name, update)
    assert instance(cloud, name, account)["LastOperationId"] == deleting

    retained = cloud.cfn.delete_stack_instances(StackSetName=name, Accounts=[account],
                                                Regions=[cloud.region], RetainStacks=True)["OperationId"]
    assert wait_operation(cloud, name, retained)["Status"] == "SUCCEEDED"
    assert cloud.cfn.list_stack_instances(StackSetName=name)["Summaries"] == []
    assert target.describe_stacks(StackName=stack_id)["Stacks"][0]["StackId"] == stack_id
    s3.delete_object(Bucket=bucket_name, Key="keep-me")
    target.delete_stack(StackName=stack_id)


def test_stack_set_drift_detection_compares_each_instance_with_its_live_resources(
        cloud: Cloud, stack_sets: StackSets) -> None:
    """DetectStackSetDrift: "When CloudFormation performs drift detection on a StackSet, it
    performs drift detection on the stack associated with each stack instance in the
    StackSet." StackInstance.DriftStatus DRIFTED: "A stack instance is considered to have
    drifted if one or more of the resources in the associated stack have drifted." """
    name = stack_sets.create(Parameters=[{"ParameterKey": "Retention", "ParameterValue": "7"}])
    wait_operation(cloud, name, create_instances(cloud, name))
    changed, untouched = cloud.accounts
    stack_id = instance(cloud, name, changed)["StackId"]
    target = cloud.client("cloudformation", changed)
    group = target.describe_stack_resource(StackName=stack_id, LogicalResourceId="Logs0")[
        "StackResourceDetail"]["PhysicalResourceId"]
    cloud.client("logs", changed).put_retention_policy(logGroupName=group, retentionInDays=30)

    operation_id = cloud.cfn.detect_stack_set_drift(StackSetName=name)["OperationId"]
    done = wait_operation(cloud, name, operation_id)

    assert done["Action"] == "DETECT_DRIFT" and done["Status"] == "SUCCEEDED"
    assert (instance(cloud, name, changed)["DriftStatus"], instance(cloud, name, untouched)["DriftStatus"]) == \
        ("DRIFTED", "IN_SYNC")
    details = cloud.cfn.describe_stack_set(StackSetName=name)["StackSet"]["StackSetDriftDetectionDetails"]
    assert (details["DriftStatus"], details["DriftDetectionStatus"], details["DriftedStackInstancesCount"]) == \
        ("DRIFTED", "COMPLETED", 1)
    drifts = target.describe_stack_resource_drifts(StackName=stack_id)["StackResourceDrifts"]
    modified = next(d for d in drifts if d["LogicalResourceId"] == "Logs0")
    assert modified["StackResourceDriftStatus"] == "MODIFIED"
    assert {(p["PropertyPath"], p["ExpectedValue"], p["ActualValue"]) for p in modified["PropertyDifferences"]} == \
        {("/RetentionInDays", "7", "30")}

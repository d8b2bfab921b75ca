"""The execution role must grant what each resource handler needs
(scripts/emulator/handler_permissions.py): the resource type schema lists, per handler, "the AWS
permissions needed to invoke the create handler" (and read, update, delete; CloudFormation CLI
user guide, "Resource type schema"), and the handler calls AWS with the execution role's
credentials, so a role whose policies do not allow one fails the stack instance with the
handler's AccessDenied.

Each test makes its own administration role (in the admin account) and execution role (in a
target account, through OrganizationAccountAccessRole) and runs unchanged against real accounts:
they assert only what AWS does too (a permission the handler certainly calls, or a role granting
all of them), not the emulator's stricter readings for permissions a handler may skip."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conformance import Cloud, StackSets, delete_roles, log_group_template, unique, wait_operation

DENIED = "is not authorized to perform"
# Every permission the schema lists for AWS::SSM::Parameter's create and read handlers.
SSM_PARAMETER_ACTIONS = ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameters",
                         "ssm:ListTagsForResource"]


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: list[str] | str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _allow_all_but(action: str) -> dict[str, Any]:
    return {"Effect": "Allow", "NotAction": action, "Resource": "*"}


class StackSetRoles:
    """A fresh pair of StackSet roles for one test, deleted afterwards: an administration role
    that may assume only its execution role, and that execution role in one target account."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.account = cloud.accounts[0]
        self.execution = unique("conformance-exec")
        self.administration = unique("conformance-admin")
        self.made: list[tuple[Any, str]] = []

    def _target_iam(self) -> Any:
        return self.cloud.session_in(self.account, "OrganizationAccountAccessRole").client(
            "iam", endpoint_url=self.cloud.endpoint_url)

    def _role(self, iam: Any, name: str, principal: dict[str, str], policy: str) -> str:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_document({
            "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
        self.made.append((iam, name))
        iam.put_role_policy(RoleName=name, PolicyName="permissions", PolicyDocument=policy)
        return arn

    def make(self, *execution_statements: dict[str, Any]) -> dict[str, str]:
        """The roles, with the execution role allowed `execution_statements`; the StackSet
        arguments that use them."""
        admin_arn = self._role(self.cloud.client("iam"), self.administration,
                               {"Service": "cloudformation.amazonaws.com"},
                               _document(_allow("sts:AssumeRole",
                                                f"arn:aws:iam::*:role/{self.execution}")))
        self._role(self._target_iam(), self.execution,
                   {"AWS": f"arn:aws:iam::{self.cloud.admin_account}:root"},
                   _document(*execution_statements))
        if self.cloud.real:  # IAM is eventually consistent: new roles take seconds to apply
            time.sleep(15)
        return {"AdministrationRoleARN": admin_arn, "ExecutionRoleName": self.execution}

    def grant(self, *statements: dict[str, Any]) -> None:
        """Replace the execution role's policy."""
        self._target_iam().put_role_policy(RoleName=self.execution, PolicyName="permissions",
                                           PolicyDocument=_document(*statements))
        if self.cloud.real:
            time.sleep(15)

    def cleanup(self) -> None:
        delete_roles(self.made)


@pytest.fixture
def roles(cloud: Cloud) -> Iterator[StackSetRoles]:
    """Requested before `stack_sets`, so the StackSets are gone before their roles."""
    made = StackSetRoles(cloud)
    yield made
    made.cleanup()


def _deploy(cloud: Cloud, name: str, account: str) -> tuple[dict[str, Any], str]:
    """Create the instance in `account`: the operation and the account's StatusReason."""
    operation = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[account], Regions=[cloud.region])["OperationId"]
    return wait_operation(cloud, name, operation), _reason(cloud, name, operation)


def _reason(cloud: Cloud, name: str, operation: str) -> str:
    [result] = cloud.cfn.list_stack_set_operation_results(
        StackSetName=name, OperationId=operation)["Summaries"]
    return result.get("StatusReason", "")


def test_a_role_without_one_create_permission_fails_the_account(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """"A string array that specifies the AWS permissions needed to invoke the create handler":
    AWS::Logs::LogGroup's create handler needs logs:CreateLogGroup, so an execution role that
    allows everything else fails the account with the handler's AccessDenied naming it."""
    name = stack_sets.create(template=log_group_template(),
                             **roles.make(_allow_all_but("logs:CreateLogGroup")))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "FAILED"
    assert DENIED in reason and "logs:CreateLogGroup" in reason, reason
    assert "AWS::Logs::LogGroup" in reason, reason


def test_an_explicit_deny_of_a_create_permission_fails_the_account(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """IAM's evaluation ("Policy evaluation logic"): an explicit Deny overrides any Allow, so an
    execution role allowed `*` but denied logs:CreateLogGroup cannot create the log group."""
    deny = {"Effect": "Deny", "Action": "logs:CreateLogGroup", "Resource": "*"}
    name = stack_sets.create(template=log_group_template(), **roles.make(_allow("*"), deny))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "FAILED"
    assert DENIED in reason and "logs:CreateLogGroup" in reason, reason


def test_the_same_role_with_the_permission_granted_creates_the_stack(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """With logs:CreateLogGroup granted beside everything else, the same StackSet succeeds:
    nothing else the handler needs is missing."""
    name = stack_sets.create(template=log_group_template(), **roles.make(
        _allow_all_but("logs:CreateLogGroup"), _allow("logs:CreateLogGroup")))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "SUCCEEDED", reason


def test_a_role_granting_exactly_the_handlers_permissions_creates_the_resource(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """The schema's list is enough: a role allowed only CloudFormation and the SSM parameter's
    create and read permissions, on that parameter's ARN alone, creates it. The handler calls
    with the parameter's ARN, so a policy scoped to it is met."""
    parameter = unique("conformance")
    template = json.dumps({"Resources": {"Parameter": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": parameter, "Type": "String", "Value": "conformance"}}}})
    scoped = _allow(SSM_PARAMETER_ACTIONS,
                    f"arn:aws:ssm:{cloud.region}:{roles.account}:parameter/{parameter}")
    name = stack_sets.create(template=template, **roles.make(
        _allow("cloudformation:*"), scoped, _allow("ssm:DeleteParameter")))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "SUCCEEDED", reason


def test_a_delete_without_the_delete_permission_fails_and_keeps_the_stack(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """"A string array that specifies the AWS permissions needed to invoke the delete handler":
    without logs:DeleteLogGroup the deletion fails, the instance stays (INOPERABLE: "A
    DeleteStackInstances operation has failed and left the stack in an unstable state") and its
    stack is still in the account."""
    name = stack_sets.create(template=log_group_template(),
                             **roles.make(_allow_all_but("logs:DeleteLogGroup")))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "SUCCEEDED", reason
    stack_id = cloud.cfn.describe_stack_instance(
        StackSetName=name, StackInstanceAccount=roles.account,
        StackInstanceRegion=cloud.region)["StackInstance"]["StackId"]

    deleting = cloud.cfn.delete_stack_instances(StackSetName=name, Accounts=[roles.account],
                                                Regions=[cloud.region],
                                                RetainStacks=False)["OperationId"]
    assert wait_operation(cloud, name, deleting)["Status"] == "FAILED"
    reason = _reason(cloud, name, deleting)
    assert DENIED in reason and "logs:DeleteLogGroup" in reason, reason
    [kept] = cloud.cfn.list_stack_instances(StackSetName=name)["Summaries"]
    assert kept["Status"] == "INOPERABLE" and kept["StackId"] == stack_id
    target = cloud.session_in(roles.account, "OrganizationAccountAccessRole").client(
        "cloudformation", endpoint_url=cloud.endpoint_url)
    assert target.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"

    roles.grant(_allow("*"))  # so that the stack (and its log group) can go
    retained = cloud.cfn.delete_stack_instances(StackSetName=name, Accounts=[roles.account],
                                                Regions=[cloud.region],
                                                RetainStacks=True)["OperationId"]
    assert wait_operation(cloud, name, retained)["Status"] == "SUCCEEDED"
    target.delete_stack(StackName=stack_id)


def test_permissions_for_integrations_the_stack_does_not_use_are_not_needed(
        cloud: Cloud, roles: StackSetRoles, stack_sets: StackSets) -> None:
    """AWS::S3::Bucket's handlers also list `s3tables:*` permissions, which serve a bucket's
    metadata table only; a role allowed S3 (and CloudFormation) alone creates and deletes a
    plain bucket. The documentation is silent on which properties need which permission; the
    reading here (handler_permissions.py) counts a permission only when its service is one the
    stack's resources belong to."""
    template = json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    name = stack_sets.create(template=template, **roles.make(_allow(["cloudformation:*", "s3:*"])))
    done, reason = _deploy(cloud, name, roles.account)
    assert done["Status"] == "SUCCEEDED", reason
    deleting = cloud.cfn.delete_stack_instances(StackSetName=name, Accounts=[roles.account],
                                                Regions=[cloud.region],
                                                RetainStacks=False)["OperationId"]
    assert wait_operation(cloud, name, deleting)["Status"] == "SUCCEEDED", _reason(
        cloud, name, deleting)

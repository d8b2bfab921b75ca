"""Who may assume a role (scripts/emulator/trust.py): the role must exist, its trust policy must
admit the caller with every condition met, and the caller's own policies must allow
sts:AssumeRole on it. Each test runs unchanged against a real account; roles are made through
OrganizationAccountAccessRole, as the rest of the suite's are, and removed afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conformance import Cloud, StackSets, delete_roles, unique, wait_operation, wait_until
from stack_support import error_of

DENIED = "is not authorized to perform: sts:AssumeRole on resource"


def _trust(principal: str, **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"AWS": principal}}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class Roles:
    """Roles made for one test, in whichever account, deleted afterwards."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.made: list[tuple[Any, str]] = []

    def iam(self, account: str) -> Any:
        if account == self.cloud.admin_account:
            return self.cloud.client("iam")
        return self.cloud.session_in(account, "OrganizationAccountAccessRole").client(
            "iam", endpoint_url=self.cloud.endpoint_url)

    def make(self, account: str, trust: str) -> str:
        iam, name = self.iam(account), unique("conformance")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        self.made.append((iam, name))
        return arn

    def cleanup(self) -> None:
        delete_roles(self.made)


@pytest.fixture
def roles(cloud: Cloud) -> Iterator[Roles]:
    made = Roles(cloud)
    yield made
    made.cleanup()


def _assume(cloud: Cloud, role_arn: str, session: Any = None, **extra: str) -> dict[str, Any]:
    sts = (session or cloud.admin).client("sts", region_name=cloud.region,
                                          endpoint_url=cloud.endpoint_url)
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="conformance", **extra)


def _assumable(cloud: Cloud, role_arn: str, session: Any = None, **extra: str) -> dict[str, Any]:
    """IAM is eventually consistent: a new role or policy may take seconds to apply on AWS."""
    def attempt() -> dict[str, Any] | None:
        try:
            return _assume(cloud, role_arn, session, **extra)
        except Exception:
            if not cloud.real:
                raise
            return None

    return wait_until(cloud, attempt, f"assuming {role_arn}", timeout=120)


def test_a_role_that_does_not_exist_cannot_be_assumed(cloud: Cloud) -> None:
    """IAM user guide, troubleshooting roles: AssumeRole fails with AccessDenied, "User: ... is
    not authorized to perform: sts:AssumeRole on resource: ..." when the role is missing."""
    missing = f"arn:aws:iam::{cloud.accounts[0]}:role/{unique('NoSuchRole')}"
    refused = error_of(_assume, cloud=cloud, role_arn=missing)
    assert (refused["Code"], refused["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert DENIED in refused["Message"] and missing in refused["Message"]


def test_a_role_is_assumed_only_by_the_accounts_its_trust_policy_names(
        cloud: Cloud, roles: Roles) -> None:
    """"The trust policy of the role ... specifies who can assume it": a role trusting another
    account only refuses the admin account; trusting the admin account's root admits it."""
    elsewhere = roles.make(cloud.accounts[0], _trust(f"arn:aws:iam::{cloud.accounts[1]}:root"))
    refused = error_of(_assume, cloud=cloud, role_arn=elsewhere)
    assert refused["Code"] == "AccessDenied" and DENIED in refused["Message"]

    here = roles.make(cloud.accounts[0], _trust(f"arn:aws:iam::{cloud.admin_account}:root"))
    assumed = _assumable(cloud, here)
    assert assumed["AssumedRoleUser"]["Arn"].split(":")[4] == cloud.accounts[0]


def test_a_trust_that_requires_an_external_id_needs_that_id(cloud: Cloud, roles: Roles) -> None:
    """IAM user guide, "Access to AWS accounts owned by third parties": the trust policy's
    condition "sts:ExternalId" must match the ExternalId the caller passes to AssumeRole."""
    role = roles.make(cloud.accounts[0], _trust(
        f"arn:aws:iam::{cloud.admin_account}:root", StringEquals={"sts:ExternalId": "payments-7"}))
    _assumable(cloud, role, ExternalId="payments-7")
    for extra in ({}, {"ExternalId": "payments-8"}):
        refused = error_of(_assume, cloud=cloud, role_arn=role, **extra)
        assert refused["Code"] == "AccessDenied", extra


def test_a_trust_can_admit_the_callers_organization_only(cloud: Cloud, roles: Roles) -> None:
    """IAM user guide, global condition keys: "aws:PrincipalOrgID ... Compare the identifier of
    the organization in AWS Organizations to which the requesting principal belongs with the
    identifier specified in the policy." A trust naming the admin account's organization
    admits it; one naming another organization refuses it."""
    orgs = cloud.client("organizations")
    try:
        org = orgs.describe_organization()["Organization"]["Id"]
    except orgs.exceptions.AWSOrganizationsNotInUseException:
        if cloud.real:
            pytest.skip("the admin account belongs to no organization")
        org = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    admin = f"arn:aws:iam::{cloud.admin_account}:root"
    ours = roles.make(cloud.accounts[0], _trust(admin, StringEquals={"aws:PrincipalOrgID": org}))
    _assumable(cloud, ours)
    theirs = roles.make(cloud.accounts[0], _trust(
        admin, StringEquals={"aws:PrincipalOrgID": "o-" + "a1b2c3d4e5"}))
    refused = error_of(_assume, cloud=cloud, role_arn=theirs)
    assert refused["Code"] == "AccessDenied" and DENIED in refused["Message"]


def test_the_callers_own_policies_must_allow_assuming_the_role(cloud: Cloud, roles: Roles) -> None:
    """Cross-account access needs both sides: the role's trust policy admits the caller's
    account, and "the user must have permissions to assume the role" (an identity policy
    allowing sts:AssumeRole on it)."""
    target = roles.make(cloud.accounts[0], _trust(f"arn:aws:iam::{cloud.admin_account}:root"))
    caller_arn = roles.make(cloud.admin_account, _trust(f"arn:aws:iam::{cloud.admin_account}:root"))
    creds = _assumable(cloud, caller_arn)["Credentials"]

    caller = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"], region_name=cloud.region)
    refused = error_of(_assume, cloud=cloud, role_arn=target, session=caller)
    assert refused["Code"] == "AccessDenied" and DENIED in refused["Message"]

    cloud.client("iam").put_role_policy(
        RoleName=caller_arn.rsplit("/", 1)[-1], PolicyName="assume-target",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target}]}))
    assert _assumable(cloud, target, caller)["AssumedRoleUser"]["Arn"].split(":")[4] == \
        cloud.accounts[0]


def test_an_administration_role_without_sts_assume_role_fails_the_account(
        cloud: Cloud, stack_sets: StackSets, roles: Roles) -> None:
    """"Grant self-managed permissions": the administration role's policy allows
    sts:AssumeRole on the execution role; one that trusts CloudFormation but may assume nothing
    fails the account with the trust-relationship reason."""
    admin_role = roles.make(cloud.admin_account, json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "cloudformation.amazonaws.com"}}]}))
    name = stack_sets.create(AdministrationRoleARN=admin_role)
    operation = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[cloud.accounts[0]], Regions=[cloud.region])["OperationId"]
    done = wait_operation(cloud, name, operation)
    assert done["Status"] == "FAILED"
    [result] = cloud.cfn.list_stack_set_operation_results(
        StackSetName=name, OperationId=operation)["Summaries"]
    assert "trust relationship to Role" in result["StatusReason"]
    assert f"Role '{admin_role.rsplit('/', 1)[-1]}'" in result["StatusReason"]

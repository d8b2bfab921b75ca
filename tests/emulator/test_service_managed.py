"""Service-managed StackSets: AWS Organizations decides which accounts are reached.

Against real AWS these need the admin profile to be the organization's management account and
CONFORMANCE_OU_ID to name an OU holding at least one account; CONFORMANCE_DELEGATED_ADMIN, a
member account registered as the StackSets delegated administrator, for the CallAs test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError
from conformance import Cloud, StackSets, log_group_template, unique, wait_operation

STACKSETS_SERVICE = "member.org.stacksets.cloudformation.amazonaws.com"


@dataclass
class Organization:
    ou: str
    members: list[str]


@pytest.fixture
def organization(cloud: Cloud) -> Organization:
    """An OU with two member accounts (the emulator's Organizations), or the real one named."""
    orgs = cloud.client("organizations")
    if cloud.real:
        ou = os.environ.get("CONFORMANCE_OU_ID")
        if not ou:
            pytest.skip("set CONFORMANCE_OU_ID to run the service-managed checks on AWS")
        members = [a["Id"] for a in orgs.list_accounts_for_parent(ParentId=ou)["Accounts"]]
        return Organization(ou, members)
    try:
        orgs.describe_organization()
    except ClientError:
        orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name=unique("ou"))["OrganizationalUnit"]["Id"]
    members = []
    for n in range(2):
        status = orgs.create_account(Email=f"{unique('m')}@example.com", AccountName=f"member{n}")
        account = status["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        members.append(account)
    return Organization(ou, members)


def service_managed(stack_sets: StackSets, auto: bool = False) -> str:
    return stack_sets.create(PermissionModel="SERVICE_MANAGED",
                             AutoDeployment={"Enabled": auto, "RetainStacksOnAccountRemoval": False})


def deploy_to(cloud: Cloud, name: str, targets: dict) -> dict:
    operation_id = cloud.cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets=targets, Regions=[cloud.region],
        OperationPreferences={"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 100,
                              "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"})["OperationId"]
    return wait_operation(cloud, name, operation_id)


def instances(cloud: Cloud, name: str) -> dict[str, dict]:
    return {i["Account"]: i for i in cloud.cfn.list_stack_instances(StackSetName=name)["Summaries"]}


def test_an_ou_target_reaches_every_account_in_it(cloud: Cloud, stack_sets: StackSets,
                                                  organization: Organization) -> None:
    """DeploymentTargets: "You can target either your entire organization or specific accounts
    using organizational units (OUs) and account filter options." StackInstance
    OrganizationalUnitId: "The organization root ID or organizational unit (OU) IDs that you
    specified for DeploymentTargets." """
    name = service_managed(stack_sets)
    assert deploy_to(cloud, name, {"OrganizationalUnitIds": [organization.ou]})["Status"] == "SUCCEEDED"

    found = instances(cloud, name)
    assert set(found) == set(organization.members)
    assert {i["OrganizationalUnitId"] for i in found.values()} == {organization.ou}
    assert {i["Status"] for i in found.values()} == {"CURRENT"}


def test_an_intersection_filter_narrows_the_ou_to_the_listed_accounts(
        cloud: Cloud, stack_sets: StackSets, organization: Organization) -> None:
    """DeploymentTargets.AccountFilterType INTERSECTION: "StackSet deploys to the accounts
    specified in the Accounts parameter" that are in the OUs."""
    name = service_managed(stack_sets)
    chosen = organization.members[0]
    deploy_to(cloud, name, {"OrganizationalUnitIds": [organization.ou], "Accounts": [chosen],
                            "AccountFilterType": "INTERSECTION"})
    assert set(instances(cloud, name)) == {chosen}


def test_a_service_managed_stack_set_needs_ou_targets(cloud: Cloud, stack_sets: StackSets,
                                                     organization: Organization) -> None:
    """Service-managed StackSets are deployed to OUs (DeploymentTargets), not to a list of
    Accounts: "[Self-managed permissions] The account IDs of the Amazon Web Services accounts
    that you want to create stack instances in" (CreateStackInstances, Accounts)."""
    name = service_managed(stack_sets)
    with pytest.raises(ClientError) as refused:
        cloud.cfn.create_stack_instances(StackSetName=name, Accounts=organization.members[:1],
                                         Regions=[cloud.region])
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def test_auto_deployment_reaches_an_account_that_joins_the_ou(
        cloud: Cloud, stack_sets: StackSets, organization: Organization) -> None:
    """AutoDeployment: "Describes whether StackSets automatically deploys to Organizations
    accounts that are added to a target organization or organizational unit (OU)." """
    if cloud.real:
        pytest.skip("moving a real account between OUs is left to the operator")
    name = service_managed(stack_sets, auto=True)
    deploy_to(cloud, name, {"OrganizationalUnitIds": [organization.ou]})
    orgs = cloud.client("organizations")
    root = orgs.list_roots()["Roots"][0]["Id"]
    newcomer = orgs.create_account(Email=f"{unique('n')}@example.com",
                                   AccountName="newcomer")["CreateAccountStatus"]["AccountId"]
    orgs.move_account(AccountId=newcomer, SourceParentId=root, DestinationParentId=organization.ou)

    operations = cloud.cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
    automatic = next(o for o in operations if o["Action"] == "CREATE"
                     and newcomer in [r["Account"] for r in cloud.cfn.list_stack_set_operation_results(
                         StackSetName=name, OperationId=o["OperationId"])["Summaries"]])
    assert wait_operation(cloud, name, automatic["OperationId"])["Status"] == "SUCCEEDED"
    assert instances(cloud, name)[newcomer]["Status"] == "CURRENT"


def test_a_delegated_administrator_acts_on_the_management_accounts_stack_sets(
        cloud: Cloud, organization: Organization) -> None:
    """CreateStackSet, CallAs: "To create a StackSet with service-managed permissions while signed
    in to a delegated administrator account, specify DELEGATED_ADMIN. Your Amazon Web Services
    account must be registered as a delegated admin in the management account ... StackSets with
    service-managed permissions are created in the management account, including StackSets that
    are created by delegated administrators." """
    if cloud.real:
        delegated = os.environ.get("CONFORMANCE_DELEGATED_ADMIN")
        if not delegated:
            pytest.skip("set CONFORMANCE_DELEGATED_ADMIN to check CallAs on AWS")
    else:
        delegated = organization.members[0]
        cloud.client("organizations").register_delegated_administrator(
            AccountId=delegated, ServicePrincipal=STACKSETS_SERVICE)
    stranger = organization.members[1]
    as_delegate = cloud.session_in(delegated, "OrganizationAccountAccessRole").client(
        "cloudformation", endpoint_url=cloud.endpoint_url)
    name = unique("conformance")
    as_delegate.create_stack_set(StackSetName=name, TemplateBody=log_group_template(),
                                 PermissionModel="SERVICE_MANAGED", CallAs="DELEGATED_ADMIN",
                                 AutoDeployment={"Enabled": False})
    try:
        described = cloud.cfn.describe_stack_set(StackSetName=name)["StackSet"]
        assert described["PermissionModel"] == "SERVICE_MANAGED"
        assert f":{cloud.admin_account}:" in described["StackSetARN"]
        if not cloud.real:
            as_stranger = cloud.session_in(stranger, "OrganizationAccountAccessRole").client(
                "cloudformation", endpoint_url=cloud.endpoint_url)
            with pytest.raises(ClientError) as refused:
                as_stranger.describe_stack_set(StackSetName=name, CallAs="DELEGATED_ADMIN")
            assert refused.value.response["Error"]["Code"] == "ValidationError"
    finally:
        cloud.cfn.delete_stack_set(StackSetName=name)


def test_an_account_outside_the_organization_fails(cloud: Cloud, stack_sets: StackSets,
                                                   organization: Organization) -> None:
    """Service-managed permissions reach "accounts managed by Organizations" (PermissionModel);
    an account outside the organization has no role StackSets can use, so it fails."""
    outsider = os.environ.get("CONFORMANCE_OUTSIDE_ACCOUNT") if cloud.real else "999988887777"
    if not outsider:
        pytest.skip("set CONFORMANCE_OUTSIDE_ACCOUNT to check an account outside the organization")
    name = service_managed(stack_sets)
    done = deploy_to(cloud, name, {"OrganizationalUnitIds": [organization.ou], "Accounts": [outsider],
                                   "AccountFilterType": "UNION"})
    results = {r["Account"]: r for r in cloud.cfn.list_stack_set_operation_results(
        StackSetName=name, OperationId=done["OperationId"])["Summaries"]}
    assert results[outsider]["Status"] == "FAILED"
    assert {results[m]["Status"] for m in organization.members} == {"SUCCEEDED"}


def test_new_service_managed_instances_are_placed_by_ou(cloud: Cloud, stack_sets: StackSets,
                                                        organization: Organization) -> None:
    """DeploymentTargets for a create: "When performing create operations, if you specify both
    OrganizationalUnitIds and Accounts, you must also specify the AccountFilterType property";
    accounts alone, without an OU, are refused."""
    name = service_managed(stack_sets)
    with pytest.raises(ClientError) as refused:
        cloud.cfn.create_stack_instances(StackSetName=name, Regions=[cloud.region],
                                         DeploymentTargets={"Accounts": organization.members[:1]})
    assert refused.value.response["Error"]["Code"] == "ValidationError"

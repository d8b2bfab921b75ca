"""SERVICE_MANAGED end to end (issue 14, item 10), over HTTP against the emulator's Organizations:
an OU per environment, auto-deployment, and payctl running in a delegated administrator account
(CallAs DELEGATED_ADMIN on every StackSet call): deploy, status, manifest, destroy."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from emulated import Platform

from scripts.emulator.engine.targets import STACKSETS_SERVICE

READER = "PayctlStackReader"
READER_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::{admin}:root"}}]}


def organization(platform: Platform) -> tuple[str, dict[str, str], dict[str, str]]:
    """As the management account: an organization, an OU per environment with one account in it,
    a delegated StackSets administrator. Returns it, the OUs and the accounts by environment."""
    orgs = platform.aws().client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]

    def account(name: str, parent: str) -> str:
        status = orgs.create_account(Email=f"{name}@example.com", AccountName=name)
        created = status["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=created, SourceParentId=root, DestinationParentId=parent)
        return created

    delegated = orgs.create_account(Email="tools@example.com", AccountName="tools")[
        "CreateAccountStatus"]["AccountId"]
    orgs.register_delegated_administrator(AccountId=delegated, ServicePrincipal=STACKSETS_SERVICE)
    units, accounts = {}, {}
    for env in ("dev", "staging", "prod"):
        units[env] = orgs.create_organizational_unit(ParentId=root, Name=env)[
            "OrganizationalUnit"]["Id"]
        accounts[env] = account(f"payments-{env}", units[env])
    return delegated, units, accounts


def reader_role(platform: Platform, account: str, admin: str) -> None:
    """What a person adds to each member account for payctl's reads: a role trusting the
    delegated administrator (OrganizationAccountAccessRole trusts only the management account)."""
    aws = platform.aws()
    iam = aws.client("iam", aws.in_account(account, "OrganizationAccountAccessRole"))
    iam.create_role(RoleName=READER, AssumeRolePolicyDocument=json.dumps(READER_TRUST).replace(
        "{admin}", admin))
    iam.attach_role_policy(RoleName=READER, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")


def write_params(platform: Platform, delegated: str, units: dict[str, str],
                 accounts: dict[str, str]) -> None:
    path = platform.params_dir / "deployment.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(admin_account_id=delegated, permission_model="SERVICE_MANAGED", service_managed={
        "call_as": "DELEGATED_ADMIN", "auto_deployment": True,
        "retain_stacks_on_account_removal": False, "member_role_name": READER,
        "organizational_units": units})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    for env, account in accounts.items():
        env_path = platform.params_dir / f"{env}.yaml"
        env_path.write_text(env_path.read_text().replace(
            platform.config.environments[env].account_id, account))


def credentials_in(platform: Platform, account: str) -> dict[str, str]:
    """Environment variables that make payctl run in `account` (the delegated administrator)."""
    sts = boto3.client("sts", endpoint_url=platform.url, region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="operator")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


def instances(cfn: Any, name: str) -> set[str]:
    return {s["Account"] for s in cfn.list_stack_instances(StackSetName=name)["Summaries"]}


def test_service_managed_from_a_delegated_administrator(fresh: Platform) -> None:
    delegated, units, accounts = organization(fresh)
    for account in accounts.values():
        reader_role(fresh, account, delegated)
    write_params(fresh, delegated, units, accounts)
    as_delegate = credentials_in(fresh, delegated)

    bootstrap = fresh.payctl("bootstrap", env=as_delegate)
    assert bootstrap.exit_code == 0 and "nothing to bootstrap" in bootstrap.output, bootstrap.output
    result = fresh.payctl("deploy", "--all", env=as_delegate)
    assert result.exit_code == 0, result.output

    # the StackSets live in the management account; their instances in each environment's OU
    management = fresh.aws().client("cloudformation")
    stack_set = management.describe_stack_set(StackSetName="payment-platform")["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    summaries = management.list_stack_instances(StackSetName="payment-platform")["Summaries"]
    assert {(s["Account"], s["OrganizationalUnitId"], s["Status"]) for s in summaries} == {
        (accounts[env], units[env], "CURRENT") for env in units}

    # the code bucket is in the delegated administrator's account, readable by the organization
    org_id = fresh.aws().client("organizations").describe_organization()["Organization"]["Id"]
    s3 = fresh.aws().client("s3", fresh.aws().in_account(delegated, "OrganizationAccountAccessRole"))
    bucket = f"payment-platform-artifacts-{delegated}-us-east-1"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": org_id}}

    manifest = json.loads((fresh.build_dir / "manifests" / "resource-manifest-prod.json").read_text())
    assert manifest["account_id"] == accounts["prod"] and manifest["resources"]

    status = fresh.payctl("status", "--output", "json", env=as_delegate)
    assert status.exit_code == 0, status.output
    assert {(r["environment"], r["status"]) for r in json.loads(status.output)} == {
        (env, "CURRENT") for env in units}
    again = fresh.payctl("manifest", "staging", env=as_delegate)
    assert again.exit_code == 0, again.output

    # an account that joins dev's OU gets the platform by itself (auto-deployment)
    orgs = fresh.aws().client("organizations")
    late = orgs.create_account(Email="late@example.com", AccountName="late")[
        "CreateAccountStatus"]["AccountId"]
    orgs.move_account(AccountId=late, SourceParentId=orgs.list_roots()["Roots"][0]["Id"],
                      DestinationParentId=units["dev"])
    assert late in instances(management, "payment-platform")

    for env in ("dev", "staging"):
        result = fresh.payctl("destroy", env, "--yes", env=as_delegate)
        assert result.exit_code == 0, result.output
    assert instances(management, "payment-platform") == {accounts["prod"], late}

    # deployed again, dev takes its retained resources back: the import names dev's OU, as
    # ImportStacksToStackSet requires for a service-managed StackSet
    again = fresh.payctl("deploy", "dev", "--no-manifests", env=as_delegate)
    assert again.exit_code == 0, again.output
    assert "importing stack StackSet-payment-platform-dev-" in again.output
    summaries = management.list_stack_instances(StackSetName="payment-platform")["Summaries"]
    assert {(s["OrganizationalUnitId"], s["Status"]) for s in summaries
            if s["Account"] == accounts["dev"]} == {(units["dev"], "CURRENT")}

    # without CallAs the delegated administrator finds none of the StackSets it administers
    plain = boto3.client("cloudformation", endpoint_url=fresh.url, region_name="us-east-1",
                         aws_access_key_id=as_delegate["AWS_ACCESS_KEY_ID"],
                         aws_secret_access_key=as_delegate["AWS_SECRET_ACCESS_KEY"],
                         aws_session_token=as_delegate["AWS_SESSION_TOKEN"])
    with pytest.raises(ClientError, match="StackSetNotFound"):
        plain.describe_stack_set(StackSetName="payment-platform")

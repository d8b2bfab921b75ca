"""The roles the GitHub workflows assume grant what payctl calls through them, and no more.

The calls are recorded from real runs over HTTP (each tagged with the identity that made it:
the caller's credentials, or the role assumed in an environment's account), in the order a
repository's workflows make them: the first deploy on merge, a pull request's plan of a change,
the deploy of that change with drift checked, a no-op deploy, and an environment brought back
after destroy (whose plan looks for the retained data and whose deploy adopts it). Each call must
be an action the built role's policy lists; each listed action must have been called, except the
few that only a fault reaches (named below with the path that needs them).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from emulated import EXECUTION_ROLE, Platform

from scripts.aws import clients
from scripts.cli.support import ROOT
from templates_py.bootstrap import PLAN_READER_ROLE
from templates_py.github import DEPLOY_ROLE, PLAN_ROLE

CALLER = "the workflow's role"
REPOSITORY = "acme/payment-platform"
# API operations IAM authorises under another action's name (Service Authorization Reference:
# Amazon S3 "HeadBucket ... s3:ListBucket", "HeadObject ... s3:GetObject"; the S3 API reference of
# each Put/Get call names its permission) and STS's GetCallerIdentity, which needs none ("No
# permissions are required to perform this operation", STS API reference).
AUTHORISED_AS = {
    "s3:HeadBucket": "s3:ListBucket", "s3:HeadObject": "s3:GetObject",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "sts:GetCallerIdentity": None,
}
IAM_PREFIX = {"service-quotas": "servicequotas"}  # botocore's service name -> IAM's prefix
# Granted, and reached only on paths these runs do not take.
FAULT_PATHS = {
    # a StackSet whose instances were all removed by hand is recreated around them; an INOPERABLE
    # instance is deleted (keeping its stack) and imported again (scripts.stacksets.deployer)
    "cloudformation:DeleteStackInstances",
    # the admin region's artifacts bucket holds a template over 51,200 bytes: read back by
    # HeadObject, created on a first deploy (both in the runs); never fetched by the deployer
    "s3:GetObject",
}


# Authorised without a call of its own: a call that hands AWS a role ARN (CreateStackSet's and
# UpdateStackSet's AdministrationRoleARN) needs iam:PassRole on that role (IAM user guide, "Grant
# a user permissions to pass a role to an AWS service").
PASSES_ROLE = {"cloudformation:CreateStackSet", "cloudformation:UpdateStackSet"}


def _action(call: str) -> str | None:
    """The IAM action a call (`botocore service:Operation`) is authorised as."""
    if call in AUTHORISED_AS:
        return AUTHORISED_AS[call]
    service, _, name = call.partition(":")
    return f"{IAM_PREFIX.get(service, service)}:{name}"


def granted(template: str, logical_id: str) -> set[str]:
    """Every action the role's inline and attached managed policies allow."""
    resources = json.loads((ROOT / "build" / "templates" / f"{template}.json").read_text())[
        "Resources"]
    role = resources[logical_id]["Properties"]
    documents = [p["PolicyDocument"] for p in role.get("Policies", [])] + [
        resources[arn["Ref"]]["Properties"]["PolicyDocument"]
        for arn in role.get("ManagedPolicyArns", [])]
    return {action for document in documents for statement in document["Statement"]
            for action in statement["Action"]}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, set[str]]]:
    """identity -> the calls (`service:Operation`) made with it, from every client payctl makes."""
    calls: dict[str, set[str]] = defaultdict(set)
    in_account, client = clients.Aws.in_account, clients.Aws.client

    def tagged(self: clients.Aws, account_id: str, role_name: str) -> Any:
        session = in_account(self, account_id, role_name)
        session.payctl_role = role_name
        return session

    def recording(self: clients.Aws, service: str, session: Any = None, region: str | None = None
                  ) -> Any:
        made = client(self, service, session, region)
        who = getattr(session, "payctl_role", CALLER) if session is not None else CALLER
        made.meta.events.register("before-call", lambda model, **_: calls[who].add(
            f"{service}:{model.name}"))
        return made

    monkeypatch.setattr(clients.Aws, "in_account", tagged)
    monkeypatch.setattr(clients.Aws, "client", recording)
    yield calls


def _ok(platform: Platform, *args: str, codes: tuple[int, ...] = (0,)) -> None:
    result = platform.payctl(*args)
    assert result.exit_code in codes, result.output


def _actions(calls: set[str]) -> set[str]:
    actions = {a for a in map(_action, calls) if a}
    return actions | ({"iam:PassRole"} if actions & PASSES_ROLE else set())


def tags_changed_by_hand(platform: Platform, name: str) -> None:
    """Someone adds a tag to the StackSet in the console: the next deploy updates the StackSet."""
    cfn = platform.aws().client("cloudformation")
    stack_set = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    operation = cfn.update_stack_set(
        StackSetName=name, UsePreviousTemplate=True, Capabilities=stack_set["Capabilities"],
        Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                    for p in stack_set["Parameters"]],
        Tags=[*stack_set["Tags"], {"Key": "ChangedBy", "Value": "hand"}],
        AdministrationRoleARN=stack_set["AdministrationRoleARN"],
        ExecutionRoleName=stack_set["ExecutionRoleName"])["OperationId"]
    for _ in range(600):
        status = cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation)[
            "StackSetOperation"]["Status"]
        if status not in ("RUNNING", "QUEUED", "STOPPING"):
            break
        time.sleep(0.1)
    assert status == "SUCCEEDED", status


def test_bootstrap_creates_the_provider_and_roles_once(fresh: Platform) -> None:
    first = fresh.payctl("bootstrap", "--github-repository", REPOSITORY)
    again = fresh.payctl("bootstrap", "--github-repository", REPOSITORY)

    assert first.exit_code == 0, first.output
    assert "payment-platform-github-roles created (for acme/payment-platform)" in first.output
    assert again.exit_code == 0 and "payment-platform-github-roles unchanged" in again.output
    iam = fresh.aws().client("iam")
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"].rsplit("/", 1)[1] for p in providers] == ["token.actions.githubusercontent.com"]
    trust = iam.get_role(RoleName=DEPLOY_ROLE)["Role"]["AssumeRolePolicyDocument"]
    subjects = trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"][
        "token.actions.githubusercontent.com:sub"]
    assert sorted(subjects) == sorted(f"repo:{REPOSITORY}:environment:{env}"
                                      for env in ("dev", "staging", "prod"))
    plan_trust = iam.get_role(RoleName=PLAN_ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert plan_trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"][
        "token.actions.githubusercontent.com:sub"] == [f"repo:{REPOSITORY}:pull_request"]
    for env in ("dev", "staging", "prod"):
        role = fresh.client("iam", env).get_role(RoleName=PLAN_READER_ROLE)["Role"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"][
            "aws:PrincipalArn"].endswith(f":role/{PLAN_ROLE}")


def test_a_provider_made_outside_payctl_is_used_not_duplicated(fresh: Platform) -> None:
    iam = fresh.aws().client("iam")
    arn = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])["OpenIDConnectProviderArn"]

    _ok(fresh, "bootstrap", "--github-repository", REPOSITORY)

    assert [p["Arn"] for p in iam.list_open_id_connect_providers()[
        "OpenIDConnectProviderList"]] == [arn]
    trust = iam.get_role(RoleName=PLAN_ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"]["Federated"] == arn


def test_github_repository_is_refused_for_service_managed_before_any_call(fresh: Platform) -> None:
    path = fresh.params_dir / "deployment.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(permission_model="SERVICE_MANAGED", service_managed={"organizational_units": {
        env: f"ou-abcd-{n}1234567" for n, env in enumerate(("dev", "staging", "prod"))}})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = fresh.payctl("bootstrap", "--github-repository", REPOSITORY)
    assert result.exit_code == 2
    assert "--github-repository: only for SELF_MANAGED" in result.output


def _as_plan_role(platform: Platform) -> dict[str, str]:
    """What the plan workflow's OIDC step exports: the plan role's credentials."""
    import boto3

    admin = platform.config.deployment.admin_account_id
    creds = boto3.client("sts", endpoint_url=platform.url, region_name="us-east-1") \
        .assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{admin}:role/{PLAN_ROLE}",
                                       RoleSessionName="pull-request",
                                       WebIdentityToken="github-oidc-token")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


def test_the_roles_grant_exactly_what_the_workflows_call(fresh: Platform,
                                                          recorded: dict[str, set[str]]) -> None:
    _ok(fresh, "bootstrap", "--github-repository", REPOSITORY)
    recorded.clear()  # bootstrap runs once, by a person with the admin account's rights
    deploy_calls: set[str] = set()
    plan_calls: dict[str, set[str]] = defaultdict(set)

    def as_deploy(*args: str) -> None:
        _ok(fresh, "deploy", *args)  # the workflow adds --require-clean (a checkout of its own)
        deploy_calls.update(recorded.pop(CALLER, set()))
        assert set(recorded) <= {EXECUTION_ROLE}, recorded
        recorded.clear()

    def as_plan() -> None:
        # as the workflow: with the plan role's credentials, which the plan reader alone trusts
        result = fresh.payctl("plan", "--all", "--read-role", PLAN_READER_ROLE, "--output",
                              "markdown", "--detailed-exitcode", env=_as_plan_role(fresh))
        assert result.exit_code in (0, 2), result.output
        for who, calls in recorded.items():
            plan_calls[who] |= calls
        assert set(recorded) <= {CALLER, PLAN_READER_ROLE}, recorded
        recorded.clear()

    as_plan()  # the first pull request, before anything is deployed
    as_deploy("--all")
    staging = fresh.params_dir / "staging.yaml"
    staging.write_text(staging.read_text().replace("memory_mb: 1024", "memory_mb: 1536"))
    as_plan()
    as_deploy("staging", "--check-drift")
    as_deploy("--all")  # nothing to change
    tags_changed_by_hand(fresh, "payment-platform-edge")
    recorded.clear()
    as_plan()
    as_deploy("--all")  # puts the StackSet's tags back
    _ok(fresh, "destroy", "dev", "--yes")  # by a person, as docs/ci.md says
    recorded.clear()
    as_plan()  # looks for dev's retained data through the plan reader
    as_deploy("dev")  # adopts it

    deploy_role = granted("github-roles", "DeployRole")
    plan_role = granted("github-roles", "PlanRole")
    reader = granted("stackset-execution-role", "PlanReaderRole")
    assert _actions(deploy_calls) - deploy_role == set()
    assert _actions(plan_calls[CALLER]) - plan_role == set()
    assert _actions(plan_calls[PLAN_READER_ROLE]) - reader == set()
    assert deploy_role - _actions(deploy_calls) - FAULT_PATHS == set()
    assert plan_role - _actions(plan_calls[CALLER]) == set()
    # The reader's reads these runs do not make: an instance that is not CURRENT has its stack
    # read (status: scripts.actions.survey; template: scripts.stacksets.deployer), and a hosted
    # zone's delegation only for an environment with a delegated edge (scripts.actions.delegation),
    # and AWS's default VPC quota only where an account has no applied value (scripts.actions.quotas).
    assert reader - _actions(plan_calls[PLAN_READER_ROLE]) == {
        "cloudformation:DescribeStacks", "cloudformation:GetTemplate",
        "route53:GetHostedZone", "route53:ListResourceRecordSets",
        "servicequotas:GetAWSDefaultServiceQuota"}

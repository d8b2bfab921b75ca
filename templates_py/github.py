"""GitHub Actions' way in: the OIDC provider and the two roles the shipped workflows assume.

Deployed by `payctl bootstrap --github-repository OWNER/REPO` as a plain stack in the admin
account. GitHub's OIDC token names the repository and what the job is (its `sub` claim), so each
role trusts one kind of job of one repository and nothing else:

- the deploy role trusts only jobs that run in one of the repository's GitHub environments
  (`repo:OWNER/REPO:environment:<env>`), which the team puts behind protection rules (prod behind
  required reviewers): it runs `payctl deploy`, so it may manage the platform's StackSets, pass
  the administration role to CloudFormation, write the artifacts buckets and assume the execution
  role in the platform's accounts;
- the plan role trusts only pull-request jobs (`repo:OWNER/REPO:pull_request`): a pull request's
  code runs with it, so it reads and nothing else. In the environments' accounts it assumes the
  read-only plan reader role that the execution role's stack creates (`PLAN_READER_ROLE`), never
  the execution role.

Every action is one `payctl` calls (`tests/e2e/test_github_roles.py` records the calls of real
runs against the emulator and fails when one is not granted, or when a granted one is never made).
"""

from __future__ import annotations

from collections.abc import Sequence

from awacs import cloudformation as cfn
from awacs import ec2, iam, s3, sts
from awacs.aws import (
    Allow,
    Condition,
    ForAnyValueStringLike,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import (
    Equals,
    GetAtt,
    If,
    Output,
    Parameter,
    Ref,
    Sub,
    Template,
)
from troposphere import iam as iam_resources

from templates_py.bootstrap import PLAN_READER_ROLE, PLAN_ROLE, packed_policies, policy_document, role_template

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# GitHub's documented audience for AWS ("Configuring OpenID Connect in Amazon Web Services").
GITHUB_AUDIENCE = "sts.amazonaws.com"
DEPLOY_ROLE = "payctl-github-deploy"
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"

# The StackSet reads `payctl plan` makes, and what `payctl deploy` adds: it follows operations.
STACKSET_READS = ("DescribeStackSet", "DescribeStackInstance", "ListStackInstances")
OPERATION_READS = ("DescribeStackSetOperation", "ListStackSetOperations",
                   "ListStackSetOperationResults")
STACKSET_WRITES = ("CreateStackSet", "UpdateStackSet", "CreateStackInstances",
                   "UpdateStackInstances", "DeleteStackInstances", "ImportStacksToStackSet",
                   "DetectStackSetDrift")
# The artifacts bucket (`scripts.stacksets.artifacts`): HeadBucket is authorised as
# s3:ListBucket and HeadObject as s3:GetObject (Service Authorization Reference, Amazon S3).
ARTIFACT_BUCKET_ACTIONS = ("ListBucket", "CreateBucket", "PutBucketPublicAccessBlock",
                           "PutEncryptionConfiguration", "GetBucketPolicy", "PutBucketPolicy")
ARTIFACT_OBJECT_ACTIONS = ("GetObject", "PutObject")


def _trust(provider: object, subjects: list[str]) -> PolicyDocument:
    """Web identity trust for GitHub's tokens whose `sub` is one of `subjects` and whose
    audience is STS, as AWS's IAM guide for GitHub OIDC shows."""
    return PolicyDocument(Version="2012-10-17", Statement=[Statement(
        Effect=Allow, Action=[sts.AssumeRoleWithWebIdentity],
        Principal=Principal("Federated", provider),
        Condition=Condition([
            StringEquals(f"{GITHUB_OIDC_HOST}:aud", GITHUB_AUDIENCE),
            ForAnyValueStringLike(f"{GITHUB_OIDC_HOST}:sub", subjects)]))])


def _assume_in(accounts: Sequence[str], role_name: str, sid: str) -> Statement:
    return Statement(Sid=sid, Effect=Allow, Action=[sts.AssumeRole],
                     Resource=[Sub(f"arn:${{AWS::Partition}}:iam::*:role/{role_name}")],
                     Condition=Condition(StringEquals("aws:ResourceAccount", sorted(accounts))))


def _stacksets(names: Sequence[str], actions: Sequence[str], sid: str) -> Statement:
    """StackSet actions on the platform's StackSets only (and on the targets and resource types
    their operations name, which the Service Authorization Reference lists as the actions'
    other resource types)."""
    return Statement(Sid=sid, Effect=Allow, Action=[cfn.Action(a) for a in actions], Resource=[
        *[Sub(f"arn:${{AWS::Partition}}:cloudformation:*:${{AWS::AccountId}}:stackset/{name}:*")
          for name in names],
        Sub("arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stackset-target/*"),
        Sub("arn:${AWS::Partition}:cloudformation:*::type/resource/*")])


def build_github_roles(accounts: Sequence[str], environments: Sequence[str],
                       stack_sets: Sequence[str], administration_role: str,
                       execution_role: str, artifacts_prefix: str) -> Template:
    """The provider and both roles, for self-managed StackSets: the deploy role passes the
    administration role to CloudFormation and assumes the execution role in `accounts`."""
    template, tags = role_template(
        "GitHub Actions OIDC provider and the payctl deploy and plan roles (admin account).")
    repository = template.add_parameter(Parameter(
        "Repository", Type="String", AllowedPattern=REPOSITORY_PATTERN,
        Description="The GitHub repository (OWNER/REPO) whose workflows may assume the roles."))
    template.set_parameter_label(repository, "GitHub repository")
    existing = template.add_parameter(Parameter(
        "ExistingProviderArn", Type="String", Default="",
        AllowedPattern=r"^(arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+)?$",
        Description="ARN of the account's GitHub OIDC provider if one exists already (an account "
                    "holds one provider per URL); empty creates it."))
    template.set_parameter_label(existing, "Existing GitHub OIDC provider")
    template.add_condition("CreateProvider", Equals(Ref(existing), ""))
    provider = template.add_resource(iam_resources.OIDCProvider(
        "GitHubOidcProvider", Condition="CreateProvider", Url=f"https://{GITHUB_OIDC_HOST}",
        ClientIdList=[GITHUB_AUDIENCE], Tags=tags))
    provider_arn = If("CreateProvider", Ref(provider), Ref(existing))

    buckets = f"arn:${{AWS::Partition}}:s3:::{artifacts_prefix}-${{AWS::AccountId}}-*"
    deploy_statements = [
        _stacksets(stack_sets, STACKSET_READS + OPERATION_READS + STACKSET_WRITES,
                   "StackSets"),
        Statement(Sid="ArtifactBuckets", Effect=Allow,
                  Action=[s3.Action(a) for a in ARTIFACT_BUCKET_ACTIONS], Resource=[Sub(buckets)]),
        Statement(Sid="ArtifactObjects", Effect=Allow,
                  Action=[s3.Action(a) for a in ARTIFACT_OBJECT_ACTIONS],
                  Resource=[Sub(f"{buckets}/*")]),
        Statement(Sid="Regions", Effect=Allow, Action=[ec2.DescribeRegions], Resource=["*"]),
        _assume_in(accounts, execution_role, "AssumeExecutionRole"),
        Statement(Sid="PassAdministrationRole", Effect=Allow, Action=[iam.PassRole],
                  Resource=[Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/"
                                f"{administration_role}")],
                  Condition=Condition(StringEquals("iam:PassedToService",
                                                   "cloudformation.amazonaws.com"))),
    ]
    plan_statements = [
        _stacksets(stack_sets, STACKSET_READS, "ReadStackSets"),
        Statement(Sid="Regions", Effect=Allow, Action=[ec2.DescribeRegions], Resource=["*"]),
        _assume_in(accounts, PLAN_READER_ROLE, "AssumePlanReader"),
    ]
    for title, name, subjects, statements, description in (
            ("DeployRole", DEPLOY_ROLE,
             [Sub(f"repo:${{Repository}}:environment:{env}") for env in environments],
             deploy_statements, "Runs payctl deploy from the repository's GitHub environments"),
            ("PlanRole", PLAN_ROLE, [Sub("repo:${Repository}:pull_request")], plan_statements,
             "Runs payctl plan, read-only, for the repository's pull requests")):
        # Managed policies, as packed_policies sizes them: the deploy role's account list
        # grows with the fleet, past what a role's inline policies may hold (10,240 characters).
        packed = packed_policies(statements)
        policies = [template.add_resource(iam_resources.ManagedPolicy(
            f"{title}Policy{number}", Description=f"What {name} may do ({number} of {len(packed)})",
            PolicyDocument=policy_document(part))) for number, part in enumerate(packed, 1)]
        role = template.add_resource(iam_resources.Role(
            title, RoleName=name, Description=description, MaxSessionDuration=3600 * 4,
            AssumeRolePolicyDocument=_trust(provider_arn, subjects),
            ManagedPolicyArns=[Ref(policy) for policy in policies], Tags=tags))
        template.add_output(Output(f"{title}Arn", Description=f"ARN of {name}: the repository "
                                   "variable the workflows read.", Value=GetAtt(role, "Arn")))
    return template

"""Bootstrap: the two roles self-managed StackSets need, deployed as plain stacks.

The administration role lives in the admin account and may only assume the execution role in
the listed target accounts. The execution role lives in every target account, trusts the admin
account, and holds the explicit actions CloudFormation's handlers call for the platform's
resource types, every CloudFormation action, and what intrinsic functions such as Fn::GetAZs
call (`execution_actions.json`, derived by `scripts.checks.permissions`), with IAM limited to the
platform's own roles. The statements live in managed policies sized to IAM's quotas.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from awacs import sts
from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.helpers.trust import make_simple_assume_policy
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Tags, Template, encode_to_dict, iam

from templates_py.blueprint import MANAGED_BY, PROJECT, checkov_skips

ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
ACTIONS_FILE = Path(__file__).with_name("execution_actions.json")
# checkov judges the execution role as if it were a workload's role; it is CloudFormation's
# deployment identity, so the findings below describe its job, not a flaw.
DEPLOYER_ROLE = ("CloudFormation assumes this role, trusted only by the admin account, to create "
                 "and update the platform's resources; ")
EXECUTION_ROLE_SKIPS = checkov_skips(
    CKV_AWS_108=DEPLOYER_ROLE + "s3:GetObject reads the Lambda code zip the deployer uploaded.",
    CKV_AWS_109=DEPLOYER_ROLE + "it must write the bucket, key, table and function policies "
                "the platform template defines.",
    CKV_AWS_110=DEPLOYER_ROLE + "it must update the functions' code, and can pass only the "
                "platform's own roles.",
    CKV_AWS_111=DEPLOYER_ROLE + "resources such as VPCs and keys get AWS-generated ids, so "
                "create calls cannot name them beforehand; actions are the explicit list the "
                "resource handlers call.")
# Roles the platform template creates; the execution role may manage these and no others.
PLATFORM_ROLE_PATTERNS = ("payment-*", "session-manager-*")
# IAM quotas: a managed policy holds at most 6,144 characters (whitespace not counted) and a
# role takes 10 managed policies by default. The role's inline policies share 10,240 characters,
# too few for every action CloudFormation needs, so the statements go into managed policies.
MANAGED_POLICY_CHARS = 6144
ROLE_MANAGED_POLICIES = 10
# Room left for the partition and account id that `Fn::Sub` puts into the resource ARNs.
POLICY_SIZE_MARGIN = 400
# The read-only role `payctl plan` assumes in each environment's account when it runs for a pull
# request (`templates_py.github`): trusted only by the admin account's plan role, it reads the
# instances' stacks and the retained data a plan looks for, and changes nothing.
PLAN_ROLE = "payctl-github-plan"
PLAN_READER_ROLE = "payctl-plan-reader"
PLAN_READER_ACTIONS: dict[str, tuple[str, ...]] = {
    "cloudformation": ("DescribeStacks", "GetTemplate"),
    "dynamodb": ("DescribeTable",),
    "logs": ("DescribeLogGroups",),
    "s3": ("ListBucket", "GetEncryptionConfiguration"),
    "kms": ("DescribeKey", "ListResourceTags"),
    "route53": ("GetHostedZone", "ListResourceRecordSets"),
    "lambda": ("GetFunctionConcurrency",),
}
# Each service's reads on the account's own resources; the platform's buckets are `payment-*`.
PLAN_READER_RESOURCES = {
    "cloudformation": "arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/*/*",
    "dynamodb": "arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*",
    "logs": "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:*",
    "s3": "arn:${AWS::Partition}:s3:::payment-*",
    "kms": "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*",
    "route53": "arn:${AWS::Partition}:route53:::hostedzone/*",
    "lambda": "arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*",
}
# Account ids per statement of the administration role: 100 ids take ~1,500 characters, so
# several statements share one managed policy.
ACCOUNTS_PER_STATEMENT = 100


def role_template(description: str) -> tuple[Template, Tags]:
    """A bootstrap template and its tags; the deployer passes the account's environment values
    (the admin account, which serves all environments, keeps the `shared` defaults)."""
    template = Template(Description=description)
    template.set_version()
    values = {}
    for title, default, label in (("Environment", "shared", "Environment tag"),
                                  ("CostCenter", "platform-shared", "Cost center tag"),
                                  ("DataClassification", "internal", "Data classification tag")):
        param = template.add_parameter(Parameter(
            title, Type="String", Default=default, AllowedPattern=r"^[A-Za-z0-9_.:/=+@-]{1,128}$",
            Description=f"Value of the {title} tag on the role."))
        template.set_parameter_label(param, label)
        values[title] = Ref(param)
    return template, Tags(**values, ManagedBy=MANAGED_BY, Project=PROJECT)


def _role_name(template: Template, title: str, default: str, label: str) -> Parameter:
    param = template.add_parameter(Parameter(
        title, Type="String", Default=default, AllowedPattern=r"^[\w+=,.@-]{1,64}$",
        Description=f"{label}; AWS's default name is {default}."))
    template.set_parameter_label(param, label)
    return param


def build_administration_role(accounts: Sequence[str]) -> Template:
    """The role may assume the execution role only in `accounts`. The ids are written into the
    template, not passed as a parameter: a parameter value holds at most 4,096 bytes (~315
    accounts) and one policy 6,144 characters, while a fleet may have up to 2,000 accounts (the
    instances-per-StackSet quota); packed into managed policies they fit IAM's quotas."""
    if not accounts:
        raise ValueError("the administration role needs at least one target account")
    template, tags = role_template(
        "StackSet administration role for the payment platform (admin account).")
    name = _role_name(template, "AdministrationRoleName", ADMINISTRATION_ROLE,
                      "Administration role name")
    _role_name(template, "ExecutionRoleName", EXECUTION_ROLE, "Execution role name")
    execution_roles = Sub("arn:${AWS::Partition}:iam::*:role/${ExecutionRoleName}")
    statements = [Statement(Sid=f"AssumeExecutionRole{number}", Effect=Allow,
                            Action=[sts.AssumeRole], Resource=[execution_roles],
                            Condition=Condition(StringEquals("aws:ResourceAccount", chunk)))
                  for number, chunk in enumerate(_chunks(sorted(accounts)), 1)]
    packed = packed_policies(statements)
    policies = [template.add_resource(iam.ManagedPolicy(
        f"AssumeExecutionRolePolicy{number}",
        Description=f"Lets StackSets assume the execution role in the platform's accounts "
                    f"({number} of {len(packed)})",
        PolicyDocument=policy_document(part))) for number, part in enumerate(packed, 1)]
    role = template.add_resource(iam.Role(
        "AdministrationRole",
        RoleName=Ref(name),
        Description="Lets CloudFormation StackSets assume the execution role in target accounts",
        AssumeRolePolicyDocument=make_simple_assume_policy("cloudformation.amazonaws.com"),
        ManagedPolicyArns=[Ref(policy) for policy in policies],
        Tags=tags,
    ))
    template.add_output(_arn_output(role, "ARN of the StackSet administration role."))
    return template


def _chunks(accounts: list[str]) -> list[list[str]]:
    return [accounts[start:start + ACCOUNTS_PER_STATEMENT]
            for start in range(0, len(accounts), ACCOUNTS_PER_STATEMENT)]


def _execution_statements() -> list[Statement]:
    """One statement per service: CloudFormation (every action, as AWS's StackSets prerequisites
    require), IAM limited to the platform's roles, and each other service on `*` (most create
    calls cannot be scoped to ARNs that do not exist yet)."""
    actions: dict[str, list[str]] = json.loads(ACTIONS_FILE.read_text())
    role_arns = [Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{pattern}")
                 for pattern in PLATFORM_ROLE_PATTERNS]
    statements = [Statement(Sid="ManagePlatformRoles", Effect=Allow,
                            Action=[Action("iam", a) for a in actions.pop("iam")],
                            Resource=role_arns)]
    for service, names in sorted(actions.items()):
        statements.append(Statement(Sid=f"Manage{service.capitalize()}", Effect=Allow,
                                    Action=[Action(service, n) for n in names], Resource=["*"]))
    return statements


def policy_chars(document: dict[str, object]) -> int:
    """A policy's size as IAM counts it: its JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def packed_policies(statements: list[Statement]) -> list[list[Statement]]:
    """Statements packed, in order, into as few managed policies as fit IAM's size quota."""
    limit = MANAGED_POLICY_CHARS - POLICY_SIZE_MARGIN
    policies: list[list[Statement]] = []
    for statement in statements:
        if policies and policy_chars(encode_to_dict(policy_document(policies[-1] + [statement]))) <= limit:
            policies[-1].append(statement)
        else:
            policies.append([statement])
    if len(policies) > ROLE_MANAGED_POLICIES:
        raise ValueError(f"the role needs {len(policies)} managed policies; IAM "
                         f"attaches {ROLE_MANAGED_POLICIES} to a role by default")
    return policies


def policy_document(statements: list[Statement]) -> PolicyDocument:
    return PolicyDocument(Version="2012-10-17", Statement=statements)


def build_execution_role() -> Template:
    template, tags = role_template(
        "StackSet execution role for the payment platform (each target account).")
    admin = template.add_parameter(Parameter(
        "AdministratorAccountId", Type="String", AllowedPattern=r"^\d{12}$",
        Description="Account that administers the StackSets and runs the deployer."))
    template.set_parameter_label(admin, "Administrator account id")
    name = _role_name(template, "ExecutionRoleName", EXECUTION_ROLE, "Execution role name")
    packed = packed_policies(_execution_statements())
    policies = [template.add_resource(iam.ManagedPolicy(
        f"ExecutionPolicy{number}",
        Description=f"What CloudFormation needs to manage the payment platform ({number} of "
                    f"{len(packed)})",
        PolicyDocument=policy_document(statements), Metadata=EXECUTION_ROLE_SKIPS))
        for number, statements in enumerate(packed, 1)]
    role = template.add_resource(iam.Role(
        "ExecutionRole",
        RoleName=Ref(name),
        Description="Lets the payment platform's StackSets manage its resources in this account",
        # The admin account as principal (AWS's documented trust) lets both the administration
        # role and the deployer (which reads stack outputs for the manifest) assume this role.
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Effect=Allow, Action=[sts.AssumeRole],
            Principal=Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AdministratorAccountId}:root")))]),
        ManagedPolicyArns=[Ref(policy) for policy in policies],
        Tags=tags,
        Metadata=EXECUTION_ROLE_SKIPS,
    ))
    template.add_output(_arn_output(role, "ARN of the StackSet execution role."))
    _add_plan_reader(template, tags)
    return template


def _add_plan_reader(template: Template, tags: Tags) -> None:
    """The plan reader: the admin account's plan role (`aws:PrincipalArn`, which need not
    exist yet) may assume it, for the reads listed in PLAN_READER_ACTIONS and ListHostedZones,
    and the quota reads (lambda:GetAccountSettings, EC2's Describe actions,
    GetAWSDefaultServiceQuota), which take no resource (Service Authorization Reference, Amazon
    Route 53, AWS Lambda, Amazon EC2 and Service Quotas; GetServiceQuota takes the quota's ARN)."""
    statements = [Statement(Sid=f"Read{service.capitalize()}", Effect=Allow,
                            Action=[Action(service, a) for a in actions],
                            Resource=[Sub(PLAN_READER_RESOURCES[service])])
                  for service, actions in PLAN_READER_ACTIONS.items()]
    statements.append(Statement(Sid="ListHostedZones", Effect=Allow,
                                Action=[Action("route53", "ListHostedZones")], Resource=["*"]))
    statements.append(Statement(Sid="Quotas", Effect=Allow, Action=[
        Action("lambda", "GetAccountSettings"), Action("ec2", "DescribeAccountAttributes"),
        Action("ec2", "DescribeAddresses"), Action("ec2", "DescribeVpcs"),
        Action("servicequotas", "GetAWSDefaultServiceQuota")], Resource=["*"]))
    statements.append(Statement(Sid="VpcQuota", Effect=Allow, Action=[
        Action("servicequotas", "GetServiceQuota")], Resource=[
        Sub("arn:${AWS::Partition}:servicequotas:*:${AWS::AccountId}:vpc/L-F678F1CE")]))
    template.add_resource(iam.Role(
        "PlanReaderRole",
        RoleName=PLAN_READER_ROLE,
        Description="Lets payctl plan, run for a pull request, read the platform in this account",
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Effect=Allow, Action=[sts.AssumeRole],
            Principal=Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AdministratorAccountId}:root")),
            Condition=Condition(StringEquals("aws:PrincipalArn", Sub(
                f"arn:${{AWS::Partition}}:iam::${{AdministratorAccountId}}:role/{PLAN_ROLE}"))))]),
        Policies=[iam.Policy(PolicyName=PLAN_READER_ROLE,
                             PolicyDocument=policy_document(statements))],
        Tags=tags,
    ))


def _arn_output(role: iam.Role, description: str) -> Output:
    return Output("RoleArn", Description=description, Value=GetAtt(role, "Arn"))

"""Bootstrap: the two roles self-managed StackSets need, deployed as plain stacks.

The administration role lives in the admin account and may only assume the execution role in
the listed target accounts. The execution role lives in every target account, trusts the admin
account, and holds the explicit actions CloudFormation's handlers call for the platform's
resource types (`execution_actions.json`, derived from the resource schemas), with IAM limited
to the platform's own roles.
"""

from __future__ import annotations

import json
from pathlib import Path

from awacs import cloudformation as cfn
from awacs import sts
from awacs.aws import Action, Allow, PolicyDocument, Principal, Statement
from awacs.helpers.trust import make_simple_assume_policy
from troposphere import Join, Parameter, Ref, Split, Sub, Tags, Template, iam

from templates_py.blueprint import MANAGED_BY, PROJECT

ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
ACTIONS_FILE = Path(__file__).with_name("execution_actions.json")
# Roles the platform template creates; the execution role may manage these and no others.
PLATFORM_ROLE_PATTERNS = ("payment-*", "session-manager-*")
STACK_ACTIONS = ("CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks",
                 "DescribeStackEvents", "DescribeStackResource", "DescribeStackResources",
                 "GetTemplate", "GetTemplateSummary", "ListStackResources", "CreateChangeSet",
                 "DescribeChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "DetectStackDrift",
                 "DetectStackResourceDrift", "DescribeStackResourceDrifts",
                 "DescribeStackDriftDetectionStatus", "TagResource", "UntagResource")


def _tags() -> Tags:
    return Tags(ManagedBy=MANAGED_BY, Project=PROJECT)


def _template(description: str) -> Template:
    template = Template(Description=description)
    template.set_version()
    return template


def build_administration_role() -> Template:
    template = _template("StackSet administration role for the payment platform (admin account).")
    accounts = template.add_parameter(Parameter(
        "TargetAccountIds", Type="CommaDelimitedList",
        Description="Account ids the StackSets deploy to; the role may assume only their "
                    "execution role."))
    template.set_parameter_label(accounts, "Target account ids")
    # One execution-role ARN per listed account: join the list into ARNs, then split it again.
    execution_role_arns = Split(",", Sub(
        f"arn:${{AWS::Partition}}:iam::${{Accounts}}:role/{EXECUTION_ROLE}",
        Accounts=Join(f":role/{EXECUTION_ROLE},arn:${{AWS::Partition}}:iam::", Ref(accounts))))
    role = template.add_resource(iam.Role(
        "AdministrationRole",
        RoleName=ADMINISTRATION_ROLE,
        Description="Lets CloudFormation StackSets assume the execution role in target accounts",
        AssumeRolePolicyDocument=make_simple_assume_policy("cloudformation.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="assume-execution-role", PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[Statement(Effect=Allow, Action=[sts.AssumeRole],
                                 Resource=execution_role_arns)]))],
        Tags=_tags(),
    ))
    template.add_output(_arn_output(role, "ARN of the StackSet administration role."))
    return template


def _execution_statements() -> list[Statement]:
    actions: dict[str, list[str]] = json.loads(ACTIONS_FILE.read_text())
    role_arns = [Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{pattern}")
                 for pattern in PLATFORM_ROLE_PATTERNS]
    statements = [
        Statement(Sid="ManagePlatformStacks", Effect=Allow,
                  Action=[cfn.Action(a) for a in STACK_ACTIONS],
                  Resource=[Sub("arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:"
                                "stack/StackSet-*/*")]),
        Statement(Sid="ManagePlatformRoles", Effect=Allow,
                  Action=[Action("iam", a) for a in actions.pop("iam")], Resource=role_arns),
    ]
    for service, names in sorted(actions.items()):
        # Most of these create calls cannot be scoped to ARNs that do not exist yet.
        statements.append(Statement(Sid=f"Manage{service.capitalize()}", Effect=Allow,
                                    Action=[Action(service, n) for n in names], Resource=["*"]))
    return statements


def build_execution_role() -> Template:
    template = _template("StackSet execution role for the payment platform (each target account).")
    admin = template.add_parameter(Parameter(
        "AdministratorAccountId", Type="String", AllowedPattern=r"^\d{12}$",
        Description="Account that administers the StackSets and runs the deployer."))
    template.set_parameter_label(admin, "Administrator account id")
    role = template.add_resource(iam.Role(
        "ExecutionRole",
        RoleName=EXECUTION_ROLE,
        Description="Lets the payment platform's StackSets manage its resources in this account",
        # The admin account as principal (AWS's documented trust) lets both the administration
        # role and the deployer (which reads stack outputs for the manifest) assume this role.
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Effect=Allow, Action=[sts.AssumeRole],
            Principal=Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AdministratorAccountId}:root")))]),
        Policies=[iam.Policy(PolicyName="platform-resources", PolicyDocument=PolicyDocument(
            Version="2012-10-17", Statement=_execution_statements()))],
        Tags=_tags(),
    ))
    template.add_output(_arn_output(role, "ARN of the StackSet execution role."))
    return template


def _arn_output(role: iam.Role, description: str):
    from troposphere import GetAtt, Output

    return Output("RoleArn", Description=description, Value=GetAtt(role, "Arn"))

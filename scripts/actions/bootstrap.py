"""Bootstrap the StackSet roles as plain stacks: administration role in the admin account,
execution role in every environment account.

A target account is reached through a role that already exists there — by default
`OrganizationAccountAccessRole`, which AWS Organizations creates in every member account. A stack
whose template, parameters and tags already match is left alone, so a second run changes nothing;
the caller must be the admin account `deployment.yaml` names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scripts.aws.clients import Aws, describe, error_code
from scripts.build.render import administration_role, github_roles
from scripts.config.reader import ORGANIZATION_ROLE, Config
from scripts.errors import ConfigError, DeploymentError, WrongAccount
from templates_py.bootstrap import build_execution_role
from templates_py.github import GITHUB_OIDC_HOST
from templates_py.parameters import TAGGING

ADMIN_STACK = "payment-platform-stackset-administration-role"
EXECUTION_STACK = "payment-platform-stackset-execution-role"
GITHUB_STACK = "payment-platform-github-roles"
WAIT = {"Delay": 5, "MaxAttempts": 120}
# "Template body size in a request: 51,200 bytes" (AWS CloudFormation User Guide, "AWS
# CloudFormation quotas"); the administration role's template lists every account id.
TEMPLATE_BODY_BYTES = 51200


NO_UPDATES = "No updates are to be performed"
STACK_TAGS = {"ManagedBy": "payctl"}


def full_parameters(template: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """Every parameter the stack will have: the template's defaults, then the given values.
    DescribeStacks lists defaulted parameters too, so comparing only the given ones would
    always see a difference."""
    defaults = {name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items()
                if "Default" in spec}
    return {**defaults, **given}


def stack_matches(stack: dict[str, Any], deployed_template: Any, template: dict[str, Any],
                  parameters: dict[str, str], tags: dict[str, str]) -> bool:
    """Whether the stack already runs `template` with exactly `parameters` and `tags`."""
    if isinstance(deployed_template, str):
        try:
            deployed_template = json.loads(deployed_template)
        except json.JSONDecodeError:
            return False
    current = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    current_tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    return (deployed_template == template and current == full_parameters(template, parameters)
            and current_tags == tags)


def existing_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack `name` as DescribeStacks shows it, or None if there is none (a deleted one
    included); a failed read stops the command before it writes."""
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as err:
        if error_code(err) != "ValidationError":  # "Stack with id ... does not exist"
            raise DeploymentError(f"{name}: {describe(err)}") from None
        return None
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def deploy_stack(cfn: Any, name: str, template: dict[str, Any], parameters: dict[str, str],
                 say: Callable[[str], None]) -> str:
    """Create or update one stack and wait; returns what happened: created, updated, unchanged.
    Template, every parameter and the tags are compared first; an update CloudFormation finds
    empty ("No updates are to be performed", a ValidationError) is unchanged too."""
    body = json.dumps(template, separators=(",", ":"), sort_keys=True)
    if len(body.encode()) > TEMPLATE_BODY_BYTES:
        raise DeploymentError(f"{name}: the template is {len(body.encode()):,} bytes, over "
                              f"CloudFormation's {TEMPLATE_BODY_BYTES:,}-byte TemplateBody quota; "
                              "nothing was changed")
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    tags = [{"Key": k, "Value": v} for k, v in STACK_TAGS.items()]
    stack = existing_stack(cfn, name)
    try:
        if stack is None:
            cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params,
                             Capabilities=["CAPABILITY_NAMED_IAM"], Tags=tags)
            cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)
            return "created"
        deployed = cfn.get_template(StackName=name)["TemplateBody"]
        if stack_matches(stack, deployed, template, parameters, STACK_TAGS):
            return "unchanged"
        try:
            cfn.update_stack(StackName=name, TemplateBody=body, Parameters=params,
                             Capabilities=["CAPABILITY_NAMED_IAM"], Tags=tags)
        except Exception as err:
            if error_code(err) == "ValidationError" and NO_UPDATES in describe(err):
                return "unchanged"
            raise
        cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=WAIT)
        return "updated"
    except Exception as err:
        raise DeploymentError(f"{name}: {describe(err)}") from None


def check_caller(sts: Any, admin_account_id: str) -> str:
    """The caller's account, which must be the admin account `deployment.yaml` names: the
    administration role (and the StackSets) belong there, nowhere else."""
    account = str(sts.get_caller_identity()["Account"])
    if account != admin_account_id:
        raise WrongAccount(f"the credentials in use belong to account {account}, but "
                           f"params/deployment.yaml names {admin_account_id} as the admin "
                           "account: use that account's credentials (--profile); nothing was changed")
    return account


def bootstrap(config: Config, aws: Aws, via_role: str, say: Callable[[str], None],
              github_repository: str | None = None) -> None:
    """The administration role, the execution role (and plan reader) in every environment
    account, and with `github_repository` the GitHub Actions roles in the admin account."""
    if github_repository and config.deployment.service_managed is not None:
        raise ConfigError("--github-repository: only for SELF_MANAGED StackSets (params/"
                          "deployment.yaml): a pull request's plan needs the read-only plan "
                          "reader role, which bootstrap creates beside the execution role; "
                          "nothing was changed")
    admin = check_caller(aws.client("sts"), config.deployment.admin_account_id)
    if config.deployment.service_managed is not None:
        # AWS creates the roles of service-managed StackSets itself (trusted access with
        # Organizations); self-managed roles there would be unused rights.
        say(f"admin account {admin}: SERVICE_MANAGED: nothing to bootstrap (StackSets creates "
            "its roles through trusted access with Organizations)")
        return
    reached = reach_every_account(config, aws, via_role, admin)
    outcome = deploy_stack(aws.client("cloudformation"), ADMIN_STACK,
                           administration_role(config).to_dict(),
                           {"AdministrationRoleName": config.deployment.administration_role_name,
                            "ExecutionRoleName": config.deployment.execution_role_name}, say)
    say(f"admin account {admin}: {ADMIN_STACK} {outcome}")
    template = build_execution_role().to_dict()
    for env in config.environments.values():
        for account in env.account_ids:
            outcome = deploy_stack(reached[account, env.region], EXECUTION_STACK, template,
                                   {"AdministratorAccountId": admin,
                                    "ExecutionRoleName": config.deployment.execution_role_name,
                                    **env.parameters(TAGGING)}, say)
            say(f"{env.name} account {account}: {EXECUTION_STACK} {outcome}")
    if github_repository:
        cfn = aws.client("cloudformation")
        outcome = deploy_stack(cfn, GITHUB_STACK, github_roles(config).to_dict(), {
            "Repository": github_repository,
            "ExistingProviderArn": github_provider(cfn, aws.client("iam"))}, say)
        say(f"admin account {admin}: {GITHUB_STACK} {outcome} (for {github_repository})")


def reach_every_account(config: Config, aws: Aws, via_role: str, admin: str
                        ) -> dict[tuple[str, str], Any]:
    """A CloudFormation client through `via_role` in every environment account, before
    anything is written: an account the role cannot be assumed in would otherwise fail the
    bootstrap halfway. `OrganizationAccountAccessRole` exists only in the accounts AWS
    Organizations created ("an invited account ... does not automatically get the role":
    Organizations user guide, "Accessing member accounts"), so an invited account needs a role
    of its own, named with --via-role."""
    reached, refused = {}, []
    for env in config.environments.values():
        for account in env.account_ids:
            try:
                reached[account, env.region] = aws.client_in("cloudformation", account, via_role,
                                                             env.region)
            except DeploymentError as err:
                refused.append(f"{env.name} {account} ({err})")
    if refused:
        raise DeploymentError(
            f"bootstrap reaches each environment account through --via-role {via_role}, which "
            f"cannot be assumed in {'; '.join(refused)}. {ORGANIZATION_ROLE} exists only in "
            "accounts AWS Organizations created: in an invited account, create a role that "
            f"trusts the admin account (arn:aws:iam::{admin}:root) and may create CloudFormation "
            "stacks and IAM roles, and pass its name with --via-role; nothing was changed")
    return reached


def github_provider(cfn: Any, iam: Any) -> str:
    """The GitHub OIDC provider's ARN to pass to the GitHub roles' stack, or "" for the stack to
    create it. An account holds one provider per URL: one made outside the stack is used as it
    is; one the stack made stays the stack's (its parameter is kept)."""
    stack = existing_stack(cfn, GITHUB_STACK)
    if stack is not None:
        return next((p.get("ParameterValue", "") for p in stack.get("Parameters", [])
                     if p["ParameterKey"] == "ExistingProviderArn"), "")
    try:
        providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    except Exception as err:
        raise DeploymentError(f"cannot list the account's OIDC providers: {describe(err)}; "
                              "nothing was changed") from None
    return next((p["Arn"] for p in providers
                 if p["Arn"].endswith(f":oidc-provider/{GITHUB_OIDC_HOST}")), "")

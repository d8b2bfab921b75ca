"""Bootstrap the StackSet roles as plain stacks: administration role in the admin account,
execution role in every environment account.

A target account is reached through a role that already exists there — by default
`OrganizationAccountAccessRole`, which AWS Organizations creates in every member account. A stack
whose template and parameters already match is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scripts.aws import Aws, describe, error_code
from scripts.config import Config
from scripts.errors import DeploymentError
from templates_py.bootstrap import build_administration_role, build_execution_role
from templates_py.parameters import TAGGING

ADMIN_STACK = "payment-platform-stackset-administration-role"
EXECUTION_STACK = "payment-platform-stackset-execution-role"
WAIT = {"Delay": 5, "MaxAttempts": 120}


def deploy_stack(cfn: Any, name: str, template: dict[str, Any], parameters: dict[str, str],
                 say: Callable[[str], None]) -> str:
    """Create or update one stack and wait; returns what happened: created, updated, unchanged."""
    body = json.dumps(template, indent=2, sort_keys=True)
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as err:
        if error_code(err) != "ValidationError":
            raise
        stack = None
    try:
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params,
                             Capabilities=["CAPABILITY_NAMED_IAM"],
                             Tags=[{"Key": "ManagedBy", "Value": "payctl"}])
            cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)
            return "created"
        deployed = cfn.get_template(StackName=name)["TemplateBody"]
        deployed = json.loads(deployed) if isinstance(deployed, str) else deployed
        current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
        if deployed == template and current == parameters:
            return "unchanged"
        cfn.update_stack(StackName=name, TemplateBody=body, Parameters=params,
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=WAIT)
        return "updated"
    except Exception as err:
        raise DeploymentError(f"{name}: {describe(err)}") from None


def bootstrap(config: Config, aws: Aws, via_role: str, say: Callable[[str], None]) -> None:
    accounts = sorted(config.account_names())
    admin = config.deployment.admin_account_id
    outcome = deploy_stack(aws.client("cloudformation"), ADMIN_STACK,
                           build_administration_role().to_dict(),
                           {"TargetAccountIds": ",".join(accounts),
                            "AdministrationRoleName": config.deployment.administration_role_name,
                            "ExecutionRoleName": config.deployment.execution_role_name}, say)
    say(f"admin account {admin}: {ADMIN_STACK} {outcome}")
    template = build_execution_role().to_dict()
    for env in config.environments.values():
        for account in env.account_ids:
            cfn = aws.client("cloudformation", aws.in_account(account, via_role))
            outcome = deploy_stack(cfn, EXECUTION_STACK, template,
                                   {"AdministratorAccountId": admin,
                                    "ExecutionRoleName": config.deployment.execution_role_name,
                                    **env.parameters(TAGGING)}, say)
            say(f"{env.name} account {account}: {EXECUTION_STACK} {outcome}")

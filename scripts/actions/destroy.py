"""Destroy one environment: delete its stack instances, newest StackSet first, and each StackSet
that has no instance left. Stateful resources stay (their DeletionPolicy is Retain); the report
names each one, and the way to delete them for good after confirmation (`payctl purge ENV`), or
one by one with the AWS CLI where one command does it, because only a person should decide to
delete payment data or audit logs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from scripts.aws.clients import Aws, error_code
from scripts.config.reader import Config, Environment
from scripts.plan.decide import Target
from scripts.stacksets.deployer import StackSetDeployer

# The AWS CLI command that removes one retained resource, where a single command does: a
# versioned bucket needs every version and delete marker deleted first, a hosted zone every record
# but its NS and SOA (the certificate's validation record stays behind): `payctl purge` does those.
REMOVAL = {
    "AWS::DynamoDB::Table": "aws dynamodb delete-table --table-name {id}",
    "AWS::Logs::LogGroup": "aws logs delete-log-group --log-group-name {id}",
    "AWS::KMS::Key": "aws kms schedule-key-deletion --key-id {id} --pending-window-in-days 7",
}


@dataclass(frozen=True)
class Retained:
    stack_set: str
    logical_id: str
    type: str
    physical_id: str
    account: str = ""

    @property
    def removal(self) -> str:
        """The AWS CLI command that removes it, or "" where none does on its own."""
        return REMOVAL.get(self.type, "").format(id=self.physical_id)


def profile_name(account: str) -> str:
    return f"payctl-{account}"


def profile_setup(account: str, role_arn: str, source_profile: str | None, region: str,
                  endpoint_url: str | None = None) -> list[str]:
    """The AWS CLI commands that make a named profile acting in `account` through the execution
    role: a retained resource lives in the environment's account, and the AWS CLI called with the
    admin account's credentials would look for it there (ResourceNotFound). Against an endpoint
    (the emulator) the profile sends every call there, the role assumption included."""
    name = profile_name(account)
    lines = [f"aws configure set profile.{name}.role_arn {role_arn}",
             f"aws configure set profile.{name}.source_profile {source_profile or 'default'}",
             f"aws configure set profile.{name}.region {region}"]
    if endpoint_url:
        lines.append(f"aws configure set profile.{name}.endpoint_url {endpoint_url}")
    return lines


def runnable(retained: Retained, region: str, endpoint_url: str | None = None) -> str:
    """The removal command for `retained`, run in its own account through the profile that
    `profile_setup` makes (which also carries any endpoint, so the role assumption uses it);
    "" where no single command removes it (`payctl purge` does)."""
    if not retained.removal or not retained.account:
        return ""
    endpoint = f" --endpoint-url {endpoint_url}" if endpoint_url else ""
    return (f"aws --profile {profile_name(retained.account)} --region {region}{endpoint} "
            f"{retained.removal.removeprefix('aws ')}")


def retained_resources(cfn_in_account: Any, stack_id: str, template: dict[str, Any],
                       stack_set: str) -> list[Retained]:
    kept = {lid for lid, r in template.get("Resources", {}).items()
            if r.get("DeletionPolicy") == "Retain"}
    pages = cfn_in_account.get_paginator("list_stack_resources").paginate(StackName=stack_id)
    return [Retained(stack_set, r["LogicalResourceId"], r["ResourceType"],
                     r.get("PhysicalResourceId", ""))
            for page in pages for r in page["StackResourceSummaries"]
            if r["LogicalResourceId"] in kept]


def destroy(config: Config, aws: Aws, deployer: StackSetDeployer, env: Environment,
            say: Callable[[str], None]) -> list[Retained]:
    """Delete `env`'s instances (never another environment's); the resources left behind."""
    cfn = deployer.cfn
    retained: list[Retained] = []
    for spec in reversed(config.deployment.stacksets):
        try:
            stack_set = cfn.describe_stack_set(StackSetName=spec.name)["StackSet"]
        except Exception as err:
            if error_code(err) != "StackSetNotFoundException":
                raise
            say(f"{spec.name}: no StackSet")
            continue
        template = json.loads(stack_set.get("TemplateBody") or "{}")
        targets = []
        for account in env.account_ids:
            try:
                instance = cfn.describe_stack_instance(
                    StackSetName=spec.name, StackInstanceAccount=account,
                    StackInstanceRegion=env.region)["StackInstance"]
            except Exception as err:
                if error_code(err) != "StackInstanceNotFoundException":
                    raise
                continue
            in_account = aws.client_in("cloudformation", account,
                                       config.deployment.read_role_name, env.region)
            retained += [replace(r, account=account) for r in retained_resources(
                in_account, instance["StackId"], template, spec.name)]
            targets.append(Target(env.name, account, env.region, {}))
        if not targets:
            say(f"{spec.name}: no {env.name} instance")
            continue
        deployer.delete_instances(spec.name, targets)
        deployer.delete_stack_set_if_empty(spec.name)
    return retained

"""The conformance suite's harness: plain boto3 over HTTP, never the deployer.

By default the suite drives the embedded emulator, started as its own process (`payctl
emulator`), with a fast time scale. It runs unchanged against real AWS when these are set:

    CONFORMANCE_PROFILE   a profile in the StackSet administrator account
    CONFORMANCE_ACCOUNTS  two target account ids, comma-separated, each with the execution role
                          AWSCloudFormationStackSetExecutionRole (`payctl bootstrap` makes it)
    CONFORMANCE_REGION    optional, default us-east-1

    CONFORMANCE_PROFILE=admin CONFORMANCE_ACCOUNTS=111111111111,222222222222 \\
        .venv/bin/python -m pytest tests/emulator

Every test creates StackSets and stacks with unique names and deletes what it can afterwards.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session

ROOT = Path(__file__).resolve().parents[2]
# Read before the autouse fixture swaps in fake credentials: only an explicit opt-in reaches AWS.
REAL_PROFILE = os.environ.get("CONFORMANCE_PROFILE")
REAL_ACCOUNTS = [a.strip() for a in os.environ.get("CONFORMANCE_ACCOUNTS", "").split(",") if a.strip()]
REAL_REGION = os.environ.get("CONFORMANCE_REGION", "us-east-1")
REAL_CONFIG_FILES = {"config_file": os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"),
                     "credentials_file": os.environ.get("AWS_SHARED_CREDENTIALS_FILE",
                                                        "~/.aws/credentials")}

ADMIN_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
EMULATED_ADMIN = "111122223333"
EMULATED_TARGETS = ["123456789012", "234567890123"]
# One simulated AWS second lasts this many real seconds in the emulated run: a one-resource
# stack (about 15 simulated seconds) runs for 0.3 s, long enough to be seen RUNNING.
EMULATED_TIME_SCALE = 0.02


@dataclass
class Cloud:
    """Where the suite runs: the admin session, two target accounts, and clients in each."""

    admin: boto3.Session
    admin_account: str
    accounts: list[str]
    region: str
    endpoint_url: str | None
    real: bool
    _sessions: dict[str, boto3.Session] = field(default_factory=dict)

    def client(self, service: str, account: str | None = None) -> Any:
        """A client in the admin account, or in `account` through the execution role."""
        session = self.admin if account in (None, self.admin_account) else self.session_in(account)
        return session.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def session_in(self, account: str, role: str = EXECUTION_ROLE) -> boto3.Session:
        key = f"{account}/{role}"
        if key not in self._sessions:
            sts = self.admin.client("sts", region_name=self.region, endpoint_url=self.endpoint_url)
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                                    RoleSessionName="conformance")["Credentials"]
            self._sessions[key] = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"], region_name=self.region)
        return self._sessions[key]

    @property
    def cfn(self) -> Any:
        return self.client("cloudformation")

    @property
    def admin_role_arn(self) -> str:
        return f"arn:aws:iam::{self.admin_account}:role/{ADMIN_ROLE}"

    def poll_interval(self) -> float:
        return 10.0 if self.real else 0.05


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def delete_roles(made: list[tuple[Any, str]]) -> None:
    """Delete the roles a test made, (IAM client, role name) each, with their inline policies."""
    for iam, name in made:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)


def wait_operation(cloud: Cloud, stack_set: str, operation_id: str, timeout: float = 1800,
                   **call_as: str) -> dict[str, Any]:
    """Poll DescribeStackSetOperation until the operation ends; its final description."""
    deadline = time.monotonic() + (timeout if cloud.real else 60)
    while True:
        operation = cloud.cfn.describe_stack_set_operation(
            StackSetName=stack_set, OperationId=operation_id, **call_as)["StackSetOperation"]
        if operation["Status"] in ("SUCCEEDED", "FAILED", "STOPPED"):
            return operation
        assert time.monotonic() < deadline, f"{operation_id} still {operation['Status']}"
        time.sleep(cloud.poll_interval())


def wait_until(cloud: Cloud, check: Callable[[], Any], what: str, timeout: float = 600) -> Any:
    deadline = time.monotonic() + (timeout if cloud.real else 30)
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(cloud.poll_interval())
    return value


def _real_cloud() -> Cloud:
    core = botocore.session.Session(profile=REAL_PROFILE)
    for name, value in REAL_CONFIG_FILES.items():
        core.set_config_variable(name, os.path.expanduser(value))
    admin = boto3.Session(botocore_session=core, region_name=REAL_REGION)
    account = admin.client("sts").get_caller_identity()["Account"]
    assert len(REAL_ACCOUNTS) >= 2, "CONFORMANCE_ACCOUNTS needs two target account ids"
    return Cloud(admin, account, REAL_ACCOUNTS[:2], REAL_REGION, None, real=True)


def _trust(principal: dict[str, Any]) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def grant_stack_set_roles(cloud: Cloud) -> None:
    """What `payctl bootstrap` (or AWS's documented templates) set up: the administration role in
    the admin account, trusting CloudFormation, and the execution role in each target."""
    import json

    iam = cloud.client("iam")
    iam.create_role(RoleName=ADMIN_ROLE, AssumeRolePolicyDocument=_trust(
        {"Service": "cloudformation.amazonaws.com"}))
    iam.put_role_policy(RoleName=ADMIN_ROLE, PolicyName="assume-execution", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Resource": f"arn:aws:iam::*:role/{EXECUTION_ROLE}"}]}))
    for account in cloud.accounts:
        target = cloud.session_in(account, "OrganizationAccountAccessRole").client(
            "iam", endpoint_url=cloud.endpoint_url)
        target.create_role(RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=_trust(
            {"AWS": f"arn:aws:iam::{cloud.admin_account}:root"}))
        target.put_role_policy(RoleName=EXECUTION_ROLE, PolicyName="administrator", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))






def log_group_template(resources: int = 1) -> str:
    """A cheap template: log groups whose retention and (optional) name are parameters."""
    import json

    named = {"Fn::If": ["Named", {"Ref": "Name"}, {"Ref": "AWS::NoValue"}]}
    return json.dumps({
        "Parameters": {"Retention": {"Type": "Number", "Default": "1"},
                       "Name": {"Type": "String", "Default": ""}},
        "Conditions": {"Named": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]}},
        "Resources": {f"Logs{n}": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "RetentionInDays": {"Ref": "Retention"},
            **({"LogGroupName": named} if n == 0 else {})}} for n in range(resources)}})


def slow_template(links: int = 30) -> str:
    """Log groups created one after another (each DependsOn the last): cheap, but slow enough
    (about a minute on AWS) that an operation can be caught while an account is RUNNING."""
    import json

    return json.dumps({"Resources": {f"Link{n}": {
        "Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1},
        **({"DependsOn": f"Link{n - 1}"} if n else {})} for n in range(links)}})


@dataclass
class StackSets:
    """Creates StackSets for one test and removes them (and their stacks) afterwards."""

    cloud: Cloud
    names: list[str] = field(default_factory=list)

    def create(self, template: str | None = None, managed: bool = False, **extra: Any) -> str:
        name = unique("conformance")
        self.cloud.cfn.create_stack_set(StackSetName=name, TemplateBody=template or log_group_template(),
                                        ManagedExecution={"Active": managed}, **extra)
        self.names.append(name)
        return name

    def cleanup(self) -> None:
        cfn = self.cloud.cfn
        for name in self.names:
            try:
                for _ in range(3):
                    running = [o for o in cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
                               if o["Status"] in ("RUNNING", "QUEUED", "STOPPING")]
                    for operation in running:
                        wait_operation(self.cloud, name, operation["OperationId"])
                    instances = cfn.list_stack_instances(StackSetName=name)["Summaries"]
                    if not instances:
                        break
                    for region in {i["Region"] for i in instances}:
                        accounts = [i["Account"] for i in instances if i["Region"] == region]
                        operation = cfn.delete_stack_instances(
                            StackSetName=name, Accounts=accounts, Regions=[region],
                            RetainStacks=any(i["Status"] == "INOPERABLE" for i in instances),
                            OperationPreferences={"MaxConcurrentPercentage": 100,
                                                  "FailureTolerancePercentage": 100})
                        wait_operation(self.cloud, name, operation["OperationId"])
                cfn.delete_stack_set(StackSetName=name)
            except Exception as err:  # leave the rest to clean; say what was left
                print(f"conformance cleanup: {name}: {err}")

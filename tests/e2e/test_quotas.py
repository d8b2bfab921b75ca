"""A fresh account's Lambda concurrency quota may not take prod's reservations (2 x 400 of the
default 1,000, with 100 kept unreserved): plan says deploy would refuse, and deploy refuses
before any StackSet operation, naming the quota to ask for."""

from __future__ import annotations

import io
import zipfile

from emulated import EXECUTION_ROLE, Platform


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_a_quota_that_cannot_take_prods_reservations_stops_deploy_before_any_operation(
        fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    account = fresh.config.environments["prod"].account_id
    lam = fresh.client("lambda", "prod")
    lam.create_function(  # another team's function in the account reserves 300
        FunctionName="another-teams-function", Runtime="python3.12", Handler="index.handler",
        Role=f"arn:aws:iam::{account}:role/{EXECUTION_ROLE}", Code={"ZipFile": _zip()})
    lam.put_function_concurrency(FunctionName="another-teams-function",
                                 ReservedConcurrentExecutions=300)

    plan = fresh.payctl("plan", "prod")
    result = fresh.payctl("deploy", "prod")

    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.strip()]
    assert "prod.yaml: lambda.reserved_concurrency: 400 reserves 800" in line, line
    assert f"account {account}" in line and "quota is 1000 with 300 reserved" in line
    assert "ask for at least 1200" in line and "or lower lambda.reserved_concurrency to 300" in line
    assert f"warning: deploy would refuse: {line.removeprefix('error: ')}" in plan.output
    cfn = fresh.aws().client("cloudformation")
    assert cfn.list_stack_sets(Status="ACTIVE")["Summaries"] == []  # nothing was started

    lam.put_function_concurrency(FunctionName="another-teams-function",
                                 ReservedConcurrentExecutions=100)  # 800 + 100 + 100 fits
    assert "deploy would refuse" not in fresh.payctl("plan", "prod").output

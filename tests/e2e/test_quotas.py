"""A fresh account's quotas may not take what prod needs: its Lambda reservations (2 x 400 of
the default 1,000, with 100 kept unreserved), its NAT gateways' Elastic IPs (2 of the default
5) and its VPC (the default VPC is one of the default 5). plan says deploy would refuse, and
deploy refuses before any StackSet operation, naming the quota to ask for."""

from __future__ import annotations

import io
import zipfile

from emulated import EXECUTION_ROLE, Platform


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_quotas_that_cannot_take_prod_stop_deploy_before_any_operation(
        fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    account = fresh.config.environments["prod"].account_id
    lam = fresh.client("lambda", "prod")
    lam.create_function(  # another team's function in the account reserves 300
        FunctionName="another-teams-function", Runtime="python3.12", Handler="index.handler",
        Role=f"arn:aws:iam::{account}:role/{EXECUTION_ROLE}", Code={"ZipFile": _zip()})
    lam.put_function_concurrency(FunctionName="another-teams-function",
                                 ReservedConcurrentExecutions=300)
    ec2 = fresh.client("ec2", "prod")
    others = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(4)]
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in range(4)]

    plan = fresh.payctl("plan", "prod")
    result = fresh.payctl("deploy", "prod")

    assert result.exit_code == 2, result.output
    addresses, vpc, concurrency = [line.removeprefix("error: ")
                                   for line in result.output.splitlines() if line.strip()]
    assert "prod.yaml: network.multi_az_nat: true needs 2 Elastic IP addresses" in addresses
    assert f"account {account}" in addresses and "4 of its 5 allocated to others" in addresses
    assert "release 1, or ask for at least 6" in addresses
    assert f"prod.yaml: the environment's VPC does not fit in account {account}" in vpc
    assert "5 of its 5 VPCs (the default VPC counts)" in vpc  # the default and these four
    assert "ask for at least 6 (Service Quotas, Amazon VPC, VPCs per Region, L-F678F1CE)" in vpc
    assert "prod.yaml: lambda.reserved_concurrency: 400 reserves 800" in concurrency
    assert f"account {account}" in concurrency and "quota is 1000 with 300 reserved" in concurrency
    assert "ask for at least 1200" in concurrency
    assert "or lower lambda.reserved_concurrency to 300" in concurrency
    for line in (addresses, vpc, concurrency):
        assert f"warning: deploy would refuse: {line}" in plan.output
    cfn = fresh.aws().client("cloudformation")
    assert cfn.list_stack_sets(Status="ACTIVE")["Summaries"] == []  # nothing was started

    lam.put_function_concurrency(FunctionName="another-teams-function",
                                 ReservedConcurrentExecutions=100)  # 800 + 100 + 100 fits
    ec2.release_address(AllocationId=others[0])  # 3 + 2 fits
    ec2.delete_vpc(VpcId=vpcs[0])
    assert "deploy would refuse" not in fresh.payctl("plan", "prod").output

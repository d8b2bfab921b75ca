"""Whether each account's quotas leave room for what the platform takes: Lambda's concurrency
for its reservations, and the Elastic IP addresses its NAT gateways hold.

Each function reserves `lambda.reserved_concurrency` from its account's quota, and Lambda keeps
100 unreserved (Lambda developer guide, "Configuring reserved concurrency for a function": "You
can reserve up to the Unreserved account concurrency value minus 100"). The quota is 1,000 by
default and lower in many new accounts, so prod's 2 x 400 can fail its first deploy partway
through a StackSet operation. Deploy refuses before any operation, and plan says it would,
with the quota to ask for (Service Quotas, "Concurrent executions", L-B99A9384).

Elastic IPs: 5 per Region by default ("Amazon VPC quotas"), one per NAT gateway (two with
`network.multi_az_nat`); EC2's DescribeAccountAttributes tells the account's
`vpc-max-elastic-ips`.

VPCs: 5 per Region by default, the default VPC among them ("Amazon VPC quotas"), and the
environment's stack makes one; Service Quotas' GetServiceQuota tells the account's value
(L-F678F1CE; GetAWSDefaultServiceQuota where the account has no applied value: "If the applied
quota value is not available for a quota, the quota is not retrieved").

The decisions (`refusal`, `address_refusal`, `vpc_refusal`) are pure: the account's settings
(GetAccountSettings; DescribeAccountAttributes and DescribeAddresses; GetServiceQuota and
DescribeVpcs) and what the platform holds now (GetFunctionConcurrency; its own addresses and
VPC, by its Project and Environment tags),
which a deploy keeps or gives back before it takes the new values. A read that fails is a
refusal too: not knowing is never "enough".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scripts.aws.clients import describe, error_code
from scripts.config.reader import Environment
from scripts.stacksets.deployer import READ_THREADS
from templates_py.blueprint import PROJECT, physical_name
from templates_py.compute import FUNCTIONS
from templates_py.network import AZ_COUNT
from templates_py.parameters import ENVIRONMENT, MULTI_AZ_NAT, RESERVED_CONCURRENCY

UNRESERVED_MINIMUM = 100
QUOTA_CODE = "L-B99A9384"  # Service Quotas: AWS Lambda, Concurrent executions
ADDRESS_QUOTA_CODE = "L-0263D0A3"  # Service Quotas: Amazon EC2, EC2-VPC Elastic IPs
VPC_QUOTA = {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"}  # Amazon VPC, VPCs per Region


@dataclass(frozen=True)
class Concurrency:
    """One account's Lambda concurrency, as GetAccountSettings and the functions report it."""

    limit: int
    unreserved: int
    ours: int  # what the platform's functions reserve now


@dataclass(frozen=True)
class Addresses:
    """One account's Elastic IPs in the environment's region."""

    limit: int  # vpc-max-elastic-ips
    allocated: int
    ours: int  # tagged with the platform's Project and this environment


@dataclass(frozen=True)
class Vpcs:
    """One account's VPCs in the environment's region."""

    limit: int
    existing: int
    ours: int  # tagged with the platform's Project and this environment


def _ours(env: Environment, items: Iterable[dict[str, Any]]) -> int:
    mine = {("Project", PROJECT), ("Environment", env.values[ENVIRONMENT.name])}
    return sum(1 for item in items if mine <= {(t["Key"], t["Value"]) for t in item.get("Tags", [])})


def function_names(env: Environment) -> list[str]:
    return [physical_name(spec.base_name, env.values[ENVIRONMENT.name]) for spec in FUNCTIONS]


def wanted(env: Environment) -> int:
    return int(env.values.get(RESERVED_CONCURRENCY.name, 0)) * len(FUNCTIONS)


def wanted_addresses(env: Environment) -> int:
    return AZ_COUNT if env.values.get(MULTI_AZ_NAT.name) == "true" else 1


def address_refusal(env: Environment, account: str, found: Addresses) -> str | None:
    """Why `account` cannot hold `env`'s NAT addresses (one line naming the file and key), or None."""
    want = wanted_addresses(env)
    others = found.allocated - found.ours
    if others + want <= found.limit:
        return None
    return (f"{env.source}: {MULTI_AZ_NAT.key}: {env.values.get(MULTI_AZ_NAT.name)} needs {want} "
            f"Elastic IP address{'es' if want > 1 else ''} for its NAT gateways in account "
            f"{account} ({env.region}), which has {others} of its {found.limit} allocated to "
            f"others: release {others + want - found.limit}, or ask for at least {others + want} "
            f"(Service Quotas, Amazon EC2, EC2-VPC Elastic IPs, {ADDRESS_QUOTA_CODE})")


def vpc_refusal(env: Environment, account: str, found: Vpcs) -> str | None:
    """Why `account` has no room for `env`'s VPC (one line naming the file), or None."""
    others = found.existing - found.ours
    if found.ours or others < found.limit:
        return None
    return (f"{env.source}: the environment's VPC does not fit in account {account} "
            f"({env.region}), which has {others} of its {found.limit} VPCs (the default VPC "
            f"counts): delete one it does not use, or ask for at least {others + 1} (Service "
            f"Quotas, Amazon VPC, VPCs per Region, {VPC_QUOTA['QuotaCode']})")


def refusal(env: Environment, account: str, found: Concurrency) -> str | None:
    """Why `account` cannot take `env`'s reservations (one line naming the file and key), or None."""
    want = wanted(env)
    others = found.limit - found.unreserved - found.ours  # reserved by functions not ours
    needed = others + want + UNRESERVED_MINIMUM
    if needed <= found.limit:
        return None
    per = int(env.values[RESERVED_CONCURRENCY.name])
    fits = max((found.limit - others - UNRESERVED_MINIMUM) // len(FUNCTIONS), 0)
    return (f"{env.source}: {RESERVED_CONCURRENCY.key}: {per} reserves {want} "
            f"({len(FUNCTIONS)} functions) in account {account} ({env.region}), whose Lambda "
            f"concurrency quota is {found.limit} with {others} reserved by other functions and "
            f"{UNRESERVED_MINIMUM} kept unreserved: ask for at least {needed} (Service Quotas, "
            f"AWS Lambda, Concurrent executions, {QUOTA_CODE}), or lower "
            f"{RESERVED_CONCURRENCY.key} to {fits} or less")


# -- I/O -------------------------------------------------------------------------------------------


def read(lam: Any, names: Iterable[str]) -> Concurrency:
    """GetAccountSettings, and GetFunctionConcurrency for each of the platform's functions
    (none yet, or none reserved: 0)."""
    limit = lam.get_account_settings()["AccountLimit"]
    ours = 0
    for name in names:
        try:
            ours += int(lam.get_function_concurrency(FunctionName=name)
                        .get("ReservedConcurrentExecutions") or 0)
        except Exception as err:
            if error_code(err) != "ResourceNotFoundException":
                raise
    return Concurrency(int(limit["ConcurrentExecutions"]),
                       int(limit["UnreservedConcurrentExecutions"]), ours)


def read_addresses(ec2: Any, env: Environment) -> Addresses:
    """vpc-max-elastic-ips, and the region's addresses: all, and the environment's own."""
    attributes = ec2.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])
    [limit] = [int(value["AttributeValue"]) for attribute in attributes["AccountAttributes"]
               if attribute["AttributeName"] == "vpc-max-elastic-ips"
               for value in attribute["AttributeValues"]]
    addresses = ec2.describe_addresses()["Addresses"]
    return Addresses(limit, len(addresses), _ours(env, addresses))


def read_vpcs(quotas: Any, ec2: Any, env: Environment) -> Vpcs:
    """The account's VPC quota (its applied value, else AWS's default), and the region's VPCs."""
    try:
        quota = quotas.get_service_quota(**VPC_QUOTA)["Quota"]
    except Exception as err:
        if error_code(err) != "NoSuchResourceException":
            raise
        quota = quotas.get_aws_default_service_quota(**VPC_QUOTA)["Quota"]
    vpcs = [v for page in ec2.get_paginator("describe_vpcs").paginate() for v in page["Vpcs"]]
    return Vpcs(int(quota["Value"]), len(vpcs), _ours(env, vpcs))


def refusals(environments: Iterable[Environment],
             client_in: Callable[[Environment, str, str], Any]) -> list[str]:
    """One line per account that cannot take what its environment needs, or whose quotas
    could not be read; the accounts are read side by side."""
    jobs = [(env, account) for env in environments for account in env.account_ids]

    def one(job: tuple[Environment, str]) -> list[str]:
        env, account = job
        try:
            ec2 = client_in(env, account, "ec2")
            lines = [address_refusal(env, account, read_addresses(ec2, env)),
                     vpc_refusal(env, account, read_vpcs(
                         client_in(env, account, "service-quotas"), ec2, env))]
            if wanted(env):
                lines.append(refusal(env, account, read(client_in(env, account, "lambda"),
                                                        function_names(env))))
        except Exception as err:  # no execution role yet, a read refused, ...
            return [f"{env.source}: cannot read the Lambda concurrency, Elastic IP and VPC quotas "
                    f"of account {account} ({env.region}), so cannot tell whether the "
                    f"environment fits: {describe(err)} (roles made before these reads get "
                    "them from `payctl bootstrap`)"]
        return [line for line in lines if line]

    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return [line for lines in pool.map(one, jobs) for line in lines]


def check(rollout: Any, environments: Iterable[Environment]) -> list[str]:
    """`refusals` for a rollout: Lambda, EC2 and Service Quotas read in each account through
    the read role."""
    role = rollout.config.deployment.read_role_name

    environments = list(environments)
    if sum(len(e.account_ids) for e in environments) > READ_THREADS:
        rollout.aws.prepare_fan_out(("lambda", "ec2", "service-quotas"))

    def client_in(env: Environment, account: str, service: str) -> Any:
        return rollout.aws.client_in(service, account, role, env.region)

    return refusals(environments, client_in)

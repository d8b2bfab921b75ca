"""Whether each account's Lambda concurrency quota leaves room for the platform's reservations.

Each function reserves `lambda.reserved_concurrency` from its account's quota, and Lambda keeps
100 unreserved (Lambda developer guide, "Configuring reserved concurrency for a function": "You
can reserve up to the Unreserved account concurrency value minus 100"). The quota is 1,000 by
default and lower in many new accounts, so prod's 2 x 400 can fail its first deploy partway
through a StackSet operation. Deploy refuses before any operation, and plan says it would,
with the quota to ask for (Service Quotas, "Concurrent executions", L-B99A9384).

The decision (`refusal`) is pure: the account's settings (GetAccountSettings) and what the
platform's own functions reserve now (GetFunctionConcurrency), which a deploy gives back before
it takes the new values. A read that fails is a refusal too: not knowing is never "enough".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scripts.aws.clients import describe, error_code
from scripts.config.reader import Environment
from scripts.stacksets.deployer import READ_THREADS
from templates_py.compute import PAYMENT_PROCESSOR, SESSION_MANAGER
from templates_py.parameters import ENVIRONMENT, RESERVED_CONCURRENCY

FUNCTIONS = (PAYMENT_PROCESSOR, SESSION_MANAGER)
UNRESERVED_MINIMUM = 100
QUOTA_CODE = "L-B99A9384"  # Service Quotas: AWS Lambda, Concurrent executions


@dataclass(frozen=True)
class Concurrency:
    """One account's Lambda concurrency, as GetAccountSettings and the functions report it."""

    limit: int
    unreserved: int
    ours: int  # what the platform's functions reserve now


def function_names(env: Environment) -> list[str]:
    return [f"{spec.base_name}-{env.values[ENVIRONMENT.name]}" for spec in FUNCTIONS]


def wanted(env: Environment) -> int:
    return int(env.values.get(RESERVED_CONCURRENCY.name, 0)) * len(FUNCTIONS)


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


def refusals(environments: Iterable[Environment],
             lambda_in: Callable[[Environment, str], Any]) -> list[str]:
    """One line per account that cannot take its environment's reservations, or whose quota
    could not be read; the accounts are read side by side."""
    jobs = [(env, account) for env in environments if wanted(env)
            for account in env.account_ids]

    def one(job: tuple[Environment, str]) -> str | None:
        env, account = job
        try:
            found = read(lambda_in(env, account), function_names(env))
        except Exception as err:  # no execution role yet, a read refused, ...
            return (f"{env.source}: cannot read the Lambda concurrency quota of account "
                    f"{account} ({env.region}), so cannot tell whether "
                    f"{RESERVED_CONCURRENCY.key} fits: {describe(err)} (roles made before "
                    "these reads get lambda:GetAccountSettings and GetFunctionConcurrency from "
                    "`payctl bootstrap`)")
        return refusal(env, account, found)

    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return [line for line in pool.map(one, jobs) if line]


def check(rollout: Any, environments: Iterable[Environment]) -> list[str]:
    """`refusals` for a rollout: Lambda read in each account through the read role."""
    role = rollout.config.deployment.read_role_name

    environments = list(environments)
    if sum(len(e.account_ids) for e in environments) > READ_THREADS:
        rollout.aws.prepare_fan_out(("lambda",))

    def lambda_in(env: Environment, account: str) -> Any:
        return rollout.aws.client_in("lambda", account, role, env.region)

    return refusals(environments, lambda_in)

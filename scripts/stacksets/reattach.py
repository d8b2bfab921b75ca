"""Re-attach to saved operations: wait for each to its end, in the order saved.

An operation that was never started (the stop came while its request was in flight) is said so
and skipped; a stop while waiting keeps every operation not yet seen to its end; a failure names
what remains of the interrupted rollout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scripts.aws.clients import error_code
from scripts.errors import DeploymentError
from scripts.stacksets.operations import (
    AccountFailure,
    Detached,
    FailedAccounts,
    OperationFailed,
    unsuccessful,
)
from scripts.stacksets.pending import Intent


def reattach(waiter: Any, operations: tuple[tuple[str, str], ...], say: Callable[[str], None],
             intent: Intent | None, names: dict[str, str]) -> list[str]:
    """The result line of each operation; raises on a failure or a new stop, and for accounts
    that failed inside an operation that SUCCEEDED within its failure tolerance."""
    lines = []
    failed: list[AccountFailure] = []
    for k, (stack_set, operation_id) in enumerate(operations):
        say(f"{stack_set}: re-attaching to operation {operation_id}")
        try:
            failed += [AccountFailure(stack_set, operation_id, r)
                       for r in unsuccessful(waiter.wait(stack_set, operation_id))]
        except Detached as err:
            err.operations = list(dict.fromkeys(err.operations + list(operations[k + 1:])))
            raise
        except OperationFailed as err:
            remains = f"\n  the rollout `{intent.again}` did not finish; `payctl plan " \
                      f"{' '.join(intent.environments)}` shows what remains" if intent else ""
            raise DeploymentError(f"{err}{remains}") from None
        except Exception as err:
            if error_code(err) != "OperationNotFoundException":
                raise
            lines.append(f"{stack_set}: operation {operation_id} was never started")
            continue
        lines.append(f"{stack_set}: operation {operation_id} SUCCEEDED")
    if failed:
        raise FailedAccounts(failed, names)
    return lines

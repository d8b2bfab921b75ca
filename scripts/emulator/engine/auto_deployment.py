"""Automatic deployment of service-managed StackSets to accounts that join a target OU.

"Describes whether StackSets automatically deploys to Organizations accounts that are added to
a target organization or organizational unit (OU)" (AutoDeployment, API reference);
"StackSetOperationPreferences don't apply to AutoDeployment". An account that joins (created
in, or moved into, a target OU or one of its children) gets an instance in every Region the
StackSet already deploys to. Removal (RetainStacksOnAccountRemoval) is not modelled.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.organizations.models import OrganizationsBackend

from scripts.emulator.engine import scheduler, work
from scripts.emulator.engine.model import LOCK, REGISTRY, Instance, Operation, Result


def install() -> None:
    original_move, original_create = OrganizationsBackend.move_account, OrganizationsBackend.create_account

    def move_account(self: OrganizationsBackend, **kwargs: Any) -> None:
        original_move(self, **kwargs)
        joined(self, kwargs["AccountId"])

    def create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        status = original_create(self, **kwargs)
        joined(self, status["CreateAccountStatus"]["AccountId"])
        return status

    OrganizationsBackend.move_account = move_account
    OrganizationsBackend.create_account = create_account


def _ancestors(backend: OrganizationsBackend, parent: str) -> set[str]:
    found = {parent}
    for ou in backend.ou:
        if ou.id == parent:
            found |= _ancestors(backend, ou.parent_id)
    return found


def joined(backend: OrganizationsBackend, account: str) -> None:
    parent = next(a.parent_id for a in backend.accounts if a.id == account)
    ancestors = _ancestors(backend, parent)
    with LOCK:
        for stack_set in REGISTRY.all():
            unit = next((u for u in stack_set.organizational_unit_ids if u in ancestors), None)
            if stack_set.owner != backend.account_id or stack_set.status != "ACTIVE" or \
                    not (stack_set.auto_deployment or {}).get("Enabled") or unit is None:
                continue
            regions = sorted({i.region for i in stack_set.instances.values()})
            new = [r for r in regions if (account, r) not in stack_set.instances]
            if not new:
                continue
            for region in new:
                stack_set.instances[(account, region)] = Instance(
                    stack_set.stack_set_id, account, region, organizational_unit_id=unit)
            operation = Operation(
                operation_id=str(uuid.uuid4()), stack_set_id=stack_set.stack_set_id,
                action="CREATE", request={"AutoDeployment": account}, preferences={},
                results=[Result(account, r, organizational_unit_id=unit) for r in new])
            scheduler.submit(stack_set, operation, work.deploy, scheduler.succeeded, scheduler.failed)

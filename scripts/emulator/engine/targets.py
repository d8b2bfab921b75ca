"""Which accounts an operation reaches, and who may administer a service-managed StackSet.

Self-managed StackSets name accounts. Service-managed ones name organizational units of the
organization moto's Organizations holds, narrowed by AccountFilterType (DeploymentTargets in
the API reference): NONE deploys to every account in the OUs and their child OUs, INTERSECTION
to the listed accounts that are in them, DIFFERENCE to the OUs' accounts except the listed
ones, UNION to both. "CloudFormation doesn't deploy stack instances to the organization
management account, even if the organization management account is in your organization or in
an OU in your organization."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.organizations.models import organizations_backends

from scripts.emulator.engine.errors import ValidationError

STACKSETS_SERVICE = "member.org.stacksets.cloudformation.amazonaws.com"


@dataclass(frozen=True)
class Target:
    account: str
    organizational_unit_id: str | None = None


def _organization(management: str) -> Any:
    backend = organizations_backends[management]["aws"]
    if backend.org is None:
        raise ValidationError("StackSets with SERVICE_MANAGED permission model require an "
                              "organization in AWS Organizations with all features enabled")
    return backend


def management_account(caller: str, call_as: str | None) -> str:
    """The account whose StackSets the caller acts on. A delegated administrator acts on the
    management account's StackSets ("StackSets with service-managed permissions are created in
    the management account, including StackSets that are created by delegated
    administrators" — CreateStackSet, CallAs)."""
    if call_as != "DELEGATED_ADMIN":
        return caller
    master = organizations_backends.master_accounts.get(caller)
    if master is None:
        raise ValidationError(f"Account {caller} is not a member of an organization")
    management = master[0]
    admins = organizations_backends[management]["aws"].admins
    if not any(a.account.id == caller and STACKSETS_SERVICE in a.services for a in admins):
        raise ValidationError(f"Account used is not a delegated administrator: {caller}")
    return management


def allow_stacksets_delegation() -> None:
    """CloudFormation StackSets is one of the services that can have a delegated administrator
    (Organizations User Guide, services that work with Organizations); moto's list lacks it."""
    from moto.organizations.models import FakeDelegatedAdministrator

    if STACKSETS_SERVICE not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(STACKSETS_SERVICE)


def _children(backend: Any, parent: str) -> list[str]:
    found = [parent]
    for ou in backend.ou:
        if ou.parent_id == parent:
            found += _children(backend, ou.id)
    return found


def organization_targets(management: str, deployment_targets: dict[str, Any]) -> list[Target]:
    backend = _organization(management)
    units = deployment_targets.get("OrganizationalUnitIds") or []
    listed = list(dict.fromkeys(deployment_targets.get("Accounts") or []))
    kind = deployment_targets.get("AccountFilterType", "NONE")
    in_units: dict[str, str] = {}
    for unit in units:
        for parent in _children(backend, unit):
            for account in backend.accounts:
                if account.parent_id == parent:
                    in_units.setdefault(account.id, unit)
    if not units:
        chosen = [Target(a) for a in listed]
    elif kind == "INTERSECTION":
        chosen = [Target(a, in_units[a]) for a in listed if a in in_units]
    elif kind == "DIFFERENCE":
        chosen = [Target(a, u) for a, u in in_units.items() if a not in listed]
    elif kind == "UNION":
        chosen = [Target(a, u) for a, u in in_units.items()] + \
                 [Target(a) for a in listed if a not in in_units]
    else:
        chosen = [Target(a, u) for a, u in in_units.items()]
    return [t for t in chosen if t.account != management]


def member_of(management: str, account: str) -> bool:
    """Whether `account` belongs to the organization `management` manages."""
    master = organizations_backends.master_accounts.get(account)
    return account == management or (master is not None and master[0] == management)

"""Who may assume a role: the role's trust policy and the caller's own policies, as IAM decides.

moto's AssumeRole hands out credentials for any ARN ("the role does not need to exist"), and its
IAM evaluator (moto.iam.access_control, behind INITIAL_NO_AUTH_ACTION_COUNT) matches a trust
policy's principal only as the exact string of the caller's session ARN, so an account's root
(`arn:aws:iam::111122223333:root`, the usual cross-account trust) never matches; it looks the
role up in the caller's account, not the role's; and it ignores every condition operator but
StringEquals. Turning it on would also refuse the operator's own credentials, which moto did not
issue. So the decision is made here, on the same documents moto keeps:

- The role must exist (IAM user guide, "Troubleshooting IAM roles": "You cannot assume a role
  that does not exist"; AssumeRole fails with AccessDenied "User: <caller> is not authorized to
  perform: sts:AssumeRole on resource: <role>").
- Its trust policy must allow the caller ("Cross account resource access in IAM": "the trust
  policy of the role ... specifies who can assume it"): a principal of `*`, the caller's
  account id or root ARN, its role's ARN, or its session's ARN; every condition must hold;
  a Deny wins. Condition keys: `sts:ExternalId` ("the administrator of the trusting account can
  require it"), `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalOrgID`; operators:
  String(Not)Equals, String(Not)Like, Arn(Not)Equals, Arn(Not)Like, with IfExists. An operator
  or key not listed is taken as not met: the stricter reading. (Keys are case-insensitive:
  IAM user guide, "condition keys".)
- The caller's identity policies must allow `sts:AssumeRole` on the role ("the user must have
  permissions to assume the role", both sides for cross-account access): Action (or
  NotAction), Resource (or NotResource) and conditions, `aws:ResourceAccount` being the role's
  account, with a Deny winning; unless the trust
  policy names the caller's own role in the same account. Credentials moto did not issue (the
  operator's, which land in the admin account) stand for a principal with administrator rights:
  the emulator cannot know what the real operator's policies would be.
"""

from __future__ import annotations

import fnmatch
import json
import os
from typing import Any

ASSUME = "sts:AssumeRole"
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
INVITED_VARIABLE = "PAYCTL_EMULATOR_INVITED_ACCOUNTS"


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _matches(statement: dict[str, Any], key: str, value: str) -> bool:
    """Actions match whatever their case; ARNs as written (IAM user guide, "IAM JSON policy
    elements": action names are case-insensitive, resource ARNs case-sensitive)."""
    fold = str.lower if key in ("Action", "NotAction") else str
    return any(fnmatch.fnmatchcase(fold(value), fold(pattern))
               for pattern in _listed(statement.get(key)))


def _principals(caller: dict[str, Any]) -> set[str]:
    account = caller["account"]
    names = {"*", account, f"arn:aws:iam::{account}:root", caller["arn"]}
    if caller.get("role_arn"):
        names.add(caller["role_arn"])
    return names


def _condition_holds(operator: str, values: dict[str, Any], context: dict[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    tests = {
        "StringEquals": lambda v, p: v == p, "StringNotEquals": lambda v, p: v != p,
        "StringLike": fnmatch.fnmatchcase, "StringNotLike": lambda v, p: not fnmatch.fnmatchcase(v, p),
        "ArnEquals": lambda v, p: v == p, "ArnLike": fnmatch.fnmatchcase,
        "ArnNotEquals": lambda v, p: v != p, "ArnNotLike": lambda v, p: not fnmatch.fnmatchcase(v, p),
    }
    test = tests.get(base)
    if test is None or not isinstance(values, dict):
        return False  # an operator this module does not evaluate: not met
    for key, expected in values.items():
        actual = context.get(key.lower())
        if actual is None:
            if if_exists:
                continue
            return False
        patterns = _listed(expected)
        if base.startswith(("StringNot", "ArnNot")):
            if not all(test(actual, p) for p in patterns):
                return False
        elif not any(test(actual, p) for p in patterns):
            return False
    return True


def trust_allows(trust_policy: str, caller: dict[str, Any], context: dict[str, str]) -> bool:
    """Whether `trust_policy` lets `caller` (account, arn, role_arn) assume the role."""
    try:
        statements = json.loads(trust_policy)["Statement"]
    except (ValueError, KeyError, TypeError):
        return False
    allowed = False
    names = _principals(caller)
    for statement in statements if isinstance(statements, list) else [statements]:
        if not _matches(statement, "Action", ASSUME):
            continue
        principal = statement.get("Principal")
        named = _listed(principal.get("AWS")) if isinstance(principal, dict) else _listed(principal)
        if not names & set(named):
            continue
        conditions = statement.get("Condition") or {}
        if not all(_condition_holds(op, values, context) for op, values in conditions.items()):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _document(policy: Any) -> dict[str, Any]:
    """A policy's document: inline (text or parsed) or managed (its default version)."""
    if hasattr(policy, "versions"):
        policy = next(v.document for v in policy.versions if v.is_default)
    return json.loads(policy) if isinstance(policy, str) else policy


def identity_allows(policies: list[Any], action: str, resource: str,
                    context: dict[str, str]) -> bool:
    """Whether identity policies allow `action` on `resource`: an Allow whose Action, Resource
    and conditions match, and no such Deny (IAM user guide, "Policy evaluation logic")."""
    permitted = False
    for policy in policies:
        try:
            statements = _document(policy)["Statement"]
        except (ValueError, KeyError, TypeError):
            continue
        for statement in statements if isinstance(statements, list) else [statements]:
            acts = _matches(statement, "Action", action) if "Action" in statement else \
                not _matches(statement, "NotAction", action)
            on = _matches(statement, "Resource", resource) if "Resource" in statement else \
                not _matches(statement, "NotResource", resource)
            conditions = statement.get("Condition") or {}
            if not (acts and on and all(_condition_holds(op, values, context)
                                        for op, values in conditions.items())):
                continue
            if statement.get("Effect") == "Deny":
                return False
            permitted = permitted or statement.get("Effect") == "Allow"
    return permitted


def role_named(account: str, name: str) -> Any:
    """The IAM role called `name` in `account` (moto keys roles by id), or None."""
    from moto.iam.models import iam_backends

    return next((r for r in iam_backends[account]["global"].roles.values() if r.name == name),
                None)


def _organization_of(account: str) -> str | None:
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts.get(account, (account, "aws"))[0]
    org = organizations_backends[master]["aws"].org
    return org.id if org is not None else None


def refusal(caller: dict[str, Any], policies: list[Any] | None, role_arn: str,
            external_id: str | None) -> str | None:
    """AWS's AccessDenied message when `caller` may not assume `role_arn`, else None.
    `policies` None: the operator's own credentials (administrator rights)."""
    denied = f"User: {caller['arn']} is not authorized to perform: {ASSUME} on resource: {role_arn}"
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return denied
    role_name = parts[5].rsplit("/", 1)[-1]
    role = role_named(parts[4], role_name)
    if role is None and role_name == ORGANIZATION_ROLE:
        role = _organization_role(parts[4])
    if role is None:
        return denied
    known = {"sts:externalid": external_id, "aws:resourceaccount": parts[4],
             **request_context(caller)}
    context = {k: v for k, v in known.items() if v is not None}
    if not trust_allows(role.assume_role_policy_document, caller, context):
        return denied
    named_directly = caller.get("role_arn") == role.arn
    if policies is not None and not named_directly and \
            not identity_allows(policies, ASSUME, role.arn, context):
        return denied
    return None


def request_context(caller: dict[str, Any]) -> dict[str, str]:
    """The global condition keys IAM sets for `caller` (lower-case: keys are case-insensitive)."""
    org = _organization_of(caller["account"])
    return {"aws:principalaccount": caller["account"],
            "aws:principalarn": caller.get("role_arn") or caller["arn"],
            **({"aws:principalorgid": org} if org else {})}


def caller_of(account: str, access_key_id: str) -> tuple[dict[str, Any], list[Any] | None]:
    """The caller behind an access key: its account, ARN and role, and its identity policies
    (None for credentials moto did not issue)."""
    from moto.sts.models import sts_backends

    assumed = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key_id)
    if assumed is None:
        return {"account": account, "arn": f"arn:aws:sts::{account}:user/moto"}, None
    role = role_named(account, assumed.role_arn.rsplit("/", 1)[-1])
    if role is None:
        return {"account": account, "arn": assumed.arn, "role_arn": assumed.role_arn}, []
    return {"account": account, "arn": assumed.arn, "role_arn": role.arn}, role_policies(role)


def role_policies(role: Any) -> list[Any]:
    """A role's inline and attached policies, as moto's evaluator takes them."""
    return [*(json.dumps(p) if isinstance(p, dict) else p for p in role.policies.values()),
            *role.managed_policies.values()]


def _organization_role(account: str) -> Any:
    """The role AWS Organizations leaves in an account it creates (Organizations user guide,
    "Accessing member accounts": it "automatically creates an IAM role named
    OrganizationAccountAccessRole ... The role has full administrative permissions ... and
    trusts the management account"). The emulator's accounts stand for such accounts, made when
    first assumed, except those `INVITED_VARIABLE` lists (comma-separated): "an invited
    account ... does not automatically get the role"."""
    from moto.iam.models import DEFAULT_ACCOUNT_ID, iam_backends
    from moto.organizations.models import organizations_backends

    invited = {a.strip() for a in os.environ.get(INVITED_VARIABLE, "").split(",") if a.strip()}
    management = organizations_backends.master_accounts.get(account, (DEFAULT_ACCOUNT_ID,))[0]
    if account in invited or account == management:
        return None
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
        "Action": ASSUME}]})
    iam = iam_backends[account]["global"]
    role = iam.create_role(role_name=ORGANIZATION_ROLE, assume_role_policy_document=trust,
                           path="/", permissions_boundary=None, description="", tags=[],
                           max_session_duration="3600")
    iam.attach_role_policy(ADMINISTRATOR_ACCESS, ORGANIZATION_ROLE)
    return role


def _created_accounts_get_administrator_access() -> None:
    """moto creates the role in an account Organizations creates, but with no policy."""
    from moto.iam.models import iam_backends
    from moto.organizations.models import OrganizationsBackend

    create = OrganizationsBackend.create_account

    def create_account(self: OrganizationsBackend, **kwargs: Any) -> Any:
        status = create(self, **kwargs)
        account = status["CreateAccountStatus"]["AccountId"]
        iam_backends[account]["global"].attach_role_policy(
            ADMINISTRATOR_ACCESS, kwargs.get("RoleName", ORGANIZATION_ROLE))
        return status

    OrganizationsBackend.create_account = create_account


def _template_roles_carry_their_policies() -> None:
    """moto's AWS::IAM::Role ignores ManagedPolicyArns, and its update keeps the old trust
    policy and inline policies; the resource reference (AWS::IAM::Role) has the role carry
    what its properties say, which is what the decisions above read. Deleting it detaches them
    first, as CloudFormation does (IAM refuses to delete a role with policies attached)."""
    from moto.iam.models import Role, iam_backends

    create = Role.create_from_cloudformation_json.__func__
    update = Role.update_from_cloudformation_json.__func__
    delete = Role.delete_from_cloudformation_json.__func__

    def carry(role: Any, props: dict[str, Any], account: str) -> None:
        iam = iam_backends[account]["global"]
        wanted = set(props.get("ManagedPolicyArns", []))
        for arn in set(role.managed_policies) - wanted:
            iam.detach_role_policy(arn, role.name)
        for arn in wanted - set(role.managed_policies):
            iam.attach_role_policy(arn, role.name)

    def created(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str, **kwargs: Any) -> Any:
        role = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        carry(role, cloudformation_json.get("Properties", {}), account_id)
        return role

    def updated(cls: type, original_resource: Any, new_resource_name: str,
                cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        role = update(cls, original_resource, new_resource_name, cloudformation_json,
                      account_id, region_name)
        props = cloudformation_json.get("Properties", {})
        trust = props.get("AssumeRolePolicyDocument")
        if trust is not None:
            role.assume_role_policy_document = trust if isinstance(trust, str) else json.dumps(trust)
        role.policies = {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
        carry(role, props, account_id)
        return role

    def deleted(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str) -> None:
        iam = iam_backends[account_id]["global"]
        for role in [r for r in iam.roles.values() if r.name == resource_name]:
            for arn in list(role.managed_policies):
                iam.detach_role_policy(arn, role.name)
        delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.create_from_cloudformation_json = classmethod(created)
    Role.delete_from_cloudformation_json = classmethod(deleted)
    Role.update_from_cloudformation_json = classmethod(updated)


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    _created_accounts_get_administrator_access()
    _template_roles_carry_their_policies()

    assume_role = TokenResponse.assume_role

    def checked(self: TokenResponse) -> Any:
        caller, policies = caller_of(self.current_account, self.get_access_key())
        reason = refusal(caller, policies, self._get_param("RoleArn") or "",
                         self._get_param("ExternalId"))
        if reason is None:
            return assume_role(self)
        # AccessDenied is not in STS's model, whose serializer would then answer 400
        _, headers, body = self.serialized(ActionResult(STSClientError("AccessDenied", reason)))
        return 403, {**headers, "status": 403}, body

    TokenResponse.assume_role = checked

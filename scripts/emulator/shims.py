"""Where moto differs from AWS in ways the platform depends on, make it behave like AWS.

Each shim is small, names the AWS behaviour it restores, and patches moto in this process only
(the emulator's server runs in-process). None of them is visible to the deployer, which talks
to the emulator over HTTP exactly as to AWS.
"""

from __future__ import annotations

import json
from typing import Any

_applied = False


def apply(admin_account_id: str, time_scale: float) -> None:
    global _applied
    _credentials_land_in(admin_account_id)
    _access_keys_found_where_they_are()
    from scripts.emulator import engine, resources

    engine.install(time_scale)
    if _applied:
        return
    _applied = True
    from scripts.emulator import (
        cloudfront_regions,
        drift,
        imports,
        isolation,
        quotas,
        service_models,
        stacks,
        template_rules,
        trust,
    )

    _requests_arrive_over_tls()
    _conditions_compare_text()
    _unsupported_types_fail()
    _stacks_list_only_created_resources()
    _unimplemented_actions_answer_like_aws()
    _change_sets_accept_stack_ids()
    _parameters_read_back_as_text()
    _exports_honour_conditions()
    _hosted_zones_have_name_servers()
    _key_deletion_waits_seven_to_thirty_days()
    _log_groups_described_by_name()
    resources.register()
    quotas.apply()  # after register: the quota is checked before moto and the completions run
    cloudfront_regions.apply()
    trust.apply()
    stacks.apply()
    template_rules.apply()
    imports.apply()
    drift.apply()
    isolation.apply()
    service_models.apply()


def _credentials_land_in(admin_account_id: str) -> None:
    """Credentials moto did not issue (the caller's own) belong to the admin account; keys from
    `sts:AssumeRole` belong to the role's account. (MOTO_ACCOUNT_ID would pin every request,
    assumed or not, to one account.)"""
    import moto.iam.models

    moto.iam.models.DEFAULT_ACCOUNT_ID = admin_account_id


def _access_keys_found_where_they_are() -> None:
    """Which account a request's access key belongs to, without building IAM for partitions
    nobody uses. moto answers by looking the key up in every account's IAM in every partition
    (six), creating each missing one on the way, with AWS's ~1,000 managed policies each
    (~0.15 s): a request signed with the caller's own keys, which no account holds, cost ~0.9 s
    per account the first time (~270 s at 300 accounts, inside the first deploy's first
    request). A key can only be held by an IAM that exists, so only those are searched; the
    answer is the same. Performance only: AWS has no such cost."""
    import moto.iam.models

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(moto.iam.models.iam_backends.items()):
            for iam in list(account.values()):  # the partitions built so far
                if access_key in iam.access_keys:
                    return account_id
        return moto.iam.models.DEFAULT_ACCOUNT_ID

    moto.iam.models.get_account_id_from = get_account_id_from


def _requests_arrive_over_tls() -> None:
    """The emulator stands in for AWS's HTTPS endpoints, so `aws:SecureTransport` is true.

    moto evaluates bucket policies without request context and ignores `Bool` conditions, so a
    TLS-only deny statement would deny every request. A statement whose `aws:SecureTransport`
    condition a TLS request does not meet is left out, as IAM does.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    def applies_over_tls(statement: dict[str, Any]) -> bool:
        wanted = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
        return wanted is None or str(wanted).lower() == "true"

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(self.policy)["Statement"]
        permitted = False
        for statement in statements if isinstance(statements, list) else [statements]:
            if not applies_over_tls(statement):
                continue
            result = IAMPolicyStatement(statement).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return result
            permitted = permitted or result == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission


def _conditions_compare_text() -> None:
    """`Fn::Equals` compares the values' text, as CloudFormation does. moto turns a Number
    parameter into an int first, so `Equals(Ref LogRetentionDays, "30")` would never hold."""
    from moto.cloudformation import parsing

    original = parsing.parse_condition

    def text(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    def parse_condition(condition: Any, resources_map: Any, condition_map: dict[str, Any]) -> Any:
        if isinstance(condition, dict) and list(condition) == ["Fn::Equals"]:
            left, right = (condition_map[v["Condition"]] if isinstance(v, dict) and "Condition" in v
                           else parsing.clean_json(v, resources_map)
                           for v in condition["Fn::Equals"])
            return text(left) == text(right)
        return original(condition, resources_map, condition_map)

    parsing.parse_condition = parse_condition


def _unsupported_types_fail() -> None:
    """A resource type the emulator cannot create fails the stack, as an unknown type does in
    CloudFormation, instead of moto's warning and silent skip: a green demo then means every
    resource exists."""
    from moto.cloudformation import parsing

    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        known = resource_type in parsing.NULL_MODELS or resource_type.startswith("Custom::") \
            or resource_type in parsing.get_model_map()
        if not known:
            raise ValueError(f"resource type {resource_type} is not supported by the emulator")
        return original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type


def _stacks_list_only_created_resources() -> None:
    """A resource whose condition is false does not exist; moto lists it with empty fields."""
    from moto.cloudformation.models import Stack

    Stack.stack_resources = property(lambda self: [r for r in self.resource_map.values()
                                                   if r is not None and not isinstance(r, str)])


def _unimplemented_actions_answer_like_aws() -> None:
    """An action moto lacks (StackSet drift detection, for one) gets AWS's answer to an action an
    endpoint does not offer, `InvalidAction` with HTTP 400, instead of an HTML error page."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse

    class InvalidAction(ServiceException):
        code = "InvalidAction"

    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Any:
        try:
            return original(self)
        except NotImplementedError as err:
            _, headers, body = self.serialized(ActionResult(InvalidAction(str(err))))
            return 400, headers, body

    BaseResponse.call_action = call_action


def _change_sets_accept_stack_ids() -> None:
    """CreateChangeSet takes a stack's name or id (moto finds an existing stack by name only),
    and a change of parameter values changes the resources that use them (moto compares the
    templates only)."""
    from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend

    def diff(self: ChangeSet) -> list[Change]:
        actions = self.stack.resource_map.build_resource_diff(self.template_dict, self.parameters)
        resources = self.template_dict.get("Resources", {})
        old = self.stack.resource_map._resource_json_map
        return [Change(action=action, logical_resource_id=name,
                       resource_type=(resources.get(name) or old[name])["Type"])
                for action, names in actions.items() for name in names]

    ChangeSet.diff = diff

    original = CloudFormationBackend.create_change_set

    def create_change_set(self: CloudFormationBackend, stack_name: str, *args: Any,
                          **kwargs: Any) -> Any:
        if stack_name.startswith("arn:") and stack_name in self.stacks:
            stack_name = self.stacks[stack_name].name
        return original(self, stack_name, *args, **kwargs)

    CloudFormationBackend.create_change_set = create_change_set


def _parameters_read_back_as_text() -> None:
    """DescribeStacks returns each parameter value as the text it was given: a
    CommaDelimitedList as "a,b" (moto answers with a Python list's repr)."""
    from moto.cloudformation.models import Stack

    original = Stack.parameter_list.fget

    def text(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(text(v) for v in value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    Stack.parameter_list = property(lambda self: [
        {**p, "ParameterValue": text(p["ParameterValue"])} for p in original(self)])


def _exports_honour_conditions() -> None:
    """An output whose Condition is false does not exist, so neither does its export (moto
    evaluates every exported value, and fails on a resource that was never created)."""
    from moto.cloudformation.parsing import Export, OutputMap, clean_json

    def exports(self: OutputMap) -> list[Export]:
        conditions = self._resource_map.lazy_condition_map
        return [Export(self._stack_id, clean_json(output["Export"].get("Name"), self._resource_map),
                       clean_json(output.get("Value"), self._resource_map))
                for output in (self._output_json_map or {}).values()
                if output.get("Export") and conditions.get(output.get("Condition", ""), True)]

    OutputMap.exports = property(exports)


def _hosted_zones_have_name_servers() -> None:
    """GetAtt on a hosted zone: NameServers "Returns the set of name servers for the specific
    hosted zone" and Id its id (AWS::Route53::HostedZone, return values); moto's zone has no
    attributes, so an output using them silently disappears."""
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.route53.models import FakeZone

    def attribute(self: FakeZone, name: str) -> Any:
        if name == "NameServers" and self.delegation_set is not None:
            return list(self.delegation_set.name_servers)
        if name == "Id":
            return self.id
        raise UnformattedGetAttTemplateException()

    FakeZone.has_cfn_attr = classmethod(lambda cls, name: name in ("NameServers", "Id"))
    FakeZone.get_cfn_attribute = attribute


def _key_deletion_waits_seven_to_thirty_days() -> None:
    """ScheduleKeyDeletion, PendingWindowInDays: "This value is optional. If you include a value,
    it must be between 7 and 30, inclusive" (KMS API reference). moto accepts any number (6 puts
    the key in PendingDeletion with no DeletionDate); AWS refuses with a ValidationException."""
    from moto.kms.exceptions import ValidationException
    from moto.kms.responses import KmsResponse

    original = KmsResponse.schedule_key_deletion

    def schedule_key_deletion(self: KmsResponse) -> str:
        days = self._get_param("PendingWindowInDays")
        if days is not None and not 7 <= int(days) <= 30:
            raise ValidationException(
                f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
                "satisfy constraint: Member must have value less than or equal to 30 and greater "
                "than or equal to 7")
        return original(self)

    KmsResponse.schedule_key_deletion = schedule_key_deletion


def _log_groups_described_by_name() -> None:
    """DescribeLogGroups, logGroupIdentifiers: "Use this array to filter the list of log groups
    returned. If you specify this parameter, the only other filter that you can choose to
    specify is includeLinkedAccounts. [...] If you are using this operation in an account that
    is not a cross-account monitoring account, you can specify only log group names in the same
    account as the operation" (CloudWatch Logs API reference; 1 to 50 identifiers). moto ignores
    the parameter and answers every log group of the account (the first 50), so a look-up by
    name would find whatever else is there. The emulator has no monitoring accounts: names
    only, the results ASCII-sorted by name as for every DescribeLogGroups."""
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.responses import LogsResponse

    original = LogsResponse.describe_log_groups

    def describe_log_groups(self: LogsResponse) -> str:
        identifiers = self._get_param("logGroupIdentifiers")
        if identifiers is None:
            return original(self)
        if not 1 <= len(identifiers) <= 50:
            raise InvalidParameterException(
                constraint="Member must have length less than or equal to 50 and greater than "
                "or equal to 1", parameter="logGroupIdentifiers", value=identifiers)
        others = [p for p in ("logGroupNamePrefix", "logGroupNamePattern", "logGroupClass",
                              "accountIdentifiers") if self._get_param(p) is not None]
        if others:
            raise InvalidParameterException(
                f"logGroupIdentifiers cannot be specified with {', '.join(others)}")
        if any(i.startswith("arn:") for i in identifiers):
            raise InvalidParameterException(
                "log group ARNs can be specified only in a monitoring account; use names")
        limit = int(self._get_param("limit", 50))
        start = int(self._get_param("nextToken") or 0)
        groups = self.logs_backend.groups
        found = sorted((groups[i] for i in set(identifiers) if i in groups), key=lambda g: g.name)
        page = found[start:start + limit]
        more = start + limit < len(found)
        return json.dumps({"logGroups": [g.to_describe_dict() for g in page],
                           **({"nextToken": str(start + limit)} if more else {})})

    LogsResponse.describe_log_groups = describe_log_groups

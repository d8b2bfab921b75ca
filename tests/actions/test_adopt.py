"""Adoption (scripts/actions/adoption.py, survey.py, adopt.py): which retained resources a
template names in an account, the import template, and the refusal a conflict gives."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel
from botocore.stub import Stubber
from service_models import logs_client, logs_model

from scripts.actions.adoption import (
    Adoption,
    Found,
    Retained,
    import_template,
    refusal,
    resolve,
    resources_to_import,
    retained,
    unreadable,
)
from scripts.actions.survey import log_groups, probe, survey
from scripts.aws.intrinsics import condition_holds, references
from scripts.errors import DeploymentError
from scripts.plan.decide import Target

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = json.loads((ROOT / "build" / "templates" / "payment-platform.json").read_text())
PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", "AWS::Partition": "aws"}
TARGET = Target("dev", "123456789012", "us-east-1", {"Environment": "dev"})
# What the survey reads off a client besides its calls: the operations its botocore models.
LOGS_META = SimpleNamespace(service_model=ServiceModel(logs_model(identifiers=True), "logs"))


def test_names_resolve_from_parameters_and_pseudo_parameters() -> None:
    assert resolve({"Fn::Sub": "b-${Environment}-${AWS::AccountId}"}, {"Environment": "dev"},
                   PSEUDO) == "b-dev-123456789012"
    assert resolve({"Fn::Sub": ["t-${Name}", {"Name": {"Ref": "Environment"}}]},
                   {"Environment": "dev"}, PSEUDO) == "t-dev"
    assert resolve({"Ref": "Environment"}, {"Environment": "dev"}, PSEUDO) == "dev"
    # not knowable before the stack runs
    assert resolve({"Fn::GetAtt": ["X", "Arn"]}, {}, PSEUDO) is None
    assert resolve({"Fn::Sub": "${Missing}"}, {}, PSEUDO) is None


def test_the_platform_retains_its_tables_buckets_key_and_log_groups() -> None:
    found = {r.logical_id: r for r in retained(PLATFORM, {"Environment": "dev"}, "123456789012",
                                               "us-east-1")}
    assert set(found) == {"TransactionsTable", "SessionsTable", "AuditLogBucket",
                          "AccessLogBucket", "PlatformKey", "PaymentProcessorLogGroup",
                          "SessionManagerLogGroup", "ApiAccessLogGroup", "FlowLogGroup"}
    assert found["TransactionsTable"].name == "payment-transactions-dev"
    assert found["TransactionsTable"].key_schema == (("transaction_id", "HASH"), ("timestamp", "RANGE"))
    assert found["AuditLogBucket"].name == "payment-audit-logs-dev-123456789012-us-east-1"
    assert found["PlatformKey"].name == "payment-platform-key-dev"  # its Name tag


def test_the_import_template_holds_only_the_imported_resources_as_defined() -> None:
    reduced = import_template(PLATFORM, ["TransactionsTable", "PlatformKey"])
    assert set(reduced["Resources"]) == {"TransactionsTable", "PlatformKey"}
    assert reduced["Resources"]["TransactionsTable"] == PLATFORM["Resources"]["TransactionsTable"]
    assert all(r["DeletionPolicy"] == "Retain" for r in reduced["Resources"].values())
    assert reduced["Parameters"] == PLATFORM["Parameters"]
    assert reduced["Conditions"] == PLATFORM["Conditions"]
    assert "Outputs" not in reduced


def _table(state: str, identifier: str = "", detail: str = "") -> Found:
    item = Retained("TransactionsTable", "AWS::DynamoDB::Table", "payment-transactions-dev")
    return Found(item, state, identifier, detail)


def test_resources_to_import_name_each_identifier_property() -> None:
    key = Found(Retained("PlatformKey", "AWS::KMS::Key", "payment-platform-key-dev"), "present",
                "1234abcd")
    adoption = Adoption("payment-platform", TARGET,
                        (_table("present", "payment-transactions-dev"), key, _table("absent")))
    assert resources_to_import(adoption) == [
        {"ResourceType": "AWS::DynamoDB::Table", "LogicalResourceId": "TransactionsTable",
         "ResourceIdentifier": {"TableName": "payment-transactions-dev"}},
        {"ResourceType": "AWS::KMS::Key", "LogicalResourceId": "PlatformKey",
         "ResourceIdentifier": {"KeyId": "1234abcd"}}]


def test_a_conflict_refuses_with_the_way_out_and_nothing_else_does() -> None:
    fine = Adoption("payment-platform", TARGET, (_table("present", "payment-transactions-dev"),))
    assert refusal([fine]) is None
    clash = Adoption("payment-platform", TARGET, (_table("conflict", detail="its key schema differs; "
                                                                           "move its data"),))
    message = refusal([fine, clash])
    assert message is not None and "nothing was changed" in message
    assert "CONFLICT  TransactionsTable  AWS::DynamoDB::Table  payment-transactions-dev: its key " \
           "schema differs; move its data" in message


def test_an_interrupted_adoption_carries_on_from_the_stack_it_left() -> None:
    import pytest

    from scripts.actions.adopt import resume_from
    from scripts.errors import DeploymentError

    assert resume_from(None) == "import"
    for holds_nothing in ("REVIEW_IN_PROGRESS", "IMPORT_ROLLBACK_COMPLETE"):
        assert resume_from(holds_nothing) == "restart"
    for holds_the_resources in ("IMPORT_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"):
        assert resume_from(holds_the_resources) == "update"
    with pytest.raises(DeploymentError, match="wait until it settles"):
        resume_from("UPDATE_IN_PROGRESS")


def test_the_platform_import_template_refers_only_to_what_it_holds() -> None:
    """Resource import takes a template of the imported resources alone: a reference to any other
    resource would make CloudFormation refuse it."""
    items = retained(PLATFORM, {"Environment": "dev"}, "123456789012", "us-east-1")
    reduced = import_template(PLATFORM, [i.logical_id for i in items])
    known = set(reduced["Resources"]) | set(reduced["Parameters"])
    assert {n for n in references(reduced["Resources"])
            if not n.startswith("AWS::")} <= known


EDGE = json.loads((ROOT / "build" / "templates" / "payment-platform-edge.json").read_text())


def test_the_edge_retains_its_hosted_zone_only_where_the_edge_is_on() -> None:
    """A resource under a false condition is not created, so nothing of it is looked for."""
    on = {"Environment": "dev", "EdgeEnabled": "true", "EdgeDelegated": "false",
          "DomainName": "dev.api.payments.io"}
    [zone] = retained(EDGE, on, "123456789012", "us-east-1")
    assert (zone.logical_id, zone.type, zone.name) == (
        "HostedZone", "AWS::Route53::HostedZone", "dev.api.payments.io")
    assert retained(EDGE, {**on, "EdgeEnabled": "false"}, "123456789012", "us-east-1") == []
    assert retained(EDGE, {**on, "Environment": "unassigned"}, "123456789012", "us-east-1") == []


def test_conditions_evaluate_over_parameters() -> None:
    template = {"Conditions": {
        "A": {"Fn::Equals": [{"Ref": "X"}, "1"]},
        "B": {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "Y"}, "1"]}]}]},
        "C": {"Fn::Or": [{"Condition": "B"}, {"Fn::Equals": ["z", {"Ref": "Y"}]}]}}}
    def holds(condition: str, **parameters: str) -> bool:
        return condition_holds(template, condition, parameters)

    assert holds("A", X="1") and not holds("A", X="2")
    assert holds("B", X="1", Y="2") and not holds("B", X="1", Y="1")
    assert holds("C", X="2", Y="z") and not holds("C", X="2", Y="1")


def test_a_hosted_zone_is_imported_by_its_id() -> None:
    zone = Retained("HostedZone", "AWS::Route53::HostedZone", "dev.api.payments.io")
    adoption = Adoption("payment-platform-edge", TARGET, (Found(zone, "present", "Z0123456789"),))
    assert resources_to_import(adoption) == [{
        "ResourceType": "AWS::Route53::HostedZone", "LogicalResourceId": "HostedZone",
        "ResourceIdentifier": {"Id": "Z0123456789"}}]


KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


class _Account:
    """One account's answers to the survey's reads, recording the services asked for and the
    calls made; `table_key` is the key a retained table is encrypted with (None: no tables)."""

    meta = LOGS_META

    def __init__(self, table_key: str | None = None) -> None:
        self.table_key = table_key
        self.services: list[str] = []
        self.calls: list[str] = []

    def client_for(self, service: str) -> Any:
        self.services.append(service)
        return self

    def _missing(self, code: str, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "not found"}}, operation)

    def describe_table(self, TableName: str) -> dict[str, Any]:
        self.calls.append("dynamodb:DescribeTable")
        if self.table_key is None:
            raise self._missing("ResourceNotFoundException", "DescribeTable")
        schema = {"payment-transactions-dev": [("transaction_id", "HASH"), ("timestamp", "RANGE")]}
        return {"Table": {"TableName": TableName, "TableStatus": "ACTIVE",
                          "SSEDescription": {"KMSMasterKeyArn": self.table_key},
                          "KeySchema": [{"AttributeName": n, "KeyType": t}
                                        for n, t in schema.get(TableName, [])]}}

    def head_bucket(self, **_: Any) -> None:
        self.calls.append("s3:HeadBucket")
        raise self._missing("404", "HeadBucket")

    def describe_log_groups(self, **_: Any) -> dict[str, Any]:
        self.calls.append("logs:DescribeLogGroups")
        return {"logGroups": []}

    def describe_key(self, KeyId: str) -> dict[str, Any]:
        self.calls.append("kms:DescribeKey")
        return {"KeyMetadata": {"KeyId": KeyId.rsplit("/", 1)[-1], "KeyState": "Enabled",
                                "KeyManager": "CUSTOMER"}}

    def list_resource_tags(self, **_: Any) -> dict[str, Any]:
        self.calls.append("kms:ListResourceTags")
        return {"Tags": [{"TagKey": "Name", "TagValue": "payment-platform-key-dev"}]}


def _platform_items() -> list[Retained]:
    return retained(PLATFORM, {"Environment": "dev"}, "123456789012", "us-east-1")


def test_a_fresh_account_is_surveyed_without_a_kms_client_or_call() -> None:
    """Nothing retained names a key, so there is no key to find: a KMS client would be built
    (about as costly as a call) for nothing, in every new account of a fleet."""
    account = _Account()
    found = probe(account.client_for, _platform_items(), "123456789012")
    assert {f.state for f in found} == {"absent"}
    assert account.calls.count("logs:DescribeLogGroups") == 1  # four log groups, one call
    assert "kms" not in account.services
    assert not [c for c in account.calls if c.startswith("kms:")]


def test_the_key_is_still_looked_up_when_retained_data_names_one() -> None:
    account = _Account(table_key=KEY_ARN)
    found = {f.retained.logical_id: f for f in probe(account.client_for, _platform_items(),
                                                     "123456789012")}
    assert "kms" in account.services
    assert found["PlatformKey"].state == "present"
    assert found["PlatformKey"].identifier == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert found["TransactionsTable"].state == "present"


class _Logs:
    """CloudWatch Logs in an account holding `groups` (name: KMS key), answering
    DescribeLogGroups as the API reference says; `names_refused` answers logGroupIdentifiers
    with InvalidParameterException, as where only ARNs are allowed (a monitoring account)."""

    meta = LOGS_META

    def __init__(self, groups: dict[str, str], names_refused: bool = False) -> None:
        self.groups = groups
        self.names_refused = names_refused
        self.requests: list[dict[str, Any]] = []

    def describe_log_groups(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if "logGroupIdentifiers" in request:
            if self.names_refused:
                raise ClientError({"Error": {"Code": "InvalidParameterException",
                                             "Message": "specify ARNs"}}, "DescribeLogGroups")
            names = sorted(n for n in self.groups if n in request["logGroupIdentifiers"])
        else:
            names = sorted(n for n in self.groups if n.startswith(request["logGroupNamePrefix"]))
        return {"logGroups": [{"logGroupName": n, "kmsKeyId": self.groups[n]} for n in names]}


def test_an_accounts_log_groups_are_looked_up_in_one_call() -> None:
    """Four retained log groups were four DescribeLogGroups in every new account; one call with
    their names (logGroupIdentifiers) answers the same, and a group that only shares a name's
    prefix is not taken for it."""
    logs = _Logs({"/payments/api": KEY_ARN, "/payments/api-old": "", "/payments/flow": ""})
    found = log_groups(logs, ["/payments/api", "/payments/flow", "/payments/missing"])
    assert found == {"/payments/api": {"logGroupName": "/payments/api", "kmsKeyId": KEY_ARN},
                     "/payments/flow": {"logGroupName": "/payments/flow", "kmsKeyId": ""}}
    assert len(logs.requests) == 1


def test_log_groups_are_looked_up_one_by_one_where_names_are_refused() -> None:
    names = ["/payments/api", "/payments/flow", "/payments/missing"]
    batched = log_groups(_Logs({"/payments/api": KEY_ARN, "/payments/api-old": ""}), names)
    refusing = _Logs({"/payments/api": KEY_ARN, "/payments/api-old": ""}, names_refused=True)
    assert log_groups(refusing, names) == batched
    assert [r.get("logGroupNamePrefix") for r in refusing.requests] == [None, *names]


def test_more_than_fifty_log_groups_take_one_call_per_fifty() -> None:
    names = [f"/payments/{n:03}" for n in range(120)]
    logs = _Logs({name: "" for name in names[::7]})
    assert set(log_groups(logs, names)) == set(names[::7])
    assert [len(r["logGroupIdentifiers"]) for r in logs.requests] == [50, 50, 20]


def _logs_before_identifiers(tmp_path: Path) -> Any:
    """A real logs client as botocore 1.35 (and so checkov's pins) builds it: its model of
    DescribeLogGroups has no logGroupIdentifiers, so sending one fails in the client."""
    return logs_client(tmp_path, identifiers=False, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="y")


def test_a_botocore_without_log_group_identifiers_looks_up_each_name(tmp_path: Path) -> None:
    """Issue 24: that botocore refused the parameter, the survey reported it as a warning and
    deploy created twins of the retained resources. It must read as the API would answer."""
    logs = _logs_before_identifiers(tmp_path)
    with Stubber(logs) as stub:
        stub.add_response("describe_log_groups", {"logGroups": [
            {"logGroupName": "/payments/api", "kmsKeyId": KEY_ARN},
            {"logGroupName": "/payments/api-old"}], "nextToken": "2"},
            {"logGroupNamePrefix": "/payments/api"})
        stub.add_response("describe_log_groups", {"logGroups": []},
                          {"logGroupNamePrefix": "/payments/api", "nextToken": "2"})
        stub.add_response("describe_log_groups", {"logGroups": []},
                          {"logGroupNamePrefix": "/payments/missing"})
        found = log_groups(logs, ["/payments/api", "/payments/missing"])
        stub.assert_no_pending_responses()
    assert found == {"/payments/api": {"logGroupName": "/payments/api", "kmsKeyId": KEY_ARN}}


def _desired() -> Any:
    from scripts.plan.decide import DesiredStackSet

    return DesiredStackSet("payment-platform", PLATFORM, {}, {}, "", (TARGET,))


@pytest.mark.parametrize(("failure", "way_out"), [
    (DeploymentError("cannot assume arn:aws:iam::123456789012:role/exec: AccessDenied: no"),
     "cannot assume arn:aws:iam::123456789012:role/exec: AccessDenied: no; create the role or "
     "let the admin account assume it (`payctl bootstrap` does, for self-managed StackSets), "
     "then run `payctl deploy dev` again"),
    (ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                 "DescribeTable"),
     "the look failed (AccessDeniedException: not allowed); fix that (the role's permissions, "
     "the network), then run `payctl deploy dev` again"),
])
def test_a_survey_that_cannot_look_stops_deploy_and_plan(failure: Exception, way_out: str) -> None:
    """Not knowing whether retained data is there is never "absent": one line naming the
    account, the reason and what to run; deploy refuses it before any operation."""
    def client_in(target: Target, service: str) -> Any:
        raise failure

    adoptions = survey(_desired(), None, client_in)
    where = "payment-platform / dev (123456789012 us-east-1)"
    assert unreadable(adoptions) == f"cannot tell whether {where} keeps retained data: {way_out}"
    assert refusal(adoptions) == ("refusing to deploy, nothing was changed: cannot tell whether "
                                  f"{where} keeps retained data: {way_out}")

"""`payctl purge ENV` (issue 15, point 7): the retained resources of a destroyed environment are
removed for good, in its own account through the execution role, only after confirmation and
never while the environment has stack instances; stopped, it is finished by running it again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from emulated import Platform

from scripts.actions import purge
from scripts.aws.clients import Aws, error_code
from scripts.checks.permissions import PURGE_CALL_ACTIONS, granted_actions
from scripts.cli.support import ROOT
from scripts.errors import Terminated

ACCOUNT = "123456789012"
AUDIT = f"payment-audit-logs-dev-{ACCOUNT}-us-east-1"
ACCESS = f"payment-access-logs-dev-{ACCOUNT}-us-east-1"
TABLES = ("payment-transactions-dev", "payment-sessions-dev")
ITEM = {"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}, "customer_id": {"S": "c-1"}}
DOMAIN = "dev.api.example.com"


def _deployed_with_data(platform: Platform, versions: int = 3) -> str:
    """dev deployed, a record written and an audit object with several versions and a delete
    marker; the id of the key the data is encrypted with."""
    assert platform.payctl("bootstrap").exit_code == 0
    deployed = platform.payctl("deploy", "dev", "--no-manifests")
    assert deployed.exit_code == 0, deployed.output
    platform.client("dynamodb", "dev").put_item(TableName=TABLES[0], Item=ITEM)
    s3 = platform.client("s3", "dev")
    for n in range(versions):
        s3.put_object(Bucket=AUDIT, Key="audit/t-1.json", Body=f'{{"v": {n}}}'.encode())
    s3.delete_object(Bucket=AUDIT, Key="audit/t-1.json")
    table = platform.client("dynamodb", "dev").describe_table(TableName=TABLES[0])["Table"]
    return str(table["SSEDescription"]["KMSMasterKeyArn"].rsplit("/", 1)[-1])


def _retained(platform: Platform) -> dict[str, Any]:
    """What dev's account still holds under the retained names."""
    dynamodb, s3 = platform.client("dynamodb", "dev"), platform.client("s3", "dev")
    tables = set(dynamodb.list_tables()["TableNames"]) & set(TABLES)
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]} & {AUDIT, ACCESS}
    groups = [g["logGroupName"] for g in platform.client("logs", "dev").describe_log_groups()[
        "logGroups"] if "payment" in g["logGroupName"] or "session" in g["logGroupName"]]
    zones = [z["Id"] for z in platform.client("route53", "dev").list_hosted_zones()["HostedZones"]
             if z["Name"].rstrip(".") == DOMAIN]
    return {"tables": tables, "buckets": buckets, "groups": groups, "zones": zones}


def _key_state(platform: Platform, key: str) -> dict[str, Any]:
    return platform.client("kms", "dev").describe_key(KeyId=key)["KeyMetadata"]


def _recording(monkeypatch: pytest.MonkeyPatch, calls: set[str],
               hook: Any = None) -> None:
    """Record every call made in an environment's account (through the execution role)."""
    original = Aws.client_in

    def client_in(self: Aws, service: str, account: str, role: str, region: str) -> Any:
        client = original(self, service, account, role, region)

        def seen(model: Any, params: dict[str, Any], **_: Any) -> None:
            calls.add(f"{model.service_model.service_name}:{model.name}")
            if hook is not None:
                hook(model.name, params)

        client.meta.events.register("before-parameter-build", seen)
        return client

    monkeypatch.setattr(Aws, "client_in", client_in)


def test_purge_removes_a_destroyed_environments_data_only_when_confirmed(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _deployed_with_data(fresh)
    held = _retained(fresh)
    assert held["tables"] == set(TABLES) and held["buckets"] == {AUDIT, ACCESS}
    assert held["zones"] and len(held["groups"]) == 4

    live = fresh.payctl("purge", "dev", "--yes-delete-data", "dev")
    assert live.exit_code == 1, live.output
    assert "refusing to purge dev: it still has stack instances" in live.output
    assert "payment-platform in 123456789012 us-east-1" in live.output
    assert _retained(fresh) == held

    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0
    # a person turned deletion protection on for one table
    fresh.client("dynamodb", "dev").update_table(TableName=TABLES[1],
                                                 DeletionProtectionEnabled=True)
    unanswered = fresh.payctl("purge", "dev")  # no terminal: the prompt gets end of input
    mistyped = fresh.payctl("purge", "dev", input="staging\n")
    wrong_flag = fresh.payctl("purge", "dev", "--yes-delete-data", "prod")
    for refused in (unanswered, mistyped, wrong_flag):
        assert refused.exit_code == 2, refused.output
        assert "nothing was changed" in refused.output
    assert f"AWS::S3::Bucket            {AUDIT}" in mistyped.output  # listed before the prompt
    assert "--yes-delete-data: 'prod' is not 'dev'" in wrong_flag.output
    assert _retained(fresh) == held
    assert _key_state(fresh, key)["KeyState"] == "Enabled"

    calls: set[str] = set()
    _recording(monkeypatch, calls)
    purged = fresh.payctl("purge", "dev", input="dev\n")

    assert purged.exit_code == 0, purged.output
    assert _retained(fresh) == {"tables": set(), "buckets": set(), "groups": [], "zones": []}
    assert f"table {TABLES[1]}: turning deletion protection off" in purged.output
    state = _key_state(fresh, key)
    assert state["KeyState"] == "PendingDeletion"
    wait = state["DeletionDate"] - datetime.now(state["DeletionDate"].tzinfo)
    assert timedelta(days=6, hours=23) < wait <= timedelta(days=7, minutes=5)
    assert f"scheduled for deletion on {state['DeletionDate']:%Y-%m-%d}" in purged.output
    assert "dev: purged" in purged.output
    # every call made in the account is one the built execution role grants
    role = json.loads((ROOT / "build" / "templates" / "stackset-execution-role.json").read_text())
    granted = granted_actions(role)
    made = {c for c in calls if not c.startswith("sts:")}
    assert made <= set(PURGE_CALL_ACTIONS), made - set(PURGE_CALL_ACTIONS)
    assert {"s3:ListObjectVersions", "s3:DeleteObjects", "kms:ScheduleKeyDeletion",
            "route53:DeleteHostedZone"} <= made
    assert all(a.lower() in granted for c in made for a in PURGE_CALL_ACTIONS[c])

    again = fresh.payctl("purge", "dev", "--yes-delete-data", "dev")
    assert again.exit_code == 0, again.output
    assert "dev: nothing to remove" in again.output

    plan = fresh.payctl("plan", "dev")
    assert "adopt" not in plan.output, plan.output
    redeployed = fresh.payctl("deploy", "dev", "--no-manifests")
    assert redeployed.exit_code == 0, redeployed.output
    assert fresh.client("dynamodb", "dev").scan(TableName=TABLES[0])["Items"] == []
    assert fresh.client("s3", "dev").list_object_versions(Bucket=AUDIT).get("Versions", []) == []
    table = fresh.client("dynamodb", "dev").describe_table(TableName=TABLES[0])["Table"]
    new_key = table["SSEDescription"]["KMSMasterKeyArn"].rsplit("/", 1)[-1]
    assert new_key != key and _key_state(fresh, new_key)["KeyState"] == "Enabled"


def test_a_stopped_purge_is_finished_by_running_it_again(
        fresh: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while the audit bucket empties, a page of two versions at a time: exit 143, the
    bucket keeps what was not yet deleted, and the same command finishes the job."""
    key = _deployed_with_data(fresh, versions=5)
    assert fresh.payctl("destroy", "dev", "--yes").exit_code == 0
    monkeypatch.setattr(purge, "PAGE", 2)
    deletes: list[str] = []

    def stop_on_second_page(operation: str, params: dict[str, Any]) -> None:
        if operation == "DeleteObjects" and params["Bucket"] == AUDIT and len(deletes) < 2:
            deletes.append(operation)
            if len(deletes) == 2:
                raise Terminated

    _recording(monkeypatch, set(), stop_on_second_page)
    stopped = fresh.payctl("purge", "dev", "--yes-delete-data", "dev")

    assert stopped.exit_code == 143, stopped.output
    assert "terminated: what was removed stays removed" in stopped.output
    assert "run the same `payctl purge dev` again to finish" in stopped.output
    left = fresh.client("s3", "dev").list_object_versions(Bucket=AUDIT)
    assert len(left.get("Versions", []) + left.get("DeleteMarkers", [])) == 4  # 6 - one page

    finished = fresh.payctl("purge", "dev", "--yes-delete-data", "dev")

    assert finished.exit_code == 0, finished.output
    assert len(deletes) == 2  # not stopped again; PAGE still 2: several pages on this run too
    assert "already scheduled for deletion" in finished.output
    assert _retained(fresh) == {"tables": set(), "buckets": set(), "groups": [], "zones": []}
    assert _key_state(fresh, key)["KeyState"] == "PendingDeletion"
    try:
        fresh.client("s3", "dev").head_bucket(Bucket=AUDIT)
        raise AssertionError(f"{AUDIT} still exists")
    except Exception as err:
        assert error_code(err) in ("404", "NoSuchBucket"), err

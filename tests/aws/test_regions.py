"""Each environment's region drives its instances, its code bucket and its reads (issue 14,
item 7); `--region` is only the StackSets' administrator region. Pure tests of the grouping,
and of the calls the deployer makes with environments in two regions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scripts.actions.desired import desired_stack_sets
from scripts.aws.clients import Aws
from scripts.aws.regions import accounts_and_regions, accounts_by_region, artifacts_bucket, rectangles
from scripts.config.reader import ServiceManaged, load_config, load_deployment
from scripts.plan.decide import DeployedInstance, DeployedStackSet, DesiredStackSet, Target, plan_stack_set
from scripts.stacksets.artifacts import bucket_policy
from scripts.stacksets.deployer import StackSetDeployer

PARAMS = Path(__file__).resolve().parents[2] / "params"
OLD = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
NEW = {"Resources": {"Other": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
DEV = Target("dev", "123456789012", "us-east-1", {"Environment": "dev"})
STAGING = Target("staging", "234567890123", "eu-west-1", {"Environment": "staging"})
PROD = Target("prod", "345678901234", "us-east-1", {"Environment": "prod"})


class Recorder:
    """A CloudFormation client that records each StackSet call and starts an operation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.calls.append((name, params))
            return {"OperationId": params.get("OperationId", "op"), "StackSetId": "s:1"}
        return call


class NoWait:
    """Every operation succeeds at once, in no account (the calls are what is checked)."""

    def wait(self, name: str, operation_id: str) -> list:
        return []


def deployer(client: Recorder, settings: Any = None) -> StackSetDeployer:
    settings = settings or load_deployment(PARAMS / "deployment.yaml")
    ids = iter(f"op-{n}" for n in range(100))
    return StackSetDeployer(client, settings, NoWait(), lambda action, envs: next(ids),
                            template_url=lambda n, b: "unused", say=lambda m: None)


def instances(targets: tuple[Target, ...]) -> dict[tuple[str, str], DeployedInstance]:
    return {t.key: DeployedInstance(t.account, t.region, "CURRENT", t.overrides) for t in targets}


def cells(params: dict[str, Any]) -> set[tuple[str, str]]:
    """The instances one call names: its Accounts x Regions."""
    accounts = params.get("Accounts") or params["DeploymentTargets"]["Accounts"]
    return {(a, r) for a in accounts for r in params["Regions"]}


def test_regions_holding_the_same_accounts_share_a_call_others_get_their_own() -> None:
    dev_west = replace(DEV, region="eu-west-1")
    groups = rectangles([DEV, STAGING, PROD, dev_west])
    assert [sorted(t.key for t in g) for g in groups] == [
        [DEV.key, PROD.key], sorted([STAGING.key, dev_west.key])]
    both = rectangles([DEV, dev_west])
    assert len(both) == 1 and accounts_and_regions(both[0]) == (
        [DEV.account], ["us-east-1", "eu-west-1"])


def test_a_call_never_names_an_instance_outside_its_group() -> None:
    with pytest.raises(ValueError, match="not Accounts x Regions"):
        accounts_and_regions([DEV, STAGING])


def test_a_template_change_updates_each_region_group_with_exactly_its_instances() -> None:
    """Before: one UpdateStackSet with Accounts [dev, staging] x Regions [us-east-1, eu-west-1],
    naming two instances that do not exist (AWS: StackInstanceNotFoundException)."""
    targets = (DEV, STAGING, PROD)
    desired = DesiredStackSet("demo", NEW, {}, {}, "d", targets)
    deployed = DeployedStackSet("demo", OLD, {}, {}, instances(targets))
    client = Recorder()
    deployer(client).apply(desired, plan_stack_set(desired, deployed))
    updates = [params for name, params in client.calls if name == "update_stack_set"]
    assert [cells(p) for p in updates] == [{DEV.key, PROD.key}, {STAGING.key}]


def test_new_instances_and_deletions_are_grouped_by_region_too() -> None:
    targets = (DEV, STAGING, PROD)
    desired = DesiredStackSet("demo", NEW, {}, {}, "d", targets)
    client = Recorder()
    d = deployer(client)
    d.apply(desired, plan_stack_set(desired, None))
    created = [cells(p) for name, p in client.calls if name == "create_stack_instances"]
    assert sorted(map(sorted, created)) == [[DEV.key], [STAGING.key], [PROD.key]]
    client.calls.clear()
    d.delete_instances("demo", [DEV, STAGING, PROD])
    assert [cells(p) for _, p in client.calls] == [{DEV.key, PROD.key}, {STAGING.key}]


def test_each_environment_reads_its_code_from_the_bucket_in_its_own_region(tmp_path: Path) -> None:
    config = load_config(PARAMS)
    staging = replace(config.environments["staging"], region="eu-west-1")
    config = replace(config, environments={**config.environments, "staging": staging})
    template = {"Parameters": {"LambdaCodeBucket": {"Type": "String"}}, "Resources": OLD["Resources"]}
    templates = {spec.template: template for spec in config.deployment.stacksets}
    desired = desired_stack_sets(config, list(config.environments.values()), templates, {}, "d")
    buckets = {t.environment: t.overrides["LambdaCodeBucket"] for t in desired[0].targets}
    assert buckets == {"dev": "payment-platform-artifacts-111122223333-us-east-1",
                       "staging": "payment-platform-artifacts-111122223333-eu-west-1",
                       "prod": "payment-platform-artifacts-111122223333-us-east-1"}


def test_each_regions_bucket_admits_the_accounts_that_run_there() -> None:
    readers = accounts_by_region([(DEV.account, DEV.region), (STAGING.account, STAGING.region),
                                  (PROD.account, PROD.region)])
    assert readers == {"eu-west-1": [STAGING.account], "us-east-1": [DEV.account, PROD.account]}
    alone = bucket_policy("b", "aws", [])  # the administrator region, where no one deploys
    assert [s["Sid"] for s in alone["Statement"]] == ["DenyInsecureTransport"]


def test_bucket_names_fit_s3s_limit() -> None:
    assert artifacts_bucket("p", "111122223333", "ap-southeast-2") == "p-111122223333-ap-southeast-2"
    with pytest.raises(ValueError, match="longer than 63"):
        artifacts_bucket("x" * 40, "111122223333", "ap-southeast-2")


# -- SERVICE_MANAGED (issue 14, item 10) ---------------------------------------------------------

MANAGED = ServiceManaged({"dev": "ou-ab12-devdevde", "staging": "ou-ab12-stagings",
                          "prod": "ou-ab12-prodprod"}, call_as="DELEGATED_ADMIN",
                         auto_deployment=True)


def test_service_managed_targets_are_the_environments_ous_narrowed_to_their_accounts() -> None:
    settings = replace(load_deployment(PARAMS / "deployment.yaml"),
                       permission_model="SERVICE_MANAGED", service_managed=MANAGED)
    desired = DesiredStackSet("demo", NEW, {}, {}, "d", (DEV, PROD))
    client = Recorder()
    deployer(client, settings).apply(desired, plan_stack_set(desired, None))
    create = dict(client.calls)["create_stack_set"]
    assert create["PermissionModel"] == "SERVICE_MANAGED"
    assert create["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert "AdministrationRoleARN" not in create and "ExecutionRoleName" not in create
    targets = [p["DeploymentTargets"] for name, p in client.calls if name == "create_stack_instances"]
    assert sorted(map(str, targets)) == sorted(map(str, [
        {"OrganizationalUnitIds": ["ou-ab12-devdevde"], "Accounts": [DEV.account],
         "AccountFilterType": "INTERSECTION"},
        {"OrganizationalUnitIds": ["ou-ab12-prodprod"], "Accounts": [PROD.account],
         "AccountFilterType": "INTERSECTION"}]))


def test_a_delegated_administrator_sends_call_as_on_every_stack_set_call(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = Aws(region="us-east-1", call_as="DELEGATED_ADMIN").client("cloudformation")
    with Stubber(client) as stub:
        stub.add_response("describe_stack_set", {"StackSet": {"StackSetName": "demo"}},
                          {"StackSetName": "demo", "CallAs": "DELEGATED_ADMIN"})
        stub.add_response("list_stack_set_operations", {"Summaries": []},
                          {"StackSetName": "demo", "CallAs": "DELEGATED_ADMIN"})
        stub.add_response("describe_stacks", {"Stacks": []}, {"StackName": "x"})  # takes none
        client.describe_stack_set(StackSetName="demo")
        client.list_stack_set_operations(StackSetName="demo")
        client.describe_stacks(StackName="x")
    assert "CallAs" not in str(boto3.client("cloudformation", region_name="us-east-1")
                               .meta.service_model.operation_model("DescribeStacks").input_shape.members)


def test_service_managed_needs_its_ous_and_self_managed_refuses_them(tmp_path: Path) -> None:
    from scripts.errors import ConfigError
    from tests.paramfiles import edit

    path = tmp_path / "deployment.yaml"
    path.write_text((PARAMS / "deployment.yaml").read_text())
    units = {"dev": "ou-ab12-devdevde", "staging": "ou-ab12-stagings", "prod": "ou-ab12-prodprod"}
    edit(path, "service_managed", {"organizational_units": units})
    with pytest.raises(ConfigError, match="service_managed: only with permission_model SERVICE_MANAGED"):
        load_deployment(path)
    edit(path, "permission_model", "SERVICE_MANAGED")
    loaded = load_deployment(path)
    assert loaded.call_as == "SELF" and loaded.read_role_name == "OrganizationAccountAccessRole"
    edit(path, "service_managed", KeyError)
    with pytest.raises(ConfigError, match="service_managed: missing"):
        load_deployment(path)


def test_a_delegated_administrator_must_name_its_member_role(tmp_path: Path) -> None:
    """OrganizationAccountAccessRole trusts only the management account ("Accessing member
    accounts"), so a delegated administrator left with it as the member role could read no
    member account: refused at load, naming the key."""
    from scripts.errors import ConfigError
    from tests.paramfiles import edit

    path = tmp_path / "deployment.yaml"
    path.write_text((PARAMS / "deployment.yaml").read_text())
    units = {"dev": "ou-ab12-devdevde", "staging": "ou-ab12-stagings", "prod": "ou-ab12-prodprod"}
    edit(path, "permission_model", "SERVICE_MANAGED")
    edit(path, "service_managed", {"organizational_units": units, "call_as": "DELEGATED_ADMIN"})
    with pytest.raises(ConfigError, match=r"deployment.yaml: service_managed.member_role_name: "
                                          r"required with call_as DELEGATED_ADMIN"):
        load_deployment(path)
    edit(path, "service_managed.member_role_name", "payctl-member-reader")
    assert load_deployment(path).read_role_name == "payctl-member-reader"

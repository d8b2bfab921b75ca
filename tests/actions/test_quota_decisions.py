"""Whether an account's Lambda concurrency quota takes the platform's reservations
(scripts/actions/quotas.py): the pure decision. A deploy gives back what the platform's own
functions reserve before it takes the new values, so an unchanged prod always fits again."""

from __future__ import annotations

from pathlib import Path

from scripts.actions.quotas import (
    Addresses,
    Concurrency,
    Vpcs,
    address_refusal,
    refusal,
    refusals,
    vpc_refusal,
)
from scripts.config.reader import load_config

PARAMS = Path(__file__).resolve().parents[2] / "params"
PROD = load_config(PARAMS).environments["prod"]  # reserves 2 x 400


def test_the_default_quota_takes_prod_with_100_to_spare() -> None:
    assert refusal(PROD, PROD.account_id, Concurrency(1000, 1000, 0)) is None
    assert refusal(PROD, PROD.account_id, Concurrency(1000, 200, 800)) is None  # prod again


def test_a_new_accounts_low_quota_is_refused_with_the_quota_to_ask_for() -> None:
    line = refusal(PROD, PROD.account_id, Concurrency(50, 50, 0))
    assert line is not None
    assert "quota is 50 with 0 reserved by other functions" in line
    assert "ask for at least 900" in line and "lower lambda.reserved_concurrency to 0" in line


def test_what_other_functions_reserve_counts_and_ours_is_given_back() -> None:
    # 1,000 in all: 150 reserved by another team, 800 by prod's functions, 50 unreserved
    assert refusal(PROD, PROD.account_id, Concurrency(1000, 50, 800)) is not None  # 150+800+100
    assert refusal(PROD, PROD.account_id, Concurrency(1000, 100, 800)) is None  # 100+800+100


def test_an_unreadable_quota_refuses_rather_than_guessing() -> None:
    def broken(env: object, account: str, service: str) -> object:
        raise RuntimeError("no execution role yet")

    [line] = refusals([PROD], broken)
    assert "cannot read the Lambda concurrency, Elastic IP and VPC quotas" in line
    assert PROD.account_id in line


def test_prods_nat_addresses_must_fit_beside_the_accounts_others() -> None:
    """prod has a NAT gateway per AZ: two addresses of the default five."""
    assert address_refusal(PROD, PROD.account_id, Addresses(5, 3, 0)) is None
    assert address_refusal(PROD, PROD.account_id, Addresses(5, 5, 2)) is None  # prod again
    line = address_refusal(PROD, PROD.account_id, Addresses(5, 4, 0))
    assert line is not None and "network.multi_az_nat: true needs 2" in line
    assert "4 of its 5 allocated to others: release 1, or ask for at least 6" in line


def test_the_vpc_needs_room_beside_the_accounts_others_unless_it_exists() -> None:
    assert vpc_refusal(PROD, PROD.account_id, Vpcs(5, 4, 0)) is None
    assert vpc_refusal(PROD, PROD.account_id, Vpcs(5, 5, 1)) is None  # prod's own, again
    line = vpc_refusal(PROD, PROD.account_id, Vpcs(5, 5, 0))
    assert line is not None and "5 of its 5 VPCs" in line and "ask for at least 6" in line


def test_an_account_without_an_applied_vpc_quota_is_read_at_aws_default() -> None:
    """GetServiceQuota: "If the applied quota value is not available for a quota, the quota is
    not retrieved" (NoSuchResourceException): the default quota stands in (a fault the emulator
    cannot produce, hence the Stubber)."""
    import boto3
    from botocore.stub import Stubber

    from scripts.actions.quotas import VPC_QUOTA, read_vpcs

    quotas = boto3.client("service-quotas", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with Stubber(quotas) as sq, Stubber(ec2) as e:
        sq.add_client_error("get_service_quota", "NoSuchResourceException",
                            expected_params=VPC_QUOTA)
        sq.add_response("get_aws_default_service_quota", {"Quota": {"Value": 5.0}}, VPC_QUOTA)
        e.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1", "Tags": []}]})
        assert read_vpcs(quotas, ec2, PROD) == Vpcs(5, 1, 0)

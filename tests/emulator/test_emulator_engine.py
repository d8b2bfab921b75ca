"""The emulator engine's pure rules: how many accounts run at once, and how long a stack takes."""

from __future__ import annotations

import json

import pytest

from scripts.emulator.engine.concurrency import region_batches, region_policy
from scripts.emulator.engine.durations import CREATE_SECONDS, STACK_OVERHEAD_SECONDS, stack_seconds


@pytest.mark.parametrize(("preferences", "accounts", "tolerance", "maximum"), [
    ({}, 10, 0, 1),  # "By default, 0 is specified" / "By default, 1 is specified"
    ({"FailureTolerancePercentage": 25}, 10, 2, 1),  # 2.5 "rounds down to the next whole number"
    ({"MaxConcurrentPercentage": 5}, 10, 0, 1),  # 0.5 rounds down to 0, "sets the number as one"
    ({"MaxConcurrentPercentage": 100, "FailureToleranceCount": 3}, 7, 3, 7),
])
def test_counts_and_percentages_round_as_documented(preferences: dict, accounts: int, tolerance: int,
                                                    maximum: int) -> None:
    policy = region_policy(preferences, accounts)
    assert (policy.tolerance, policy.max_concurrent) == (tolerance, maximum)


def test_strict_concurrency_is_the_tolerance_plus_one_and_falls_with_each_failure() -> None:
    policy = region_policy({"MaxConcurrentPercentage": 100, "FailureToleranceCount": 2}, 10)
    assert [policy.concurrency(failed) for failed in range(3)] == [3, 2, 1]
    assert not policy.exceeded(2) and policy.exceeded(3)


def test_soft_concurrency_ignores_failures() -> None:
    policy = region_policy({"MaxConcurrentPercentage": 100, "FailureToleranceCount": 0,
                            "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}, 10)
    assert [policy.concurrency(failed) for failed in range(3)] == [10, 10, 10]


def test_regions_run_in_region_order_one_at_a_time_unless_parallel() -> None:
    regions = ["us-east-1", "eu-west-1", "us-west-2"]
    assert region_batches({"RegionOrder": ["us-west-2"]}, regions) == \
        [["us-west-2"], ["us-east-1"], ["eu-west-1"]]
    assert region_batches({"RegionConcurrencyType": "PARALLEL"}, regions) == [regions]


def test_a_stack_takes_its_longest_dependency_chain() -> None:
    template = json.dumps({"Resources": {
        "Zone": {"Type": "AWS::Route53::HostedZone"},
        "Certificate": {"Type": "AWS::CertificateManager::Certificate",
                        "Properties": {"HostedZoneId": {"Ref": "Zone"}}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution",
                "Properties": {"Cert": {"Fn::GetAtt": ["Certificate", "Arn"]}}},
        "Table": {"Type": "AWS::DynamoDB::Table"}}})
    chain = sum(CREATE_SECONDS[t] for t in ("AWS::Route53::HostedZone",
                                             "AWS::CertificateManager::Certificate",
                                             "AWS::CloudFront::Distribution"))
    assert stack_seconds(template, "CREATE") == STACK_OVERHEAD_SECONDS + chain
    assert stack_seconds(template, "UPDATE", {"Table"}) == \
        STACK_OVERHEAD_SECONDS + CREATE_SECONDS["AWS::DynamoDB::Table"]


# The edge in miniature: a zone always, a distribution only while `Serving` is true.
ZONE_AND_SERVING_CDN = json.dumps({
    "Parameters": {"Serving": {"Type": "String", "Default": "false"}},
    "Conditions": {"Serves": {"Fn::Equals": [{"Ref": "Serving"}, "true"]}},
    "Resources": {
        "Zone": {"Type": "AWS::Route53::HostedZone"},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Condition": "Serves",
                "Properties": {"Zone": {"Ref": "Zone"}}}}})


def test_a_resource_whose_condition_is_false_is_not_created_and_takes_no_time() -> None:
    """"Resources that are associated with a false condition are ignored" (Conditions section
    of the template anatomy): the shipped edge before delegation is its zone alone, so it takes
    a zone's time, not a CloudFront distribution's."""
    template = ZONE_AND_SERVING_CDN
    zone = STACK_OVERHEAD_SECONDS + CREATE_SECONDS["AWS::Route53::HostedZone"]
    assert stack_seconds(template, "CREATE") == zone  # the default: false
    assert stack_seconds(template, "CREATE", parameters={"Serving": "false"}) == zone
    assert stack_seconds(template, "CREATE", parameters={"Serving": "true"}) == \
        zone + CREATE_SECONDS["AWS::CloudFront::Distribution"]
    assert stack_seconds(template, "UPDATE", {"Cdn"}, {"Serving": "false"}) == STACK_OVERHEAD_SECONDS


def test_an_update_that_turns_a_condition_true_takes_the_time_of_what_it_creates() -> None:
    """A resource whose Condition turns true is created by the update (the edge's second step:
    `EdgeDelegated` true adds the certificate and the distribution), so the update lasts their
    chain, though their definitions did not change."""
    from types import SimpleNamespace

    from scripts.emulator.engine.work import _changed

    template = ZONE_AND_SERVING_CDN
    zone_only = SimpleNamespace(template=template, parameters={"Serving": "false"})
    changed = _changed(zone_only, template, {"Serving": "true"})
    assert changed == {"Cdn"}
    assert stack_seconds(template, "UPDATE", changed, {"Serving": "true"}) == \
        STACK_OVERHEAD_SECONDS + CREATE_SECONDS["AWS::CloudFront::Distribution"]
    assert _changed(zone_only, template, {"Serving": "false"}) == set()

"""ACM's DNS validation inside a stack: a certificate is issued only once its domain is
delegated to the hosted zone holding the validation record; otherwise the stack waits and ACM
gives up after 72 hours.

- AWS::CertificateManager::Certificate (template reference): "if the certificate uses email
  validation, or if the domain is not hosted in Route 53, then the stack will remain in the
  CREATE_IN_PROGRESS state. Further stack operations are delayed until you validate the
  certificate request".
- ACM API reference, CertificateDetail.Status: "ACM makes repeated attempts to validate a
  certificate for 72 hours and then times out" (VALIDATION_TIMED_OUT).

72 hours cannot be waited for against AWS, so these run on an emulator of their own whose
clock runs fast (72 simulated hours in about 26 s), with a DNS responder on 127.0.0.1 as the
public DNS (PAYCTL_DNS_RESOLVER).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conformance import (
    EMULATED_ADMIN,
    EMULATED_TARGETS,
    ROOT,
    Cloud,
    StackSets,
    grant_stack_set_roles,
    unique,
)

from scripts.emulator import own_process
from scripts.emulator.dns_responder import Responder, responding

TIME_SCALE = 1e-4  # one simulated hour lasts 0.36 s
HOURS = 3600.0
TEMPLATE = json.dumps({
    "Parameters": {"Domain": {"Type": "String", "Default": "unset.invalid"},
                   "Zone": {"Type": "String", "Default": "unset"}},
    "Conditions": {"Set": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Zone"}, "unset"]}]}},
    "Resources": {"Certificate": {"Type": "AWS::CertificateManager::Certificate", "Condition": "Set", "Properties": {
        "DomainName": {"Ref": "Domain"}, "ValidationMethod": "DNS",
        "DomainValidationOptions": [{"DomainName": {"Ref": "Domain"},
                                     "HostedZoneId": {"Ref": "Zone"}}]}}}})


@pytest.fixture(scope="module")
def fast() -> Iterator[tuple[Cloud, Responder]]:
    with responding() as dns:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "PAYCTL_DNS_RESOLVER": dns.address}
        with own_process(ROOT / "params", TIME_SCALE, env) as url:
            admin = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                  region_name="us-east-1")
            cloud = Cloud(admin, EMULATED_ADMIN, list(EMULATED_TARGETS), "us-east-1", url,
                          real=False)
            grant_stack_set_roles(cloud)
            yield cloud, dns


def _zone(cloud: Cloud, domain: str) -> tuple[str, list[str]]:
    """A public hosted zone for `domain` in the first account: its id and name servers."""
    zone = cloud.client("route53", cloud.accounts[0]).create_hosted_zone(
        Name=domain, CallerReference=unique("zone"))
    return zone["HostedZone"]["Id"], zone["DelegationSet"]["NameServers"]


def _deploy(cloud: Cloud, domain: str, zone: str) -> tuple[StackSets, str, str]:
    """A StackSet whose instance in the first account requests the certificate; the
    StackSets, its name and the operation id."""
    made = StackSets(cloud)
    name = made.create(TEMPLATE)
    operation = cloud.cfn.create_stack_instances(
        StackSetName=name, Accounts=[cloud.accounts[0]], Regions=[cloud.region],
        ParameterOverrides=[{"ParameterKey": "Domain", "ParameterValue": domain},
                            {"ParameterKey": "Zone", "ParameterValue": zone}])
    return made, name, operation["OperationId"]


def _operation(cloud: Cloud, name: str, operation_id: str) -> dict[str, Any]:
    return cloud.cfn.describe_stack_set_operation(
        StackSetName=name, OperationId=operation_id)["StackSetOperation"]


def _ended(cloud: Cloud, name: str, operation_id: str, real_seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + real_seconds
    while (operation := _operation(cloud, name, operation_id))["Status"] not in (
            "SUCCEEDED", "FAILED", "STOPPED"):
        assert time.monotonic() < deadline, f"{operation_id} still {operation['Status']}"
        time.sleep(0.1)
    return operation


def test_a_certificate_for_an_undelegated_domain_waits_72_hours_then_fails(
        fast: tuple[Cloud, Responder]) -> None:
    cloud, _ = fast
    domain = f"{unique('edge')}.payctl-conformance.net"  # nobody delegates it
    zone, _ = _zone(cloud, domain)
    started = time.monotonic()
    made, name, operation_id = _deploy(cloud, domain, zone)
    try:
        time.sleep(24 * HOURS * TIME_SCALE)  # a day later: still waiting for validation
        assert _operation(cloud, name, operation_id)["Status"] == "RUNNING"

        operation = _ended(cloud, name, operation_id, 120 * HOURS * TIME_SCALE)

        assert operation["Status"] == "FAILED"
        # the emulator's timestamps are wall-clock ones: 72 simulated hours at its time scale
        assert time.monotonic() - started >= 72 * HOURS * TIME_SCALE
        [result] = cloud.cfn.list_stack_set_operation_results(
            StackSetName=name, OperationId=operation_id)["Summaries"]
        assert result["Status"] == "FAILED"
        assert "VALIDATION_TIMED_OUT" in result["StatusReason"]
    finally:
        made.cleanup()


def test_a_certificate_for_a_delegated_domain_is_issued_within_minutes(
        fast: tuple[Cloud, Responder]) -> None:
    cloud, dns = fast
    domain = f"{unique('edge')}.payctl-conformance.net"
    zone, servers = _zone(cloud, domain)
    dns.records[domain] = servers  # the parent delegates to the zone
    started = time.monotonic()
    made, name, operation_id = _deploy(cloud, domain, zone)
    try:
        operation = _ended(cloud, name, operation_id, 120 * HOURS * TIME_SCALE)

        assert operation["Status"] == "SUCCEEDED"
        assert time.monotonic() - started < 12 * HOURS * TIME_SCALE  # minutes, not 72 hours
        acm = cloud.client("acm", cloud.accounts[0])
        assert domain in [c["DomainName"] for c in acm.list_certificates()["CertificateSummaryList"]]
    finally:
        made.cleanup()

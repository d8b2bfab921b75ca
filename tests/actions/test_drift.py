"""Drift detection logic with Stubber: the emulator does not implement StackSet drift."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from scripts.actions.drift import DriftUnsupported, detect, render
from scripts.aws.clients import Aws
from scripts.config.reader import load_config
from scripts.stacksets.deployer import StackSetDeployer
from scripts.stacksets.operations import OperationWaiter

PARAMS = Path(__file__).resolve().parents[2] / "params"


class StubbedAws(Aws):
    """Aws whose target-account CloudFormation client is the stubbed one."""

    def __init__(self, target: object) -> None:
        super().__init__(region="us-east-1")
        self.target = target

    def in_account(self, account_id: str, role_name: str) -> object:
        return None

    def client(self, service: str, session: object = None, region: object = None) -> object:
        return self.target


def drift_checker(stubbed: object, target: object) -> tuple:
    """The config, the AWS facade and a deployer whose calls go to these stubbed clients."""
    config = load_config(PARAMS)
    waiter = OperationWaiter(stubbed, 60, lambda *a: None, {}, sleep=lambda s: None)
    deployer = StackSetDeployer(stubbed, config.deployment, waiter, lambda a, e: f"{a}-1",
                                lambda n, b: "", say=lambda m: None, sleep=lambda s: None)
    return config, StubbedAws(target), deployer


def test_drifted_resource_is_reported_with_its_property_differences() -> None:
    admin = boto3.client("cloudformation", region_name="us-east-1")
    target = boto3.client("cloudformation", region_name="us-east-1")
    config, aws, deployer = drift_checker(admin, target)
    prod = config.environments["prod"]
    op = {"StackSetOperation": {"OperationId": "drift-1", "Status": "SUCCEEDED"}}
    stack_id = f"arn:aws:cloudformation:us-east-1:{prod.account_id}:stack/StackSet-x/1"
    with Stubber(admin) as a, Stubber(target) as t:
        for name, drift in (("payment-platform", "DRIFTED"), ("payment-platform-edge", "IN_SYNC")):
            a.add_response("detect_stack_set_drift", {"OperationId": "drift-1"})
            a.add_response("describe_stack_set_operation", op)
            a.add_response("list_stack_set_operation_results", {"Summaries": []})
            a.add_response("list_stack_instances", {"Summaries": [{
                "StackSetId": name, "Account": prod.account_id, "Region": "us-east-1",
                "Status": "CURRENT", "StackId": stack_id, "DriftStatus": drift}]})
        t.add_response("describe_stack_resource_drifts", {"StackResourceDrifts": [{
            "StackId": stack_id, "LogicalResourceId": "PaymentProcessorFunction",
            "ResourceType": "AWS::Lambda::Function", "StackResourceDriftStatus": "MODIFIED",
            "Timestamp": "2026-11-22T00:00:00Z",
            "PropertyDifferences": [{"PropertyPath": "/MemorySize", "ExpectedValue": "2048",
                                     "ActualValue": "512", "DifferenceType": "NOT_EQUAL"}]}]},
            {"StackName": stack_id, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]})
        results = detect(config, aws, deployer, [prod], say=lambda m: None)
    assert [(r.stack_set, r.status) for r in results] == [
        ("payment-platform", "DRIFTED"), ("payment-platform-edge", "IN_SYNC")]
    text = render(results)
    assert "MODIFIED PaymentProcessorFunction  AWS::Lambda::Function" in text
    assert "/MemorySize: 2048 -> 512 (NOT_EQUAL)" in text


def test_endpoint_without_drift_detection_says_so_in_one_line() -> None:
    admin = boto3.client("cloudformation", region_name="us-east-1")
    config, aws, deployer = drift_checker(admin, admin)
    with Stubber(admin) as a:
        a.add_client_error("detect_stack_set_drift", service_error_code="NotImplemented",
                           service_message="The DetectStackSetDrift action has not been implemented",
                           http_status_code=501)
        with pytest.raises(DriftUnsupported) as err:
            detect(config, aws, deployer, [config.environments["dev"]], say=lambda m: None)
    assert "does not implement StackSet drift detection" in str(err.value)
    assert "\n" not in str(err.value)

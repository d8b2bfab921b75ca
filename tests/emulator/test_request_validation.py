"""Requests that break the API's published model are refused before anything happens.

Each rule here is a constraint botocore's service model carries (the API reference prints it
as "Valid Range", "Length Constraints", "Pattern", "Valid Values"), or a sentence of the
reference the model does not carry (quoted). botocore checks only required members and
minimums on the client, so the requests below reach the service unchanged.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conformance import Cloud, StackSets, unique

from scripts.emulator.service_models import CODES, unreadable_patterns


def refused(call: object, *args: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return caught.value.response["Error"]


def test_a_percentage_above_100_is_refused(cloud: Cloud, stack_sets: StackSets) -> None:
    """StackSetOperationPreferences.MaxConcurrentPercentage: "Valid Range: Minimum value of 1.
    Maximum value of 100." Nothing is started."""
    name = stack_sets.create()
    error = refused(cloud.cfn.create_stack_instances, StackSetName=name, Accounts=cloud.accounts[:1],
                    Regions=[cloud.region], OperationPreferences={"MaxConcurrentPercentage": 101})
    assert error["Code"] == "ValidationError"
    assert "maxConcurrentPercentage" in error["Message"]
    assert cloud.cfn.list_stack_set_operations(StackSetName=name)["Summaries"] == []


def test_an_operation_id_outside_its_pattern_is_refused(cloud: Cloud, stack_sets: StackSets) -> None:
    """OperationId: "Pattern: [a-zA-Z0-9][-a-zA-Z0-9]*"."""
    name = stack_sets.create()
    error = refused(cloud.cfn.create_stack_instances, StackSetName=name, Accounts=cloud.accounts[:1],
                    Regions=[cloud.region], OperationId="deploy_1")
    assert error["Code"] == "ValidationError"
    assert "operationId" in error["Message"]


def test_max_results_above_100_is_refused(cloud: Cloud, stack_sets: StackSets) -> None:
    """ListStackSetOperations MaxResults: "Valid Range: Minimum value of 1. Maximum value of
    100." """
    name = stack_sets.create()
    error = refused(cloud.cfn.list_stack_set_operations, StackSetName=name, MaxResults=500)
    assert error["Code"] == "ValidationError"
    assert "maxResults" in error["Message"]


def test_a_template_body_over_51200_bytes_is_refused(cloud: Cloud) -> None:
    """CreateStack TemplateBody: "Structure that contains the template body with a minimum
    length of 1 byte and a maximum length of 51,200 bytes." (The shape does not carry the
    maximum; the sentence does.)"""
    padding = "x" * 52_000
    template = json.dumps({"Description": "padding", "Metadata": {"Padding": padding},
                           "Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}})
    name = unique("conformance")
    error = refused(cloud.cfn.create_stack, StackName=name, TemplateBody=template)
    assert error["Code"] == "ValidationError"
    assert "templateBody" in error["Message"]
    with pytest.raises(ClientError):
        cloud.cfn.describe_stacks(StackName=name)


def test_use_previous_value_with_a_value_is_refused(cloud: Cloud, stack_sets: StackSets) -> None:
    """Parameter.UsePreviousValue: "If you specify true, do not specify a parameter value."
    The reference gives no wording for the refusal; the request is refused all the same."""
    name = stack_sets.create()
    error = refused(cloud.cfn.update_stack_set, StackSetName=name, UsePreviousTemplate=True,
                    Parameters=[{"ParameterKey": "Retention", "UsePreviousValue": True,
                                 "ParameterValue": "7"}])
    assert error["Code"] == "ValidationError"
    assert cloud.cfn.list_stack_set_operations(StackSetName=name)["Summaries"] == []


def test_json_services_answer_validation_exception(cloud: Cloud) -> None:
    """CloudWatch Logs DescribeLogGroups limit: "Valid Range: Minimum value of 1. Maximum value
    of 50." JSON-protocol services name the error ValidationException."""
    error = refused(cloud.client("logs").describe_log_groups, limit=51)
    assert error["Code"] == "ValidationException"


def test_an_iam_name_outside_its_pattern_is_refused(cloud: Cloud) -> None:
    """GetRole RoleName: "Pattern: [\\w+=,.@-]+"."""
    error = refused(cloud.client("iam").get_role, RoleName="payment role")
    assert error["Code"] == "ValidationError"


def test_every_pattern_of_the_checked_services_is_read() -> None:
    """A pattern the validator cannot compile is not checked; the only one is DynamoDB's
    "any XML character" pattern, written with UTF-16 surrogate pairs Python has no use for."""
    session = botocore.session.get_session()
    services = ("cloudformation", "sts", "iam", "kms", "ssm", "dynamodb", "logs", "lambda",
                "organizations", "apigateway", "wafv2", "acm")
    unread = {s: unreadable_patterns(session.get_service_model(s)) for s in services}
    assert {s: p for s, p in unread.items() if p} == {
        "dynamodb": {"[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*"}}
    assert {session.get_service_model(s).protocol for s in services} <= set(CODES)


def test_a_value_of_the_wrong_type_is_a_client_error_not_a_server_error(cloud: Cloud) -> None:
    """CloudWatch Logs DescribeLogGroups logGroupNamePrefix is a string ("Length Constraints:
    Minimum length of 1. Maximum length of 512."); a number there, sent past botocore's own
    validation, is the caller's error (HTTP 400), whatever its code."""
    import botocore.config

    logs = cloud.admin.client("logs", region_name=cloud.region, endpoint_url=cloud.endpoint_url,
                              config=botocore.config.Config(parameter_validation=False))
    refused(logs.describe_log_groups, logGroupNamePrefix=12345)

"""POST /transactions against moto's DynamoDB and S3, with the templates' table and bucket."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import Stubber
from lambda_harness import (
    AUDIT_BUCKET,
    CUSTOMER_INDEX,
    PROCESSOR_ENV,
    TRANSACTIONS_TABLE,
    FakeContext,
    api_event,
    body_of,
    create_audit_bucket,
    create_transactions_table,
    import_handler,
)

VALID = {"transactionId": "tx-1", "customerId": "cust-1", "amount": "10.50"}


def post(processor: ModuleType, body: Any, **event: Any) -> dict[str, Any]:
    return processor.handler(api_event("POST", body=body, **event), FakeContext())


def table_items(dynamodb: Any) -> list[dict[str, Any]]:
    return sorted(dynamodb.scan(TableName=TRANSACTIONS_TABLE)["Items"],
                  key=lambda item: (item["transaction_id"]["S"], int(item["timestamp"]["N"])))


def audit_versions(s3: Any) -> list[dict[str, Any]]:
    return s3.list_object_versions(Bucket=AUDIT_BUCKET).get("Versions", [])


def audit_document(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=AUDIT_BUCKET, Key=key)["Body"].read())


def _raw(amount_json: str) -> str:
    """A VALID body whose amount is the given JSON text, for numbers json.dumps cannot write."""
    return '{"transactionId": "tx-1", "customerId": "cust-1", "amount": ' + amount_json + "}"


def expected_audit_key(transaction_id: str, timestamp_ms: int) -> str:
    day = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    return f"transactions/{day:%Y/%m/%d}/{transaction_id}.json"


# --- first write, replay, conflict ------------------------------------------------------------

def test_first_write_stores_one_record_one_marker_and_one_audit_object(processor: ModuleType, dynamodb: Any,
                                                                       s3: Any) -> None:
    response = post(processor, VALID)

    assert response["statusCode"] == 201
    assert response["headers"]["Content-Type"] == "application/json"
    body = body_of(response)
    timestamp = body.pop("timestamp")
    assert body == {"transactionId": "tx-1", "customerId": "cust-1", "amount": "10.50", "status": "completed",
                    "processedAt": datetime.fromtimestamp(timestamp / 1000, UTC)
                    .isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    marker, record = table_items(dynamodb)
    assert marker == {"transaction_id": {"S": "tx-1"}, "timestamp": {"N": "0"},
                      "item_type": {"S": "idempotency_marker"}, "record_timestamp": {"N": str(timestamp)}}
    assert record["timestamp"] == {"N": str(timestamp)}
    assert record["customer_id"] == {"S": "cust-1"}
    assert Decimal(record["amount"]["N"]) == Decimal("10.50")
    assert record["item_type"] == {"S": "transaction"}
    assert record["request_id"] == {"S": "api-request-id"}

    key = expected_audit_key("tx-1", timestamp)
    assert [v["Key"] for v in audit_versions(s3)] == [key]
    assert audit_document(s3, key) == {**body_of(response), "environment": "test", "requestId": "api-request-id"}


def test_marker_stays_out_of_the_customer_index(processor: ModuleType, dynamodb: Any) -> None:
    post(processor, VALID)
    post(processor, {**VALID, "transactionId": "tx-2", "amount": 3})

    listed = dynamodb.query(TableName=TRANSACTIONS_TABLE, IndexName=CUSTOMER_INDEX,
                            KeyConditionExpression="customer_id = :c",
                            ExpressionAttributeValues={":c": {"S": "cust-1"}})["Items"]

    assert [(i["transaction_id"]["S"], i["item_type"]["S"]) for i in listed] == [
        ("tx-1", "transaction"), ("tx-2", "transaction")]
    assert all(int(i["timestamp"]["N"]) > 0 for i in listed)


@pytest.mark.parametrize("replayed_amount", ['"10.50"', '"10.5"', "10.5", "10.50", "10.500", "1.05e1"])
def test_replay_returns_the_original_result_and_writes_nothing(processor: ModuleType, dynamodb: Any, s3: Any,
                                                               replayed_amount: str) -> None:
    first = post(processor, VALID)
    items_before = table_items(dynamodb)

    replay = post(processor, _raw(replayed_amount), request_id="another-request")

    assert replay["statusCode"] == 200
    assert replay["body"] == first["body"]
    assert table_items(dynamodb) == items_before
    assert len(audit_versions(s3)) == 1  # the replay found the audit object and did not rewrite it


@pytest.mark.parametrize("change", [{"customerId": "cust-2"}, {"amount": "10.51"}, {"amount": 1}])
def test_same_id_with_a_different_body_is_a_conflict(processor: ModuleType, dynamodb: Any, s3: Any,
                                                     change: dict[str, Any]) -> None:
    post(processor, VALID)
    items_before = table_items(dynamodb)

    response = post(processor, {**VALID, **change})

    assert response["statusCode"] == 409
    assert body_of(response)["field"] == "transactionId"
    assert body_of(response)["error"] == "conflict"
    assert table_items(dynamodb) == items_before
    assert len(audit_versions(s3)) == 1


def test_replay_repairs_an_audit_object_the_first_attempt_never_wrote(processor: ModuleType, s3: Any) -> None:
    first = post(processor, VALID)
    key = expected_audit_key("tx-1", body_of(first)["timestamp"])
    s3.delete_object(Bucket=AUDIT_BUCKET, Key=key)

    replay = post(processor, VALID, request_id="retry")

    assert replay["statusCode"] == 200
    assert audit_document(s3, key)["requestId"] == "api-request-id"  # the original request's, not the retry's


def test_audit_failure_is_a_500_without_detail_and_a_retry_completes_it(processor: ModuleType, s3: Any,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    s3.delete_bucket(Bucket=AUDIT_BUCKET)

    failed = post(processor, VALID)

    assert failed["statusCode"] == 500
    assert body_of(failed) == {"error": "internal_error", "message": "Internal server error",
                               "requestId": "api-request-id"}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "api-request-id"
    assert error["aws_request_id"] == "lambda-request-id"
    assert "NoSuchBucket" in error["exception"]
    assert error["service"] == "payment-processor"

    s3.create_bucket(Bucket=AUDIT_BUCKET)
    retry = post(processor, VALID)

    assert retry["statusCode"] == 200
    assert [v["Key"] for v in audit_versions(s3)] == [expected_audit_key("tx-1", body_of(retry)["timestamp"])]


def test_every_request_is_logged_as_one_json_line(processor: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    post(processor, VALID)
    post(processor, {**VALID, "amount": -1})

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert [(line["message"], line["status"]) for line in lines] == [("request completed", 201),
                                                                     ("request completed", 400)]
    assert lines[1]["field"] == "amount"
    assert all(line["request_id"] == "api-request-id" and line["environment"] == "test" for line in lines)


# --- validation ---------------------------------------------------------------------------------

INVALID = {
    "invalid JSON": ("{not json", "body"),
    "truncated JSON": ('{"transactionId": "tx-1"', "body"),
    "empty body": ("", "body"),
    "array body": ([VALID], "body"),
    "string body": ('"tx-1"', "body"),
    "number body": ("42", "body"),
    "null JSON body": ("null", "body"),
    "hostile nesting": ("[" * 100_000 + "]" * 100_000, "body"),
    "unrepresentable exponent": (_raw("1e9999999999999999999"), "body"),
    "missing transactionId": ({"customerId": "c", "amount": 1}, "transactionId"),
    "missing customerId": ({"transactionId": "t", "amount": 1}, "customerId"),
    "missing amount": ({"transactionId": "t", "customerId": "c"}, "amount"),
    "null transactionId": ({**VALID, "transactionId": None}, "transactionId"),
    "empty transactionId": ({**VALID, "transactionId": ""}, "transactionId"),
    "numeric transactionId": ({**VALID, "transactionId": 123}, "transactionId"),
    "boolean transactionId": ({**VALID, "transactionId": True}, "transactionId"),
    "list transactionId": ({**VALID, "transactionId": ["tx-1"]}, "transactionId"),
    "transactionId too long": ({**VALID, "transactionId": "t" * 65}, "transactionId"),
    "transactionId with space": ({**VALID, "transactionId": "tx 1"}, "transactionId"),
    "transactionId with slash": ({**VALID, "transactionId": "../tx"}, "transactionId"),
    "transactionId with newline": ({**VALID, "transactionId": "tx-1\n"}, "transactionId"),
    "transactionId non-ASCII": ({**VALID, "transactionId": "tx-ü"}, "transactionId"),
    "empty customerId": ({**VALID, "customerId": ""}, "customerId"),
    "customerId too long": ({**VALID, "customerId": "c" * 65}, "customerId"),
    "object customerId": ({**VALID, "customerId": {"id": "c"}}, "customerId"),
    "null amount": ({**VALID, "amount": None}, "amount"),
    "true amount": ({**VALID, "amount": True}, "amount"),
    "false amount": ({**VALID, "amount": False}, "amount"),
    "list amount": ({**VALID, "amount": [10]}, "amount"),
    "object amount": ({**VALID, "amount": {"value": 10}}, "amount"),
    "word amount": ({**VALID, "amount": "ten"}, "amount"),
    "empty string amount": ({**VALID, "amount": ""}, "amount"),
    "negative string amount": ({**VALID, "amount": "-5"}, "amount"),
    "signed string amount": ({**VALID, "amount": "+5"}, "amount"),
    "padded string amount": ({**VALID, "amount": " 5"}, "amount"),
    "exponent string amount": ({**VALID, "amount": "1e3"}, "amount"),
    "three decimals string": ({**VALID, "amount": "10.001"}, "amount"),
    "trailing dot string": ({**VALID, "amount": "10."}, "amount"),
    "thousands separator": ({**VALID, "amount": "1,000.00"}, "amount"),
    "Arabic-Indic digits": ({**VALID, "amount": "١٠"}, "amount"),
    "NaN string": ({**VALID, "amount": "NaN"}, "amount"),
    "NaN": (_raw("NaN"), "amount"),
    "Infinity": (_raw("Infinity"), "amount"),
    "-Infinity": (_raw("-Infinity"), "amount"),
    "zero": ({**VALID, "amount": 0}, "amount"),
    "zero string": ({**VALID, "amount": "0.00"}, "amount"),
    "negative zero": (_raw("-0.0"), "amount"),
    "negative": ({**VALID, "amount": -5}, "amount"),
    "three decimals": (_raw("10.001"), "amount"),
    "tiny": (_raw("1e-999999"), "amount"),
    "above maximum": ({**VALID, "amount": "1000000.01"}, "amount"),
    "huge": (_raw("1e400"), "amount"),
}


@pytest.mark.parametrize(("body", "field"), INVALID.values(), ids=INVALID.keys())
def test_invalid_bodies_are_rejected_naming_the_field(processor: ModuleType, dynamodb: Any, s3: Any,
                                                      body: Any, field: str) -> None:
    response = post(processor, body)

    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_request"
    assert body_of(response)["field"] == field
    assert body_of(response)["requestId"] == "api-request-id"
    assert table_items(dynamodb) == []
    assert audit_versions(s3) == []


@pytest.mark.parametrize(("amount_json", "stored"), [
    ("10", "10.00"), ("0.01", "0.01"), ("10.5", "10.50"), ("10.500", "10.50"), ("1E+2", "100.00"),
    ('"10"', "10.00"), ('"10.5"', "10.50"), ('"0.01"', "0.01"), ('"1000000.00"', "1000000.00"),
    ("1000000", "1000000.00"), ("1000000.000", "1000000.00"),
])
def test_valid_amounts_are_stored_as_exact_decimals(processor: ModuleType, dynamodb: Any, amount_json: str,
                                                    stored: str) -> None:
    response = post(processor, _raw(amount_json))

    assert response["statusCode"] == 201, response["body"]
    assert body_of(response)["amount"] == stored
    (_, record) = table_items(dynamodb)
    assert Decimal(record["amount"]["N"]) == Decimal(stored)


# --- malformed events ---------------------------------------------------------------------------

def test_null_body_is_a_400(processor: ModuleType) -> None:
    response = post(processor, None)

    assert response["statusCode"] == 400
    assert body_of(response)["field"] == "body"


def test_base64_encoded_body_is_decoded(processor: ModuleType) -> None:
    response = post(processor, VALID, base64_body=True)

    assert response["statusCode"] == 201
    assert body_of(response)["transactionId"] == "tx-1"


@pytest.mark.parametrize("encoded", ["not base64 at all!", "/w==", "e30"])  # bad alphabet, bad UTF-8, bad padding
def test_undecodable_base64_body_is_a_400(processor: ModuleType, encoded: str) -> None:
    event = {**api_event("POST"), "body": encoded, "isBase64Encoded": True}

    response = processor.handler(event, FakeContext())

    assert response["statusCode"] == 400
    assert body_of(response)["field"] == "body"


def test_without_request_context_the_lambda_request_id_is_used(processor: ModuleType, dynamodb: Any,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    response = post(processor, VALID, request_id=None)

    assert response["statusCode"] == 201
    (_, record) = table_items(dynamodb)
    assert record["request_id"] == {"S": "lambda-request-id"}
    assert json.loads(capsys.readouterr().out)["request_id"] == "lambda-request-id"


def test_without_any_request_id_errors_still_answer(processor: ModuleType) -> None:
    response = processor.handler(api_event("POST", body="{", request_id=None), None)

    assert response["statusCode"] == 400
    assert "requestId" not in body_of(response)


@pytest.mark.parametrize("event", [None, [], "POST", {"body": json.dumps(VALID)}, {"httpMethod": 7}])
def test_events_that_are_not_proxy_events_are_a_400(processor: ModuleType, dynamodb: Any, event: Any) -> None:
    response = processor.handler(event, FakeContext())

    assert response["statusCode"] == 400
    assert body_of(response)["field"] in {"event", "httpMethod"}
    assert table_items(dynamodb) == []


def test_non_text_body_is_a_400(processor: ModuleType) -> None:
    response = processor.handler({**api_event("POST"), "body": VALID}, FakeContext())

    assert response["statusCode"] == 400
    assert body_of(response)["field"] == "body"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_a_405_with_allow(processor: ModuleType, method: str) -> None:
    response = processor.handler(api_event(method, body=VALID), FakeContext())

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "POST"


# --- DynamoDB transaction outcomes moto cannot produce --------------------------------------------

def _cancel(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error("transact_write_items", service_error_code="TransactionCanceledException",
                             service_message="Transaction cancelled", http_status_code=400,
                             modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]})


@pytest.mark.parametrize("code", ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"])
def test_a_contended_or_throttled_write_is_retried(processor: ModuleType, s3: Any, code: str) -> None:
    with Stubber(processor._LEDGER._client) as stubber:
        _cancel(stubber, "None", code)
        stubber.add_response("transact_write_items", {})

        response = post(processor, VALID)

        stubber.assert_no_pending_responses()
    assert response["statusCode"] == 201
    assert len(audit_versions(s3)) == 1


def test_persistent_contention_asks_the_client_to_retry(processor: ModuleType, s3: Any) -> None:
    with Stubber(processor._LEDGER._client) as stubber:
        for _ in range(4):
            _cancel(stubber, "TransactionConflict", "None")

        response = post(processor, VALID)

        stubber.assert_no_pending_responses()
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert audit_versions(s3) == []


def test_an_unexpected_cancellation_is_a_500(processor: ModuleType) -> None:
    with Stubber(processor._LEDGER._client) as stubber:
        _cancel(stubber, "None", "ValidationError")

        response = post(processor, VALID)

    assert response["statusCode"] == 500
    assert body_of(response)["error"] == "internal_error"


# --- configuration ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PROCESSOR_ENV))
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_variable_fails_the_import_naming_it(processor_env: None, monkeypatch: pytest.MonkeyPatch,
                                                       name: str, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError, match=f"environment variable {name} is not set"):
        import_handler("payment_processor")


@pytest.mark.parametrize(("name", "value"), [
    ("MAX_TRANSACTION_AMOUNT", "lots"), ("MAX_TRANSACTION_AMOUNT", "0"), ("MAX_TRANSACTION_AMOUNT", "-1"),
    ("MAX_TRANSACTION_AMOUNT", "NaN"), ("MAX_TRANSACTION_AMOUNT", "Infinity"), ("MAX_TRANSACTION_AMOUNT", "1.001"),
    ("MAX_TRANSACTION_AMOUNT", "10000000000000.01"), ("LOG_LEVEL", "VERBOSE"),
])
def test_an_invalid_variable_fails_the_import_naming_it(processor_env: None, monkeypatch: pytest.MonkeyPatch,
                                                        name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError, match=re.escape(f"environment variable {name}='{value}' is invalid")):
        import_handler("payment_processor")


def test_the_configured_maximum_and_log_level_apply(processor_env: None, monkeypatch: pytest.MonkeyPatch,
                                                    dynamodb: Any, s3: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAX_TRANSACTION_AMOUNT", "50")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    create_transactions_table(dynamodb)
    create_audit_bucket(s3)
    processor = import_handler("payment_processor")

    assert post(processor, {**VALID, "amount": "50.00"})["statusCode"] == 201
    rejected = post(processor, {**VALID, "transactionId": "tx-2", "amount": "50.01"})

    assert rejected["statusCode"] == 400
    assert body_of(rejected)["message"] == "amount must not exceed 50.00"
    assert capsys.readouterr().out == ""  # INFO request lines are below WARNING

"""Whatever arrives, the handlers answer with a client status and store only valid items."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lambda_harness import AUDIT_BUCKET, TRANSACTIONS_TABLE, FakeContext, api_event, body_of

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAXIMUM = Decimal("1000000.00")
FIELDS = {"body", "event", "transactionId", "customerId", "amount"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
# Field values as JSON text, weighted towards plausible ones so that valid transactions, replays
# and conflicts make up a good share of the examples, not only rejections.
plausible_ids = st.sampled_from(["tx-1", "tx-2", "cust-1", "cust-2"]) | st.from_regex(ID, fullmatch=True)
ids = st.one_of(plausible_ids, plausible_ids, st.text(max_size=70), json_values).map(json.dumps)
cents = st.decimals(min_value=Decimal("0.01"), max_value=MAXIMUM, places=2)
amounts = st.one_of(
    cents.map(str),
    cents.map(lambda d: json.dumps(str(d))),
    st.sampled_from(["1", "1.5", "10.50", '"10.50"', "1E+2", "1000000.00", "1000000.01", "0", "-0.0", "-1",
                     "10.005", "NaN", "Infinity", "-Infinity", "1e400", "1e-400", "true", "null", '""']),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=12).map(json.dumps),
    json_values.map(json.dumps),
)


def _object(fields: dict[str, str]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields.items()) + "}"


notes = json_values.map(json.dumps)
complete_objects = st.fixed_dictionaries({"transactionId": ids, "customerId": ids, "amount": amounts},
                                         optional={"note": notes}).map(_object)
partial_objects = st.fixed_dictionaries({}, optional={"transactionId": ids, "customerId": ids, "amount": amounts,
                                                      "note": notes}).map(_object)
raw_bodies = st.one_of(complete_objects, complete_objects, complete_objects, partial_objects,
                       st.text(max_size=50), st.none(), json_values.map(json.dumps))


@st.composite
def proxy_events(draw: st.DrawFn) -> Any:
    body = draw(raw_bodies)
    encoded = body is not None and draw(st.booleans())
    event = api_event("POST", body=body, request_id=draw(st.none() | st.just("api-request-id")))
    if encoded:
        event["body"] = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
        event["isBase64Encoded"] = True
    return event


def assert_valid_table(dynamodb: Any, s3: Any) -> None:
    items = dynamodb.scan(TableName=TRANSACTIONS_TABLE)["Items"]
    records = {i["transaction_id"]["S"]: i for i in items if i["item_type"]["S"] == "transaction"}
    markers = {i["transaction_id"]["S"]: i for i in items if i["item_type"]["S"] == "idempotency_marker"}
    assert len(records) + len(markers) == len(items)
    assert records.keys() == markers.keys()
    for transaction_id, record in records.items():
        amount = Decimal(record["amount"]["N"])
        assert ID.fullmatch(transaction_id) and ID.fullmatch(record["customer_id"]["S"])
        assert Decimal("0") < amount <= MAXIMUM
        assert amount == amount.quantize(Decimal("0.01"))
        assert markers[transaction_id]["record_timestamp"] == record["timestamp"]
        assert int(record["timestamp"]["N"]) > 0
    audit_keys = s3.list_objects_v2(Bucket=AUDIT_BUCKET).get("Contents", [])
    assert sorted(k["Key"].rsplit("/", 1)[1] for k in audit_keys) == sorted(f"{t}.json" for t in records)


@SETTINGS
@given(proxy_event=proxy_events())
def test_random_transaction_requests_never_fail_or_store_junk(processor: ModuleType, dynamodb: Any, s3: Any,
                                                              proxy_event: dict[str, Any]) -> None:
    response = processor.handler(proxy_event, FakeContext())

    assert response["statusCode"] in {200, 201, 400, 409}, response["body"]
    body = body_of(response)
    event(f"{response['statusCode']} {body.get('field', '')}")  # --hypothesis-show-statistics shows the mix
    if response["statusCode"] == 400:
        assert body["field"] in FIELDS
    assert_valid_table(dynamodb, s3)


@SETTINGS
@given(method=st.sampled_from(["GET", "POST", "PUT"]),
       query=st.none() | st.dictionaries(st.sampled_from(["sessionId", "x"]), st.text(max_size=40), max_size=2),
       body=raw_bodies)
def test_random_session_requests_never_fail(sessions: ModuleType, method: str, query: dict[str, str] | None,
                                            body: str | None) -> None:
    event = api_event(method, body=body, query=query)

    response = sessions.handler(event, FakeContext())

    assert response["statusCode"] in {200, 201, 400, 404, 405}, response["body"]

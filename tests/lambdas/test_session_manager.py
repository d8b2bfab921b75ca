"""POST and GET /sessions against moto's DynamoDB, with the template's sessions table."""

from __future__ import annotations

import json
import time
import uuid
from types import ModuleType
from typing import Any

import pytest
from lambda_harness import (
    SESSION_ENV,
    SESSIONS_TABLE,
    FakeContext,
    api_event,
    body_of,
    create_sessions_table,
    import_handler,
)


def create(sessions: ModuleType, body: Any = None, **event: Any) -> dict[str, Any]:
    return sessions.handler(api_event("POST", body={"userId": "user-1"} if body is None else body, **event),
                            FakeContext())


def read(sessions: ModuleType, query: dict[str, str] | None) -> dict[str, Any]:
    return sessions.handler(api_event("GET", query=query), FakeContext())


def stored(dynamodb: Any) -> list[dict[str, Any]]:
    return dynamodb.scan(TableName=SESSIONS_TABLE)["Items"]


def put_session(dynamodb: Any, session_id: str, expires_at: int) -> None:
    dynamodb.put_item(TableName=SESSIONS_TABLE, Item={
        "session_id": {"S": session_id}, "user_id": {"S": "user-1"},
        "created_at": {"N": str(expires_at - 3600)}, "expires_at": {"N": str(expires_at)}})


def test_create_returns_201_with_a_uuid_and_the_configured_lifetime(sessions: ModuleType, dynamodb: Any) -> None:
    before = int(time.time())
    response = create(sessions)
    after = int(time.time())

    assert response["statusCode"] == 201
    body = body_of(response)
    assert set(body) == {"sessionId", "expiresAt"}
    assert uuid.UUID(body["sessionId"]).version == 4
    assert before + 24 * 3600 <= body["expiresAt"] <= after + 24 * 3600
    (item,) = stored(dynamodb)
    assert item["session_id"] == {"S": body["sessionId"]}
    assert item["user_id"] == {"S": "user-1"}
    assert item["expires_at"] == {"N": str(body["expiresAt"])}  # a Number, so DynamoDB TTL acts on it
    assert before <= int(item["created_at"]["N"]) <= after


def test_session_lifetime_comes_from_configuration(session_env: None, monkeypatch: pytest.MonkeyPatch,
                                                   dynamodb: Any) -> None:
    monkeypatch.setenv("SESSION_TTL_HOURS", "2")
    create_sessions_table(dynamodb)
    sessions = import_handler("session_manager")

    body = body_of(create(sessions))

    assert abs(body["expiresAt"] - (time.time() + 2 * 3600)) < 5


def test_each_create_is_a_new_session(sessions: ModuleType, dynamodb: Any) -> None:
    ids = {body_of(create(sessions))["sessionId"] for _ in range(3)}

    assert len(ids) == 3
    assert len(stored(dynamodb)) == 3


def test_a_created_session_reads_back(sessions: ModuleType) -> None:
    created = body_of(create(sessions))

    response = read(sessions, {"sessionId": created["sessionId"]})

    assert response["statusCode"] == 200
    body = body_of(response)
    assert body.pop("createdAt") <= time.time()
    assert body == {"sessionId": created["sessionId"], "userId": "user-1", "expiresAt": created["expiresAt"]}


def test_an_upper_case_session_id_reads_the_same_session(sessions: ModuleType) -> None:
    created = body_of(create(sessions))

    response = read(sessions, {"sessionId": created["sessionId"].upper()})

    assert response["statusCode"] == 200
    assert body_of(response)["sessionId"] == created["sessionId"]


def test_an_unknown_session_is_a_404(sessions: ModuleType) -> None:
    response = read(sessions, {"sessionId": str(uuid.uuid4())})

    assert response["statusCode"] == 404
    assert body_of(response)["error"] == "not_found"


@pytest.mark.parametrize("age", [1, 3600])
def test_an_expired_session_not_yet_deleted_by_ttl_is_a_404(sessions: ModuleType, dynamodb: Any, age: int) -> None:
    session_id = str(uuid.uuid4())
    put_session(dynamodb, session_id, int(time.time()) - age)

    response = read(sessions, {"sessionId": session_id})

    assert response["statusCode"] == 404
    assert body_of(response) == body_of(read(sessions, {"sessionId": str(uuid.uuid4())}))


def test_a_session_is_valid_until_its_expiry(sessions: ModuleType, dynamodb: Any) -> None:
    session_id = str(uuid.uuid4())
    put_session(dynamodb, session_id, int(time.time()) + 60)

    assert read(sessions, {"sessionId": session_id})["statusCode"] == 200


@pytest.mark.parametrize("query", [None, {}, {"sessionId": ""}, {"session": str(uuid.uuid4())}])
def test_a_missing_session_id_is_a_400(sessions: ModuleType, query: dict[str, str] | None) -> None:
    response = read(sessions, query)

    assert response["statusCode"] == 400
    assert body_of(response)["field"] == "sessionId"
    assert "required" in body_of(response)["message"]


SAMPLE = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


@pytest.mark.parametrize("session_id", [
    "abc", "123", SAMPLE.replace("-", ""), "{" + SAMPLE + "}", "urn:uuid:" + SAMPLE, SAMPLE + "\n",
    " " + SAMPLE, SAMPLE[:-1], SAMPLE + "0", SAMPLE.replace("a", "g"), "../" + SAMPLE,
])
def test_a_malformed_session_id_is_a_400(sessions: ModuleType, session_id: str) -> None:
    response = read(sessions, {"sessionId": session_id})

    assert response["statusCode"] == 400
    assert body_of(response)["message"] == "sessionId must be a UUID"


@pytest.mark.parametrize("body", [
    "{", "[]", '"user-1"', {}, {"userId": None}, {"userId": ""}, {"userId": 42}, {"userId": "a b"},
    {"userId": "u" * 65}, {"userId": ["user-1"]},
])
def test_create_rejects_a_bad_body(sessions: ModuleType, dynamodb: Any, body: Any) -> None:
    response = create(sessions, body)

    assert response["statusCode"] == 400
    assert body_of(response)["field"] in {"body", "userId"}
    assert stored(dynamodb) == []


def test_create_rejects_a_null_body(sessions: ModuleType) -> None:
    response = sessions.handler({**api_event("POST"), "body": None}, FakeContext())

    assert response["statusCode"] == 400
    assert body_of(response)["field"] == "body"


def test_create_accepts_a_base64_body_and_no_request_context(sessions: ModuleType,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    response = create(sessions, base64_body=True, request_id=None)

    assert response["statusCode"] == 201
    assert json.loads(capsys.readouterr().out)["request_id"] == "lambda-request-id"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_methods_are_a_405_with_allow(sessions: ModuleType, dynamodb: Any, method: str) -> None:
    response = sessions.handler(api_event(method, body={"userId": "user-1"}), FakeContext())

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, POST"
    assert stored(dynamodb) == []


def test_a_lower_case_method_is_routed(sessions: ModuleType) -> None:
    assert sessions.handler(api_event("post", body={"userId": "user-1"}), FakeContext())["statusCode"] == 201


def test_a_dynamodb_failure_is_a_500_without_detail(sessions: ModuleType, dynamodb: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb.delete_table(TableName=SESSIONS_TABLE)

    response = read(sessions, {"sessionId": str(uuid.uuid4())})

    assert response["statusCode"] == 500
    assert body_of(response) == {"error": "internal_error", "message": "Internal server error",
                                 "requestId": "api-request-id"}
    error, completed = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert error["level"] == "ERROR"
    assert error["request_id"] == "api-request-id"
    assert "ResourceNotFoundException" in error["exception"]
    assert completed["status"] == 500


@pytest.mark.parametrize("name", sorted(SESSION_ENV))
def test_a_missing_variable_fails_the_import_naming_it(session_env: None, monkeypatch: pytest.MonkeyPatch,
                                                       name: str) -> None:
    monkeypatch.delenv(name)

    with pytest.raises(RuntimeError, match=f"environment variable {name} is not set"):
        import_handler("session_manager")


@pytest.mark.parametrize("value", ["0", "169", "-1", "1.5", "24h", "twenty-four", "²"])
def test_an_invalid_session_lifetime_fails_the_import(session_env: None, monkeypatch: pytest.MonkeyPatch,
                                                      value: str) -> None:
    monkeypatch.setenv("SESSION_TTL_HOURS", value)

    with pytest.raises(RuntimeError, match="environment variable SESSION_TTL_HOURS="):
        import_handler("session_manager")

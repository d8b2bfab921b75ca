"""POST /sessions creates a session; GET /sessions?sessionId= reads one back.

Configuration is read and checked at import so a bad deployment fails at init, and the
DynamoDB client is built once per container. DynamoDB deletes expired items lazily (up to days
later), so reads check `expires_at` themselves; an expired session answers exactly like an
unknown one, so the response does not reveal that an id once existed.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import boto3
from apigw import (
    ApiError,
    ProxyResponse,
    Request,
    api_handler,
    bad_request,
    identifier,
    json_logger,
    json_response,
    parse_log_level,
    require_env,
)
from botocore.config import Config

MAX_TTL_HOURS = 168  # the template's SessionTtlHours bound


def parse_ttl_hours(raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_TTL_HOURS:
        raise ValueError(f"expected a whole number of hours from 1 to {MAX_TTL_HOURS}")
    return int(raw)


SESSIONS_TABLE = require_env("SESSIONS_TABLE", str)
ENVIRONMENT = require_env("ENVIRONMENT", str)
LOG_LEVEL = require_env("LOG_LEVEL", parse_log_level)
SESSION_TTL_HOURS = require_env("SESSION_TTL_HOURS", parse_ttl_hours)

# Short timeouts so a stuck connection fails (and is retried) in seconds instead of eating the
# function's whole timeout; standard mode retries throttling and transient errors with backoff.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
_DYNAMODB = boto3.client("dynamodb", config=_AWS_CONFIG)
LOG = json_logger("session-manager", ENVIRONMENT, LOG_LEVEL)

def _session_body(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "sessionId": item["session_id"]["S"],
        "userId": item["user_id"]["S"],
        "createdAt": int(item["created_at"]["N"]),
        "expiresAt": int(item["expires_at"]["N"]),
    }


def create_session(request: Request) -> ProxyResponse:
    user_id = identifier(request.json_object(), "userId")
    session_id = str(uuid.uuid4())
    now = int(time.time())
    expires_at = now + SESSION_TTL_HOURS * 3600
    item = {
        "session_id": {"S": session_id},
        "user_id": {"S": user_id},
        "created_at": {"N": str(now)},
        "expires_at": {"N": str(expires_at)},
    }
    # A random UUID never collides in practice; the condition makes sure it never overwrites either.
    _DYNAMODB.put_item(TableName=SESSIONS_TABLE, Item=item,
                       ConditionExpression="attribute_not_exists(session_id)")
    return json_response(201, {"sessionId": session_id, "expiresAt": expires_at})


def _session_id(raw: str | None) -> str:
    """The canonical (lower-case, hyphenated) form; other UUID spellings are rejected, not guessed."""
    if not raw:
        raise bad_request("sessionId", "sessionId query parameter is required")
    try:
        canonical = str(uuid.UUID(raw))
    except ValueError:
        canonical = None
    if canonical != raw.lower():
        raise bad_request("sessionId", "sessionId must be a UUID")
    return canonical


def get_session(request: Request) -> ProxyResponse:
    session_id = _session_id(request.query.get("sessionId"))
    # Consistent read: a client that reads its session right after creating it must find it.
    item = _DYNAMODB.get_item(TableName=SESSIONS_TABLE, Key={"session_id": {"S": session_id}},
                              ConsistentRead=True).get("Item")
    if item is None or int(item["expires_at"]["N"]) <= time.time():
        raise ApiError(404, "not_found", "no such session")
    return json_response(200, _session_body(item))


handler = api_handler(LOG, {"GET": get_session, "POST": create_session})

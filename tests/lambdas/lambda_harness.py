"""What the Lambda tests and the benchmark share: tables and bucket as the templates define
them, proxy events, and importing a handler the way Lambda does (its folder or its zip first on
sys.path, its sibling modules fresh).
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import sys
import threading
import zipimport
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from types import ModuleType
from typing import Any

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
SHARED_DIR = LAMBDAS_DIR / "common"

TRANSACTIONS_TABLE = "payment-transactions-test"
SESSIONS_TABLE = "payment-sessions-test"
AUDIT_BUCKET = "payment-audit-logs-test-123456789012-us-east-1"
CUSTOMER_INDEX = "customer-index"

PROCESSOR_ENV = {
    "TRANSACTIONS_TABLE": TRANSACTIONS_TABLE,
    "AUDIT_BUCKET": AUDIT_BUCKET,
    "ENVIRONMENT": "test",
    "LOG_LEVEL": "INFO",
    "MAX_TRANSACTION_AMOUNT": "1000000.00",
}
SESSION_ENV = {
    "SESSIONS_TABLE": SESSIONS_TABLE,
    "ENVIRONMENT": "test",
    "LOG_LEVEL": "INFO",
    "SESSION_TTL_HOURS": "24",
}


def create_transactions_table(dynamodb: Any) -> None:
    """The schema of templates_py/data.py's TransactionsTable."""
    dynamodb.create_table(
        TableName=TRANSACTIONS_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "customer_id", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "transaction_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": CUSTOMER_INDEX,
            "KeySchema": [
                {"AttributeName": "customer_id", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )


def create_sessions_table(dynamodb: Any) -> None:
    """The schema of templates_py/data.py's SessionsTable."""
    dynamodb.create_table(
        TableName=SESSIONS_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(TableName=SESSIONS_TABLE,
                                 TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})


def create_audit_bucket(s3: Any) -> None:
    """Versioned, like the template's bucket, so tests can see whether a replay rewrote an object."""
    s3.create_bucket(Bucket=AUDIT_BUCKET)
    s3.put_bucket_versioning(Bucket=AUDIT_BUCKET, VersioningConfiguration={"Status": "Enabled"})


@contextlib.contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """Give moto's in-process DynamoDB the atomicity the real service guarantees.

    DynamoDB applies each conditional write and each transaction atomically. moto checks and
    writes in plain Python, and rolls a cancelled transaction back by restoring a copy of the
    whole table, so threads interleaving inside it lose or duplicate writes that AWS never
    would. Serializing the backend's item operations restores AWS's guarantee while leaving the
    handler's own call sequence free to race, which is what the concurrency tests examine.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    names = ("put_item", "get_item", "delete_item", "update_item", "query", "scan",
             "transact_write_items", "transact_get_items", "batch_write_item")
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def serialized(method: Any) -> Any:
        @wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)
        return call

    for name, method in originals.items():
        setattr(DynamoDBBackend, name, serialized(method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DynamoDBBackend, name, method)


def _module_names(*directories: Path) -> set[str]:
    return {"handler"} | {path.stem for directory in directories for path in directory.glob("*.py")}


def import_handler(function: str, zip_path: Path | None = None) -> ModuleType:
    """Import `<function>/handler.py` (or handler.py inside `zip_path`) as Lambda would.

    The environment must already hold the function's variables: configuration is read at import.
    Sibling modules are dropped from sys.modules before and after, so each call sees the
    current environment and the two functions' modules never leak into each other.
    """
    names = _module_names(LAMBDAS_DIR / function, SHARED_DIR)
    search_path = [str(zip_path)] if zip_path else [str(LAMBDAS_DIR / function), str(SHARED_DIR)]
    saved_path = list(sys.path)
    for name in names:
        sys.modules.pop(name, None)
    sys.path[:0] = search_path
    try:
        if zip_path:
            spec = zipimport.zipimporter(str(zip_path)).find_spec("handler")
        else:
            spec = importlib.util.spec_from_file_location("handler", LAMBDAS_DIR / function / "handler.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved_path
        for name in names:
            sys.modules.pop(name, None)


@dataclass(frozen=True)
class FakeContext:
    aws_request_id: str = "lambda-request-id"


def api_event(method: str, *, body: Any = None, query: Mapping[str, str] | None = None,
              base64_body: bool = False, request_id: str | None = "api-request-id") -> dict[str, Any]:
    """A REST API (v1) proxy event. Non-string bodies are JSON-encoded; None stays null."""
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    event: dict[str, Any] = {
        "resource": "/",
        "path": "/",
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": dict(query) if query is not None else None,
        "body": body,
        "isBase64Encoded": base64_body,
    }
    if request_id is not None:
        event["requestContext"] = {"requestId": request_id, "stage": "test"}
    return event


def body_of(response: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])

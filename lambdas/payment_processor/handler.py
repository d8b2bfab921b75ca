"""POST /transactions: validate, record exactly once, audit, answer.

Configuration is read and checked at import so a bad deployment fails at init, and the AWS
clients are built once per container, not per request. First write: 201. Replay of the same
transaction: 200 with the original body. Same id with another customer or amount: 409.
"""

from __future__ import annotations

import json
import time

import boto3
from apigw import (
    ApiError,
    ProxyResponse,
    Request,
    api_handler,
    json_logger,
    json_response,
    parse_log_level,
    require_env,
)
from botocore.config import Config
from botocore.exceptions import ClientError
from ledger import Ledger, LedgerBusy, Record
from validation import parse_maximum, parse_transaction

TRANSACTIONS_TABLE = require_env("TRANSACTIONS_TABLE", str)
AUDIT_BUCKET = require_env("AUDIT_BUCKET", str)
ENVIRONMENT = require_env("ENVIRONMENT", str)
LOG_LEVEL = require_env("LOG_LEVEL", parse_log_level)
MAX_TRANSACTION_AMOUNT = require_env("MAX_TRANSACTION_AMOUNT", parse_maximum)

# Short timeouts so a stuck connection fails (and is retried) in seconds instead of eating the
# function's whole timeout; standard mode retries throttling and transient errors with backoff.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
_LEDGER = Ledger(boto3.client("dynamodb", config=_AWS_CONFIG), TRANSACTIONS_TABLE)
_S3 = boto3.client("s3", config=_AWS_CONFIG)
LOG = json_logger("payment-processor", ENVIRONMENT, LOG_LEVEL)

# Without s3:ListBucket (deliberately not granted) S3 answers 403, not 404, for a missing key.
# Treating 403 as "absent" is safe: if access really is denied, the repairing put fails loudly.
_ABSENT = {"403", "404", "NoSuchKey", "NotFound", "AccessDenied", "Forbidden"}


def _audit_document(record: Record) -> bytes:
    return json.dumps({
        **record.body(),
        "environment": ENVIRONMENT,
        "requestId": record.request_id,
    }, sort_keys=True, indent=2).encode()


def _put_audit(record: Record) -> None:
    _S3.put_object(Bucket=AUDIT_BUCKET, Key=record.audit_key(), Body=_audit_document(record),
                   ContentType="application/json")


def _ensure_audit(record: Record) -> None:
    """Write the audit object a replay finds missing (the first attempt died after the ledger write).

    The document derives from the stored record only, so a repair writes the same bytes to the
    same key; checking first keeps a replay storm from piling up versions in the bucket.
    """
    try:
        _S3.head_object(Bucket=AUDIT_BUCKET, Key=record.audit_key())
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _ABSENT:
            raise
        _put_audit(record)


def create_transaction(request: Request) -> ProxyResponse:
    transaction = parse_transaction(request.json_object(), MAX_TRANSACTION_AMOUNT)
    candidate = Record(transaction, time.time_ns() // 1_000_000, request.request_id)
    try:
        stored, created = _LEDGER.record_once(candidate)
    except LedgerBusy:
        raise ApiError(503, "busy", "this transaction is being recorded by another request; retry",
                       headers={"Retry-After": "1"}) from None
    if stored.transaction != transaction:
        raise ApiError(409, "conflict", "transactionId was already used with a different customerId or amount",
                       field="transactionId")
    if created:
        _put_audit(stored)
    else:
        _ensure_audit(stored)
    return json_response(201 if created else 200, stored.body())


handler = api_handler(LOG, {"POST": create_transaction})

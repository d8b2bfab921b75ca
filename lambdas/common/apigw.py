"""API Gateway REST proxy plumbing shared by every function (packaged into each zip).

Both functions must answer malformed events, bad bodies and internal failures the same way:
a JSON error a client can act on, never a stack trace, and one structured log line per request
carrying the request id so support can find it. Keeping that here means a fix lands in both.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
ProxyResponse = dict[str, Any]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# One charset for every caller-supplied id: safe in S3 keys, log lines and DynamoDB keys alike.
IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid.

    Raised while the module is imported, so a misconfigured deployment fails its init phase
    (visible at once in the deploy's smoke test) instead of a customer's first request.
    """


def require_env(name: str, parse: Callable[[str], T]) -> T:
    """Read and parse one environment variable, naming it in the error if it is absent or bad."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        raise ConfigurationError(f"environment variable {name} is not set; the function's template must set it")
    try:
        return parse(raw)
    except (ValueError, ArithmeticError) as exc:
        raise ConfigurationError(f"environment variable {name}={raw!r} is invalid: {exc}") from None


def parse_log_level(raw: str) -> int:
    name = raw.upper()
    if name not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return logging.getLevelNamesMapping()[name]


class _JsonFormatter(logging.Formatter):
    def __init__(self, static: Mapping[str, str]) -> None:
        super().__init__()
        self._static = dict(static)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            **self._static,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _StdoutHandler(logging.Handler):
    """Writes to whatever sys.stdout is at emit time, so a redirected stdout is honoured."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def json_logger(service: str, environment: str, level: int) -> logging.Logger:
    """A logger emitting one JSON object per line, which CloudWatch Logs Insights can query.

    It does not propagate, so the Lambda runtime's own root handler does not print every line a
    second time in its text format.
    """
    logger = logging.getLogger(f"payment_platform.{service}")
    handler = _StdoutHandler()
    handler.setFormatter(_JsonFormatter({"service": service, "environment": environment}))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return logger


class ApiError(Exception):
    """An answer for the client rather than a fault: raised anywhere, turned into a JSON response."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def bad_request(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_request", message, field=field)


def json_response(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> ProxyResponse:
    # Payment and session data must never sit in a shared cache.
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":"), sort_keys=True),
    }


def _error_response(error: ApiError, request_id: str | None) -> ProxyResponse:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    if request_id is not None:
        body["requestId"] = request_id
    return json_response(error.status, body, error.headers)


def identifier(payload: Mapping[str, Any], name: str) -> str:
    """A caller-supplied id, checked against the one charset every store and log can hold safely."""
    value = payload.get(name)
    if value is None:
        raise bad_request(name, f"{name} is required")
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise bad_request(name, f"{name} must be a string of 1-64 letters, digits, '_' or '-'")
    return value


def _request_ids(event: Any, context: Any) -> tuple[str | None, str | None]:
    """(id used in responses and logs, Lambda invocation id): API Gateway's id when present."""
    aws_request_id = getattr(context, "aws_request_id", None)
    aws_request_id = aws_request_id if isinstance(aws_request_id, str) and aws_request_id else None
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    api_request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    if isinstance(api_request_id, str) and api_request_id:
        return api_request_id, aws_request_id
    return aws_request_id, aws_request_id


@dataclass(frozen=True)
class Request:
    """The parts of a REST proxy event the functions use, with the event's oddities absorbed."""

    method: str
    request_id: str | None
    query: Mapping[str, str]
    raw_body: Any
    base64_encoded: bool

    @classmethod
    def from_event(cls, event: Any, request_id: str | None) -> Request:
        if not isinstance(event, dict):
            raise bad_request("event", "the event is not an API Gateway proxy event")
        method = event.get("httpMethod")
        if not isinstance(method, str) or not method:
            raise bad_request("httpMethod", "the event has no httpMethod")
        # API Gateway sends null, not {}, when there is no query string.
        query = event.get("queryStringParameters") or {}
        return cls(
            method=method.upper(),
            request_id=request_id,
            query={k: v for k, v in query.items() if isinstance(v, str)} if isinstance(query, dict) else {},
            raw_body=event.get("body"),
            base64_encoded=event.get("isBase64Encoded") is True,
        )

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, with every number parsed as Decimal so money is never a float."""
        text = self.raw_body
        if text is None or text == "":
            raise bad_request("body", "a JSON object body is required")
        if not isinstance(text, str):
            raise bad_request("body", "the body must be text")
        try:
            if self.base64_encoded:
                text = base64.b64decode(text, validate=True).decode("utf-8")
            value = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=Decimal)
        except (ValueError, binascii.Error, RecursionError, ArithmeticError):
            # ValueError covers JSON syntax and UTF-8 errors; RecursionError a hostile nesting
            # depth; ArithmeticError a number whose exponent Decimal cannot hold.
            raise bad_request("body", "the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise bad_request("body", "the body must be a JSON object")
        return value


Route = Callable[[Request], ProxyResponse]
LambdaHandler = Callable[[Any, Any], ProxyResponse]


def api_handler(log: logging.Logger, routes: Mapping[str, Route]) -> LambdaHandler:
    """Wrap method routes into a Lambda entry point with uniform errors, 405s and request logs."""
    allow = ", ".join(sorted(routes))

    def handle(event: Any, context: Any) -> ProxyResponse:
        started = time.perf_counter()
        request_id, aws_request_id = _request_ids(event, context)
        method = event.get("httpMethod") if isinstance(event, dict) else None
        outcome: dict[str, Any] = {}
        try:
            request = Request.from_event(event, request_id)
            route = routes.get(request.method)
            if route is None:
                raise ApiError(405, "method_not_allowed", f"{request.method} is not supported here",
                               headers={"Allow": allow})
            response = route(request)
        except ApiError as error:
            outcome = {"error": error.code, "field": error.field}
            response = _error_response(error, request_id)
        except Exception:
            # The detail stays in the log; the client learns only that it may retry.
            log.exception("unhandled error", extra={"fields": {
                "request_id": request_id, "aws_request_id": aws_request_id, "method": method}})
            response = _error_response(
                ApiError(500, "internal_error", "Internal server error"), request_id)
        log.info("request completed", extra={"fields": {
            "request_id": request_id, "aws_request_id": aws_request_id, "method": method,
            "status": response["statusCode"],
            "duration_ms": round((time.perf_counter() - started) * 1000, 3), **outcome}})
        return response

    return handle

"""Cold-import and warm per-request timings of both handlers, against moto.

Run: .venv/bin/python tests/lambdas/bench_handlers.py [--requests 200] [--imports 7]

Imports are timed in fresh interpreters from the packaged zips, as Lambda loads them (its
/var/task is read-only, so our modules are compiled on every cold start; boto3's are not).
Warm timings call the handler in-process against moto's in-memory backends, so they measure
the handler plus moto, not DynamoDB or S3 latency; the 400 rows involve no AWS call at all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lambda_harness import (
    LAMBDAS_DIR,
    PROCESSOR_ENV,
    SESSION_ENV,
    FakeContext,
    api_event,
    body_of,
    create_audit_bucket,
    create_sessions_table,
    create_transactions_table,
    import_handler,
)

from scripts.build.packaging import build_all

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true"}
IMPORT_PROBE = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
import handler
print(time.perf_counter() - started)
"""


def cold_import_ms(zip_path: Path, env: dict[str, str], runs: int) -> float:
    timings = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-c", IMPORT_PROBE, str(zip_path)], env={**os.environ, **env},
                                capture_output=True, text=True, check=True).stdout
        timings.append(float(output) * 1000)
    return statistics.median(timings)


def warm_ms(call: Callable[[int], dict[str, Any]], expected: int, requests: int) -> float:
    for n in range(10):  # warm the code paths and moto
        call(-1 - n)
    timings = []
    for n in range(requests):
        started = time.perf_counter()
        response = call(n)
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == expected, response
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--imports", type=int, default=7)
    args = parser.parse_args()
    os.environ.update(FAKE_AWS)

    with tempfile.TemporaryDirectory() as dist:
        zips = {p.function: p.zip_path for p in build_all(LAMBDAS_DIR, Path(dist))}
        print(f"cold import (median of {args.imports} fresh interpreters, from the zip)")
        for function, env in (("payment_processor", PROCESSOR_ENV), ("session_manager", SESSION_ENV)):
            print(f"  {function:<18} {cold_import_ms(zips[function], {**FAKE_AWS, **env}, args.imports):8.1f} ms")

    import boto3
    from moto import mock_aws

    os.environ.update({**PROCESSOR_ENV, **SESSION_ENV, "LOG_LEVEL": "WARNING"})  # keep request lines off stdout
    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        create_transactions_table(dynamodb)
        create_sessions_table(dynamodb)
        create_audit_bucket(s3)
        processor = import_handler("payment_processor")
        sessions = import_handler("session_manager")
        context = FakeContext()

        def transaction(n: int, amount: Any = "10.00") -> dict[str, Any]:
            body = {"transactionId": f"tx-{n}", "customerId": "cust-1", "amount": amount}
            return processor.handler(api_event("POST", body=body), context)

        session_id = body_of(sessions.handler(api_event("POST", body={"userId": "u"}), context))["sessionId"]
        rows = [
            ("POST /transactions, new", lambda n: transaction(n), 201),
            ("POST /transactions, replay", lambda n: transaction(0), 200),
            ("POST /transactions, 400", lambda n: transaction(n, amount="-1"), 400),
            ("POST /sessions", lambda n: sessions.handler(api_event("POST", body={"userId": "u"}), context), 201),
            ("GET /sessions", lambda n: sessions.handler(api_event("GET", query={"sessionId": session_id}),
                                                         context), 200),
            ("GET /sessions, 400", lambda n: sessions.handler(api_event("GET", query=None), context), 400),
        ]
        print(f"warm request (median of {args.requests}, in-process against moto)")
        for label, call, expected in rows:
            print(f"  {label:<28} {warm_ms(call, expected, args.requests):8.3f} ms")


if __name__ == "__main__":
    main()

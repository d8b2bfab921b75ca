"""The zips `payctl package` ships run as Lambda runs them: handler.handler from the zip root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lambda_harness import (
    LAMBDAS_DIR,
    FakeContext,
    api_event,
    create_audit_bucket,
    create_sessions_table,
    create_transactions_table,
    import_handler,
)

from scripts.build.packaging import build_all


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.function: p.zip_path for p in build_all(LAMBDAS_DIR, tmp_path_factory.mktemp("dist"))}


def test_the_payment_processor_zip_records_a_transaction(zips: dict[str, Path], processor_env: None,
                                                         dynamodb: Any, s3: Any) -> None:
    create_transactions_table(dynamodb)
    create_audit_bucket(s3)
    handler = import_handler("payment_processor", zip_path=zips["payment_processor"])

    response = handler.handler(api_event("POST", body={"transactionId": "t", "customerId": "c", "amount": 1}),
                               FakeContext())

    assert handler.__file__.startswith(str(zips["payment_processor"]))
    assert response["statusCode"] == 201


def test_the_session_manager_zip_creates_a_session(zips: dict[str, Path], session_env: None, dynamodb: Any) -> None:
    create_sessions_table(dynamodb)
    handler = import_handler("session_manager", zip_path=zips["session_manager"])

    response = handler.handler(api_event("POST", body={"userId": "u"}), FakeContext())

    assert handler.__file__.startswith(str(zips["session_manager"]))
    assert response["statusCode"] == 201

"""Fixtures for the handler tests: moto with AWS's atomicity, the templates' tables and bucket,
and each handler freshly imported with its environment."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from lambda_harness import (
    PROCESSOR_ENV,
    SESSION_ENV,
    atomic_dynamodb,
    create_audit_bucket,
    create_sessions_table,
    create_transactions_table,
    import_handler,
)
from moto import mock_aws


@pytest.fixture(scope="session")
def shared_boto3_session() -> boto3.session.Session:
    return boto3.session.Session()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, shared_boto3_session: boto3.session.Session) -> Iterator[None]:
    """moto for one test, its backends empty at the start.

    boto3's default session (which the handlers' module-level clients use) is one shared session
    for these tests instead of a new one per test as moto would make: loading the service models
    again for every test was most of the suite's run time. It is put back after each test.
    """
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", shared_boto3_session)
    with atomic_dynamodb(), mock_aws(config={"core": {"reset_boto3_session": False}}):
        yield


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def s3(aws: None) -> Any:
    return boto3.client("s3")


@pytest.fixture
def processor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PROCESSOR_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def session_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SESSION_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def processor(processor_env: None, dynamodb: Any, s3: Any) -> ModuleType:
    create_transactions_table(dynamodb)
    create_audit_bucket(s3)
    return import_handler("payment_processor")


@pytest.fixture
def sessions(session_env: None, dynamodb: Any) -> ModuleType:
    create_sessions_table(dynamodb)
    return import_handler("session_manager")

"""Shared fixtures. The autouse fixture makes it impossible for a test to reach a real AWS account."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paramfiles import PARAMS


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials, no profile or config file, and a fixed region for every test."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.touch()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_ENDPOINT_URL", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_MAX_ATTEMPTS",
                 "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Public DNS lookups (edge.delegated) go to 127.0.0.1, never out: a test that needs answers
    # starts a responder there (tests/dns_responder.py) and points this at it.
    monkeypatch.setenv("PAYCTL_DNS_RESOLVER", "127.0.0.1:9")


@pytest.fixture
def params(tmp_path: Path) -> Path:
    """A private copy of params/ that a test may break."""
    target = tmp_path / "params"
    shutil.copytree(PARAMS, target)
    return target

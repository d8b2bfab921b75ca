"""Fixtures of the conformance suite; the harness itself is in conformance.py (a module name of
its own, so the suite's helpers never collide with another folder's conftest)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from conformance import (
    ADMIN_ROLE,
    EMULATED_ADMIN,
    EMULATED_TARGETS,
    EMULATED_TIME_SCALE,
    REAL_PROFILE,
    ROOT,
    Cloud,
    StackSets,
    _real_cloud,
    grant_stack_set_roles,
)

from scripts.emulator import own_process


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    if REAL_PROFILE:
        yield None
        return
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with own_process(ROOT / "params", EMULATED_TIME_SCALE, env) as url:
        yield url


@pytest.fixture
def cloud(emulator_url: str | None) -> Cloud:
    """Function-scoped because the root conftest's fake credentials are per test; the emulator
    (or the real account) is shared by the whole session."""
    if REAL_PROFILE:
        return _real_cloud()
    admin = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    cloud = Cloud(admin, EMULATED_ADMIN, list(EMULATED_TARGETS), "us-east-1", emulator_url, real=False)
    iam = cloud.client("iam")
    if not any(r["RoleName"] == ADMIN_ROLE for r in iam.list_roles()["Roles"]):
        grant_stack_set_roles(cloud)
    return cloud


@pytest.fixture
def stack_sets(cloud: Cloud) -> Iterator[StackSets]:
    made = StackSets(cloud)
    yield made
    made.cleanup()

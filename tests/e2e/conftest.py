"""End-to-end fixtures: the deployer against the emulator over HTTP, as a user runs it.

`deployed` is one platform rolled out once and shared by the tests that only read it; tests
that change something take `fresh`, an emulator of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from emulated import Platform, deploy_all, running_platform


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for platform in running_platform(tmp_path_factory.mktemp("deployed")):
        platform.first_deploy = deploy_all(platform)
        yield platform


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Platform]:
    yield from running_platform(tmp_path)

"""Before the survey reaches into hundreds of accounts, payctl's own process freezes what it has
loaded (scripts/aws/longlived.py), so the full collections the per-account clients cause stop
walking the service models again and again; a program that runs payctl inside itself is left
alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from scripts.aws.clients import Aws, longlived


@pytest.fixture
def unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_payctls_own_process_freezes_the_fan_outs_models_out_of_the_collectors_walk(
        unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(longlived, "_enabled", True)
    aws = Aws(region="us-east-1")
    assert aws.prepare_fan_out(["dynamodb", "logs"])

    model = aws.session._session.get_component("data_loader").load_service_model(
        "dynamodb", "service-2")
    assert gc.get_freeze_count() > 0
    walked = {id(o) for o in gc.get_objects()}
    assert id(model) not in walked and id(model["operations"]) not in walked
    assert not aws.calls  # loading makes no call


def test_a_program_running_payctl_inside_itself_is_left_alone(unfrozen: None) -> None:
    assert not longlived.enabled()  # the tests invoke the CLI in-process
    aws = Aws(region="us-east-1")
    assert not aws.prepare_fan_out(["dynamodb", "logs"])
    assert gc.get_freeze_count() == 0


def test_payctls_own_process_lets_per_account_clients_die_young(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """16 accounts in flight hold ~170,000 objects of clients: the youngest generation must be
    larger, or in-use clients reach the oldest one and only full collections free them."""
    before = gc.get_threshold()
    monkeypatch.setattr(longlived, "_enabled", False)
    try:
        longlived.enable()
        assert longlived.enabled()
        assert gc.get_threshold() == (200_000, *before[1:])
    finally:
        gc.set_threshold(*before)

"""The emulator's own costs stay off AWS's simulated time: the clock stands still while the
emulator works, and moto does no needless per-account work on a request."""

from __future__ import annotations

import socket
import threading
import time

import moto.iam.models
import pytest

from scripts.emulator import shims
from scripts.emulator.engine.clock import Clock


def test_the_clock_stands_still_during_a_pause_and_overlapping_pauses_count_once() -> None:
    clock = Clock()
    inside = threading.Event()
    release = threading.Event()

    def other_pause() -> None:
        with clock.paused():
            inside.set()
            release.wait(5)

    before = clock.monotonic()
    with clock.paused():
        frozen = clock.monotonic()
        thread = threading.Thread(target=other_pause)
        thread.start()
        inside.wait(5)
        time.sleep(0.05)
        assert clock.monotonic() == frozen
    time.sleep(0.05)  # the other pause is still open: the clock still stands
    assert clock.monotonic() == frozen
    release.set()
    thread.join()
    assert frozen - before < 0.05
    stood = clock.paused_seconds
    assert 0.1 <= stood < 1.0  # one interval, not the sum of the two overlapping pauses
    time.sleep(0.02)
    assert clock.monotonic() > frozen


def test_a_request_with_keys_no_account_holds_builds_no_iam_for_unused_partitions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """moto would build IAM (with AWS's managed policies) in all six partitions of every
    account to answer it: ~0.9 s per account, 270 s at 300 accounts; AWS has no such cost."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    monkeypatch.setattr(moto.iam.models, "get_account_id_from", moto.iam.models.get_account_id_from)
    backends = moto.iam.models.iam_backends
    accounts = ["900000000101", "900000000102"]
    monkeypatch.setattr(moto.iam.models, "DEFAULT_ACCOUNT_ID", "111111111111")
    try:
        assert not backends[accounts[0]]  # an account with no IAM built yet
        holder = backends[accounts[1]]["global"]
        key = holder.create_temp_access_key()
        shims._access_keys_found_where_they_are()

        assert moto.iam.models.get_account_id_from("AKIDNOBODYHOLDS") == "111111111111"
        assert moto.iam.models.get_account_id_from(key.access_key_id) == accounts[1]
        assert [sorted(backends[a]) for a in accounts] == [[], ["aws"]]
    finally:
        for account in accounts:
            backends.pop(account, None)


def test_in_the_bench_only_the_deployers_sleeps_pass_on_the_emulator_clock() -> None:
    """The bench converts the emulator's clock back to AWS time: the deployer's own work
    (planning, calls) is real time that counts once, so the clock must not move meanwhile;
    a sleep between polls moves it by its length, and sleeps side by side (the parallel
    strategy's waiters) by the longest, not the sum."""
    from scripts.bench.__main__ import sleeps_on_the_emulator_clock
    from scripts.bench.drive import EmulatorSleep
    from scripts.emulator.engine.clock import CLOCK

    ours, theirs = socket.socketpair()
    with sleeps_on_the_emulator_clock(ours):
        sleep = EmulatorSleep(theirs)
        before = CLOCK.monotonic()
        time.sleep(0.1)  # the deployer working
        assert CLOCK.monotonic() == before
        sleepers = [threading.Thread(target=sleep, args=(0.1,)) for _ in range(2)]
        for thread in sleepers:
            thread.start()
        for thread in sleepers:
            thread.join(5)
        moved = CLOCK.monotonic() - before
        time.sleep(0.05)
        assert CLOCK.monotonic() - before == moved  # standing again
        assert 0.1 <= moved < 0.2
        theirs.shutdown(socket.SHUT_RDWR)  # the child's exit

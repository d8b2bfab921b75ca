"""Plain stacks for the conformance suite: create one, wait for it, and always delete it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from conformance import unique


def wait(cfn: Any, waiter: str, stack: str, poll: float) -> None:
    """A CloudFormation waiter polling at the cloud's pace (the emulator's stacks are quick)."""
    cfn.get_waiter(waiter).wait(StackName=stack, WaiterConfig={
        "Delay": poll, "MaxAttempts": 180 if poll >= 1 else 600})


@contextmanager
def stack(cfn: Any, template: dict[str, Any], poll: float, **create: Any) -> Iterator[str]:
    """A created stack's id; deleted afterwards, whatever the test did."""
    stack_id = cfn.create_stack(StackName=unique("conformance"), TemplateBody=json.dumps(template),
                                **create)["StackId"]
    try:
        wait(cfn, "stack_create_complete", stack_id, poll)
        yield stack_id
    finally:
        cfn.delete_stack(StackName=stack_id)
        with suppress(WaiterError):  # the test's own assertion is the failure worth reporting
            wait(cfn, "stack_delete_complete", stack_id, poll)


def until(check: Callable[[], bool], poll: float, what: str) -> None:
    """Poll `check` at the cloud's pace until it holds (minutes on AWS, seconds here)."""
    deadline = time.monotonic() + (900 if poll >= 1 else 30)
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll)


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The error a call fails with: its code, message and HTTP status."""
    try:
        call(**kwargs)
    except ClientError as err:
        return {**err.response["Error"],
                "HTTPStatusCode": err.response["ResponseMetadata"]["HTTPStatusCode"]}
    raise AssertionError(f"{call.__name__} succeeded")

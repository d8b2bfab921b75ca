"""Faults outside any operation: no credentials, expired credentials, an unreachable endpoint.
Each is one line on stderr and exit code 1, never a traceback."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import botocore.awsrequest
import botocore.exceptions
import botocore.session
import pytest
from click.testing import CliRunner

from scripts.aws import clients as aws
from scripts.cli.main import cli

UNREACHABLE = "http://127.0.0.1:9"


def payctl(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--endpoint-url", UNREACHABLE, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def answer_every_request(monkeypatch: pytest.MonkeyPatch, status: int, code: str) -> None:
    """Every botocore session answers each request with an AWS error, as AWS would."""
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{code} says "
            f"no</Message></Error></ErrorResponse>").encode()

    class Raw:
        def stream(self, **_: Any) -> list[bytes]:
            return [body]

    def respond(request: Any, **_: Any) -> Any:
        return botocore.awsrequest.AWSResponse(request.url, status, {}, Raw())

    original = botocore.session.Session.__init__

    def init(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-send", respond)

    monkeypatch.setattr(botocore.session.Session, "__init__", init)


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, output = payctl("status")
    assert code == 1
    assert output == ("error: no AWS credentials found: use --profile (or AWS_PROFILE), "
                      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or `aws sso login`\n")


def test_expired_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_every_request(monkeypatch, 403, "ExpiredToken")
    code, output = payctl("status")
    assert code == 1
    assert output == ("error: the AWS credentials have expired (ExpiredToken): refresh them "
                      "(e.g. `aws sso login`) and run again\n")


def count_attempts(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """HTTP attempts by thread (the commands read stack sets concurrently, one call per thread
    at a time); the attempts still go out."""
    attempts: Counter[int] = Counter()
    original = botocore.session.Session.__init__

    def count(**_: Any) -> None:
        attempts[threading.get_ident()] += 1

    def init(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-send", count)

    monkeypatch.setattr(botocore.session.Session, "__init__", init)
    return attempts


def test_unreachable_endpoint_gives_up_after_three_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the default ten attempts, a refused connection used to be retried for ~57 s (issue
    24): an endpoint that has never answered gets three, a second or two of backoff."""
    attempts = count_attempts(monkeypatch)
    code, output = payctl("plan", "dev")
    assert code == 1
    assert output.startswith('error: cannot reach AWS: Could not connect to the endpoint URL: "http://127.0.0.1:9/')
    assert output.count("\n") == 1
    assert set(attempts.values()) == {aws.UNANSWERED_ATTEMPTS["connection"]} == {3}


def test_unresolvable_endpoint_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = count_attempts(monkeypatch)
    result = CliRunner().invoke(cli, ["--endpoint-url", "http://no-such-host.invalid", "status"])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach AWS: Could not connect to the endpoint "
                                    'URL: "http://no-such-host.invalid/')
    assert result.output.count("\n") == 1 and set(attempts.values()) == {3}


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback port that accepts connections and never answers: a black-holed proxy."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_endpoint_that_never_answers_is_bounded_by_the_read_timeout(
        monkeypatch: pytest.MonkeyPatch, silent_endpoint: str) -> None:
    monkeypatch.setattr(aws, "READ_TIMEOUT", 1)
    attempts = count_attempts(monkeypatch)
    result = CliRunner().invoke(cli, ["--endpoint-url", silent_endpoint, "status"])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: AWS did not answer within 1 s: Read timeout on "
                                    f'endpoint URL: "{silent_endpoint}/')
    assert result.output.count("\n") == 1 and set(attempts.values()) == {1}


def test_an_endpoint_that_has_answered_keeps_botocore_retries() -> None:
    """A blip in a long rollout is not a dead endpoint: once a host has answered, its connection
    errors go back to botocore's retry policy (FailFast returns no opinion)."""
    class Endpoint:
        host = "https://cloudformation.eu-west-1.amazonaws.com"

    fail_fast = aws.FailFast()
    refused = botocore.exceptions.EndpointConnectionError(endpoint_url=Endpoint.host)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        fail_fast.needs_retry(attempts=3, endpoint=Endpoint(), caught_exception=refused)
    fail_fast.needs_retry(attempts=1, endpoint=Endpoint(), response=(object(), {}))
    assert fail_fast.needs_retry(attempts=9, endpoint=Endpoint(), caught_exception=refused) is None


def test_unknown_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = payctl("--profile", "nobody", "status")
    assert code == 2  # a usage mistake (issue 16): nothing was sent
    assert "nobody" in output and output.count("\n") == 1

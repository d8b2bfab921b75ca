"""Faults outside any operation: no credentials, expired credentials, an unreachable endpoint.
Each is one line on stderr and exit code 1, never a traceback."""

from __future__ import annotations

from typing import Any

import botocore.awsrequest
import botocore.session
import pytest
from click.testing import CliRunner

from scripts.cli import cli

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


def test_unreachable_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the SDK's own setting; the default retries
    code, output = payctl("deploy", "dev")
    assert code == 1
    assert output.startswith('error: cannot reach AWS: Could not connect to the endpoint URL: "http://127.0.0.1:9/')
    assert output.count("\n") == 1


def test_unknown_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = payctl("--profile", "nobody", "status")
    assert code == 2  # a usage mistake (issue 16): nothing was sent
    assert "nobody" in output and output.count("\n") == 1

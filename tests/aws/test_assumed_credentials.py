"""Sessions in target accounts renew their assumed-role credentials before they expire, so a long
destroy or rollout never meets ExpiredToken (issue 14, defect 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import botocore.handlers
import botocore.session
import pytest
from botocore.stub import Stubber

from scripts.aws.clients import Aws
from scripts.errors import DeploymentError

ROLE = "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetExecutionRole"


def _assumed(key: str, expires_in: timedelta) -> dict:
    return {"Credentials": {"AccessKeyId": key, "SecretAccessKey": f"secret-{key}",
                            "SessionToken": f"token-{key}",
                            "Expiration": datetime.now(UTC) + expires_in}}


def test_credentials_about_to_expire_are_renewed_with_a_new_assume_role() -> None:
    aws = Aws(region="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    aws._sts = sts
    expected = {"RoleArn": ROLE, "RoleSessionName": "payctl"}
    with Stubber(sts) as stub:
        # the first credentials are within botocore's mandatory-refresh window (10 minutes)
        stub.add_response("assume_role", _assumed("AKIAFIRST0000000", timedelta(minutes=5)), expected)
        stub.add_response("assume_role", _assumed("AKIASECOND000000", timedelta(hours=1)), expected)
        session = aws.in_account("123456789012", "AWSCloudFormationStackSetExecutionRole")
        assert session.get_credentials().get_frozen_credentials().access_key == "AKIASECOND000000"
        # fresh credentials are reused, not fetched again
        assert session.get_credentials().get_frozen_credentials().access_key == "AKIASECOND000000"
        assert aws.in_account("123456789012", "AWSCloudFormationStackSetExecutionRole") is session
        stub.assert_no_pending_responses()


def test_clients_of_the_session_sign_with_the_renewed_credentials() -> None:
    aws = Aws(region="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    aws._sts = sts
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assumed("AKIAFIRST0000000", timedelta(hours=1)))
        stub.add_response("assume_role", _assumed("AKIASECOND000000", timedelta(hours=1)))
        session = aws.in_account("123456789012", "AWSCloudFormationStackSetExecutionRole")
        client = aws.client("cloudformation", session)
        assert client._request_signer._credentials.get_frozen_credentials().access_key == "AKIAFIRST0000000"
        # an hour later the same client's credentials are past their expiry: botocore renews them
        credentials = session.get_credentials()
        credentials._expiry_time = datetime.now(UTC) - timedelta(seconds=1)
        assert client._request_signer._credentials.get_frozen_credentials().access_key == "AKIASECOND000000"


def test_a_role_that_cannot_be_assumed_is_reported_at_once() -> None:
    aws = Aws(region="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    aws._sts = sts
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole")
        with pytest.raises(DeploymentError, match=r"cannot assume .*AccessDenied"):
            aws.in_account("123456789012", "AWSCloudFormationStackSetExecutionRole")


def _handlers(session: boto3.Session, event: str) -> list[object]:
    return list(session._session.get_component("event_emitter")._emitter._handlers
                .prefix_search(event))


def _names(session: boto3.Session, event: str) -> list[str]:
    """The handlers by name (boto3 makes its lazy handlers afresh for every session)."""
    return [f"{getattr(h, '__module__', '')}.{getattr(h, '__qualname__', type(h).__name__)}"
            for h in _handlers(session, event)]


def test_each_account_session_signs_as_its_own_account_with_all_of_botocores_handlers() -> None:
    """Account sessions are built from one registration of botocore's builtin handlers (cheaper
    than registering them per account): each must still sign with its own account's renewable
    credentials, carry every builtin customisation, and share nothing a client registers."""
    aws = Aws(region="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    aws._sts = sts
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assumed("AKIAFIRST0000000", timedelta(hours=1)),
                          {"RoleArn": ROLE, "RoleSessionName": "payctl"})
        stub.add_response("assume_role", _assumed("AKIAOTHER0000000", timedelta(hours=1)),
                          {"RoleArn": ROLE.replace("123456789012", "210987654321"),
                           "RoleSessionName": "payctl"})
        first = aws.in_account("123456789012", "AWSCloudFormationStackSetExecutionRole")
        other = aws.in_account("210987654321", "AWSCloudFormationStackSetExecutionRole")
    first_s3, other_s3 = aws.client("s3", first), aws.client("s3", other)
    assert first_s3._request_signer._credentials.get_frozen_credentials().access_key == "AKIAFIRST0000000"
    assert other_s3._request_signer._credentials.get_frozen_credentials().access_key == "AKIAOTHER0000000"
    assert first.get_credentials().method == "sts-assume-role"  # refreshable, as before

    default = boto3.Session(botocore_session=botocore.session.Session(), region_name="us-east-1")
    for spec in botocore.handlers.BUILTIN_HANDLERS:
        assert _names(first, spec[0]) == _names(default, spec[0]), spec[0]
        assert _names(other, spec[0]) == _names(default, spec[0]), spec[0]

    def marker(**_: object) -> None: ...

    first.events.register("before-call.s3", marker)
    assert marker in _handlers(first, "before-call.s3.HeadBucket")
    assert marker not in _handlers(other, "before-call.s3.HeadBucket")
    assert marker not in _handlers(aws.in_account("210987654321",
                                                  "AWSCloudFormationStackSetExecutionRole"),
                                   "before-call.s3.HeadBucket")

"""Sessions in target accounts renew their assumed-role credentials before they expire, so a long
destroy or rollout never meets ExpiredToken (issue 14, defect 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from scripts.aws import Aws
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

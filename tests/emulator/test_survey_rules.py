"""The AWS rules the survey for retained resources (scripts/actions/survey.py) depends on, each with the
documentation it states; they run unchanged against a real account (see conformance.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service_models import logs_client
from stack_support import error_of, unique


def test_log_groups_are_described_by_name_in_one_call(cloud: Any, tmp_path: Path) -> None:
    """DescribeLogGroups, logGroupIdentifiers: "Use this array to filter the list of log groups
    returned. If you specify this parameter, the only other filter that you can choose to
    specify is includeLinkedAccounts. [...] in an account that is not a cross-account
    monitoring account, you can specify only log group names in the same account" (1 to 50);
    "The results are ASCII-sorted by log group name". So one call answers which of up to 50
    names exist: a name that does not is simply not listed, and a group that merely shares a
    prefix with a name is not listed either."""
    credentials = cloud.admin.get_credentials().get_frozen_credentials()
    logs = logs_client(tmp_path, identifiers=True, region_name=cloud.region,
                       endpoint_url=cloud.endpoint_url, aws_access_key_id=credentials.access_key,
                       aws_secret_access_key=credentials.secret_key,
                       aws_session_token=credentials.token)
    base = unique("/conformance/survey")
    for name in (f"{base}/b", f"{base}/a", f"{base}/a-sibling"):
        logs.create_log_group(logGroupName=name)
    try:
        found = logs.describe_log_groups(
            logGroupIdentifiers=[f"{base}/b", f"{base}/a", f"{base}/missing"])
        combined = error_of(logs.describe_log_groups, logGroupIdentifiers=[f"{base}/a"],
                            logGroupNamePrefix=base)
    finally:
        for name in (f"{base}/b", f"{base}/a", f"{base}/a-sibling"):
            logs.delete_log_group(logGroupName=name)

    assert [g["logGroupName"] for g in found["logGroups"]] == [f"{base}/a", f"{base}/b"]
    assert "nextToken" not in found
    assert combined["HTTPStatusCode"] == 400  # another filter beside the names is refused

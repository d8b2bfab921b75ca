"""Service models as the API has them, whichever botocore the tests run on.

The floor in setup.cfg (boto3 1.34) predates DescribeLogGroups' logGroupIdentifiers and the
pinned release has it, so a test of either path builds its client from the installed model
with that one member added or taken away: the bytes on the wire are the API's either way.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import botocore.session


def logs_model(identifiers: bool) -> dict[str, Any]:
    """CloudWatch Logs' model with or without logGroupIdentifiers (1 to 50 names, as the API
    reference gives it)."""
    loader = botocore.session.get_session().get_component("data_loader")
    model = copy.deepcopy(loader.load_service_model("logs", "service-2"))
    members = model["shapes"]["DescribeLogGroupsRequest"]["members"]
    members.pop("logGroupIdentifiers", None)
    if identifiers:
        members["logGroupIdentifiers"] = {"shape": "DescribeLogGroupsLogGroupIdentifiers"}
        model["shapes"]["DescribeLogGroupsLogGroupIdentifiers"] = {
            "type": "list", "member": {"shape": "LogGroupName"}, "min": 1, "max": 50}
    return model


def logs_client(folder: Path, identifiers: bool, **client_args: Any) -> Any:
    """A real logs client on `logs_model(identifiers)`, the model written under `folder`."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    version = folder / "logs" / loader.determine_latest_version("logs", "service-2")
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps(logs_model(identifiers)))
    loader.search_paths.insert(0, str(folder))
    return session.create_client("logs", **client_args)

"""The execution role's action list is exactly what the resource schemas require today."""

from __future__ import annotations

import json

from scripts.permissions import ACTIONS_FILE, derive


def test_execution_actions_match_resource_schemas() -> None:
    assert json.loads(ACTIONS_FILE.read_text()) == derive(), (
        "templates_py/execution_actions.json is stale: run `python -m scripts.permissions`, "
        "review the diff, then `make templates`")


def test_no_wildcard_actions() -> None:
    actions = json.loads(ACTIONS_FILE.read_text())
    assert all("*" not in name for names in actions.values() for name in names)

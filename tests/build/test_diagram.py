"""The architecture picture: drawn from the built templates, committed, never stale."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from scripts.build.diagram import dot_source, references
from scripts.cli.main import cli
from scripts.cli.support import ROOT
from templates_py import STACKSET_TEMPLATES

MAIN_RESOURCES = ("Vpc", "TransactionsTable", "SessionsTable", "AuditLogBucket",
                  "PaymentProcessorFunction", "SessionManagerFunction", "RestApi", "ApiStage",
                  "Distribution", "HostedZone", "Certificate")


def built_templates(build: Path = ROOT / "build") -> dict[str, dict]:
    return {n: json.loads((build / "templates" / f"{n}.json").read_text()) for n in STACKSET_TEMPLATES}


def test_references_cover_ref_getatt_and_sub() -> None:
    value = {"A": {"Ref": "Table"}, "B": {"Fn::GetAtt": ["Role", "Arn"]},
             "C": {"Fn::Sub": "${Bucket.Arn}/* in ${AWS::Region}"},
             "D": {"Fn::Sub": ["${X}", {"X": {"Ref": "Queue"}}]}}
    assert references(value) == {"Table", "Role", "Bucket", "X", "Queue"}


def test_committed_diagram_source_matches_the_templates() -> None:
    committed = (ROOT / "build" / "diagrams" / "platform.dot").read_text()
    assert committed == dot_source(built_templates()), "run `make diagram` and commit build/diagrams"


def test_make_diagram_draws_the_main_resources_and_the_cross_stack_import(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "build" / "templates", tmp_path / "templates")

    result = CliRunner().invoke(cli, ["--build-dir", str(tmp_path), "diagram"])

    assert result.exit_code == 0, result.output
    svg = ET.parse(tmp_path / "diagrams" / "platform.svg").getroot()
    titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
    for name in MAIN_RESOURCES:
        assert any(t and t.endswith(f"/{name}") for t in titles), name
    assert "payment-platform-edge/Distribution->payment-platform/RestApi" in titles
    assert "payment-platform/PaymentProcessorFunction->payment-platform/TransactionsTable" in titles

"""cfn-lint, in-process, over every template in build/: zero errors and zero warnings."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.checks.lint import lint_templates

BUILD = Path(__file__).resolve().parents[2] / "build" / "templates"


def test_every_built_template_lints_clean() -> None:
    templates = sorted(BUILD.glob("*.json"))
    assert len(templates) == 5
    assert lint_templates(templates) == []


def test_lint_reports_a_broken_template(tmp_path: Path) -> None:
    template = json.loads((BUILD / "payment-platform.json").read_text())
    template["Resources"]["TransactionsTable"]["Properties"]["BillingMode"] = "SOMETIMES"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(template))
    assert "'SOMETIMES' is not one of" in "".join(lint_templates([broken]))

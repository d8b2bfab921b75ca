"""The committed build/ is exactly what the sources produce, and producing it is deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.build.render import render, write
from scripts.config.reader import load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render(load_config(ROOT / "params"))


def test_committed_build_is_fresh(rendered: dict[str, str]) -> None:
    stale = [rel for rel, text in rendered.items()
             if not (ROOT / "build" / rel).exists() or (ROOT / "build" / rel).read_text() != text]
    assert not stale, f"build/ is stale; run `make templates` and commit: {stale}"


def test_no_leftover_generated_files(rendered: dict[str, str]) -> None:
    on_disk = {p.relative_to(ROOT / "build").as_posix()
               for sub in ("templates", "parameters") for p in (ROOT / "build" / sub).rglob("*.json")}
    assert on_disk == set(rendered)


def test_render_is_byte_identical_twice(rendered: dict[str, str]) -> None:
    assert render(load_config(ROOT / "params")) == rendered


def test_write_touches_only_changed_files(tmp_path: Path, rendered: dict[str, str]) -> None:
    assert len(write(tmp_path, rendered)) == len(rendered)
    assert write(tmp_path, rendered) == []
    (tmp_path / "templates" / "obsolete.json").write_text("{}")
    assert write(tmp_path, rendered) == [tmp_path / "templates" / "obsolete.json"]


def test_stackset_templates_fit_console_expectations(rendered: dict[str, str]) -> None:
    for name in ("payment-platform", "payment-platform-edge"):
        template = json.loads(rendered[f"templates/{name}.json"])
        interface = template["Metadata"]["AWS::CloudFormation::Interface"]
        grouped = [p for g in interface["ParameterGroups"] for p in g["Parameters"]]
        assert sorted(grouped) == sorted(template["Parameters"]), name
        assert set(interface["ParameterLabels"]) == set(template["Parameters"]), name
        assert all(p.get("Description") for p in template["Parameters"].values()), name
        assert all(o.get("Description") for o in template["Outputs"].values()), name
        assert template["Description"]


def test_the_build_path_imports_neither_boto3_nor_cfn_lint_nor_moto() -> None:
    """`make templates` stays fast because the AWS SDK, the linter and the emulator load lazily."""
    import subprocess
    import sys

    probe = ("import sys; from click.testing import CliRunner; from scripts.cli.main import cli; "
             "r = CliRunner().invoke(cli, ['build']); assert r.exit_code == 0, r.output; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'cfnlint', 'moto'}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert loaded == "[]"

"""Render every template and per-environment parameter file: pure text, then one thin write.

The output is deterministic (sorted keys, fixed formatting, no timestamps): the same sources
give byte-identical files, so `build/` is committed and a review shows the CloudFormation that
will ship.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.config import Config
from templates_py import BOOTSTRAP_TEMPLATES, STACKSET_TEMPLATES

TEMPLATES_DIR = "templates"
PARAMETERS_DIR = "parameters"


def to_text(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def template_path(name: str) -> str:
    return f"{TEMPLATES_DIR}/{name}.json"


def render(config: Config) -> dict[str, str]:
    """Relative path under build/ -> file content, for every built artefact."""
    files: dict[str, str] = {}
    for name, build in STACKSET_TEMPLATES.items():
        blueprint = build()
        files[template_path(name)] = to_text(blueprint.template.to_dict())
        for env in config.environments.values():
            values = env.parameters(blueprint.inputs.settings)
            files[f"{PARAMETERS_DIR}/{env.name}/{name}.json"] = to_text(
                [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])
    for name, build in BOOTSTRAP_TEMPLATES.items():
        files[template_path(name)] = to_text(build().to_dict())
    return files


def write(out_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write only files whose content changed, and remove generated files no longer produced."""
    changed = []
    for rel, text in files.items():
        path = out_dir / rel
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    for sub in (TEMPLATES_DIR, PARAMETERS_DIR):
        for stale in sorted((out_dir / sub).rglob("*.json")):
            if stale.relative_to(out_dir).as_posix() not in files:
                stale.unlink()
                changed.append(stale)
    return changed

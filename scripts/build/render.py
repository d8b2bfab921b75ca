"""Render every template and per-environment parameter file: pure text, then one thin write.

The output is deterministic (sorted keys, fixed formatting, no timestamps): the same sources
give byte-identical files, so `build/` is committed and a review shows the CloudFormation that
will ship.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from troposphere import Template

from scripts.config.files import read_bytes
from scripts.config.reader import Config
from scripts.errors import ConfigError
from templates_py import STACKSET_TEMPLATES
from templates_py.bootstrap import build_administration_role, build_execution_role
from templates_py.github import build_github_roles

TEMPLATES_DIR = "templates"
PARAMETERS_DIR = "parameters"
ADMINISTRATION_ROLE_TEMPLATE = "stackset-administration-role"
EXECUTION_ROLE_TEMPLATE = "stackset-execution-role"
GITHUB_ROLES_TEMPLATE = "github-roles"
MAX_BUILT_BYTES = 16 << 20  # larger than any template CloudFormation accepts (1 MB via S3)


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
    files[template_path(ADMINISTRATION_ROLE_TEMPLATE)] = to_text(
        administration_role(config).to_dict())
    files[template_path(EXECUTION_ROLE_TEMPLATE)] = to_text(build_execution_role().to_dict())
    if config.deployment.service_managed is None:
        files[template_path(GITHUB_ROLES_TEMPLATE)] = to_text(github_roles(config).to_dict())
    return files


def github_roles(config: Config) -> Template:
    """The GitHub Actions roles' template (self-managed StackSets only)."""
    deployment = config.deployment
    return build_github_roles(
        sorted(config.account_names()), list(config.environments),
        [s.name for s in deployment.stacksets], deployment.administration_role_name,
        deployment.execution_role_name, deployment.artifacts_bucket_prefix)


def administration_role(config: Config) -> Template:
    """The administration role's template, for every account of every environment."""
    try:
        return build_administration_role(sorted(config.account_names()))
    except ValueError as err:
        raise ConfigError(f"params/: {err}") from None


def read_template(out_dir: Path, name: str) -> dict[str, Any]:
    """A built template, or a ConfigError saying it is missing or damaged and what to run."""
    path = out_dir / template_path(name)
    try:
        document = json.loads(read_bytes(path, MAX_BUILT_BYTES, too_large="").decode("utf-8"))
    except ConfigError as err:
        raise ConfigError(f"{err}; run `payctl build`") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: not a built template (damaged?); run `payctl build`")
    return document


def check_built(out_dir: Path) -> None:
    """Refuse a damaged generated file before any AWS call. Commands render in memory, but
    build/ is what a review reads: a template or parameter file that does not parse (a merge
    conflict in generated output, a truncated copy) means the reviewed CloudFormation is not
    what would ship. Missing files are fine (a fresh checkout, a --build-dir of its own)."""
    for folder, kind in ((TEMPLATES_DIR, dict), (PARAMETERS_DIR, list)):
        root = out_dir / folder
        for path in sorted(root.rglob("*.json")) if root.is_dir() else ():
            try:
                document = json.loads(read_bytes(path, MAX_BUILT_BYTES, too_large="")
                                      .decode("utf-8"))
            except ConfigError as err:
                raise ConfigError(f"{err}; run `payctl build`") from None
            except (UnicodeDecodeError, ValueError, RecursionError):
                document = None
            if not isinstance(document, kind):
                raise ConfigError(f"{path}: not a built {folder[:-1]} file (damaged?); run "
                                  "`payctl build`")


def write(out_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write only files whose content changed, and remove generated files no longer produced.

    A built file that is corrupt, binary or not a file at all is simply rewritten (it is
    generated); one that cannot be written is a ConfigError naming it and the reason."""
    changed = []
    for rel, text in files.items():
        path = out_dir / rel
        data = text.encode()
        if _current(path) != data:
            _replace(path, data)
            changed.append(path)
    for sub in (TEMPLATES_DIR, PARAMETERS_DIR):
        for stale in sorted((out_dir / sub).rglob("*.json")):
            if stale.relative_to(out_dir).as_posix() not in files:
                _attempt(stale, stale.unlink)
                changed.append(stale)
    return changed


def _current(path: Path) -> bytes | None:
    """What a built file holds now, or None if it is missing or unreadable as a regular file."""
    try:
        return read_bytes(path, MAX_BUILT_BYTES, too_large="")
    except ConfigError:
        return None


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file, so no reader sees half a template."""
    _attempt(path.parent, lambda: path.parent.mkdir(parents=True, exist_ok=True))
    if path.is_dir() and not path.is_symlink():
        raise ConfigError(f"{path}: cannot write: a directory is in the way")
    partial = path.with_name(f".{path.name}.partial")
    _attempt(path, lambda: (partial.write_bytes(data), os.replace(partial, path)))


def _attempt(path: Path, action: Callable[[], object]) -> None:
    try:
        action()
    except OSError as err:
        raise ConfigError(f"{path}: cannot write: {err.strerror or err}") from None

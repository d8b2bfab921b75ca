"""Compliance manifests: every resource id, name and ARN per environment, from stack outputs.

The outputs say what a value is through the template's `PaymentPlatform::Manifest` metadata
(output -> logical id, CloudFormation type, kind), so the manifest gives each resource its type
without a hand-kept list. Manifests are validated against a shipped JSON Schema and written
atomically: a failure never leaves a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from scripts.errors import DeploymentError
from templates_py.blueprint import ASSIGNED, MANIFEST_METADATA

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "manifest.schema.json"


@dataclass(frozen=True)
class InstanceOutputs:
    """What the manifest needs from one StackSet's instance in one environment."""

    stack_set: str
    stack_set_id: str
    stack_id: str
    instance_status: str
    last_operation_id: str | None
    template: dict[str, Any]
    parameters: dict[str, str]
    outputs: dict[str, str]


def template_digest(template: dict[str, Any]) -> str:
    text = json.dumps(template, indent=2, sort_keys=True) + "\n"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def build_manifest(environment: str, account_id: str, region: str,
                   instances: list[InstanceOutputs], now: datetime | None = None) -> dict[str, Any]:
    resources: dict[str, dict[str, str]] = {}
    for inst in instances:
        described = inst.template.get("Metadata", {}).get(MANIFEST_METADATA, {})
        for key, value in sorted(inst.outputs.items()):
            meta = described.get(key)
            if meta is None:
                continue
            entry = resources.setdefault(meta["LogicalId"],
                                         {"type": meta["Type"], "stack_set": inst.stack_set})
            entry[meta["Kind"]] = value
    return {
        "schema_version": 1,
        "environment": environment,
        "account_id": account_id,
        "region": region,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stack_sets": [{"name": i.stack_set, "stack_set_id": i.stack_set_id,
                        "stack_id": i.stack_id, "instance_status": i.instance_status,
                        "last_operation_id": i.last_operation_id,
                        "template_digest": template_digest(i.template),
                        "parameters": dict(sorted(i.parameters.items()))} for i in instances],
        "resources": dict(sorted(resources.items())),
    }


def validate(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(manifest), key=lambda e: e.path)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise DeploymentError(f"manifest for {manifest.get('environment')} is invalid at "
                              f"{where or '/'}: {errors[0].message}")


def write_atomically(path: Path, manifest: dict[str, Any]) -> Path:
    validate(manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def missing_resources(template: dict[str, Any], outputs: dict[str, str]) -> list[tuple[str, str]]:
    """Resources behind the template's unconditional outputs that the stack did not report
    (`EnvironmentAssigned` counts as unconditional: a manifest is read only from instances
    that name their environment).
    An endpoint that skips a resource type it does not support drops exactly these outputs,
    so the check costs no API call beyond the outputs the manifest reads anyway."""
    described = template.get("Metadata", {}).get(MANIFEST_METADATA, {})
    missing = {(described[key]["LogicalId"], described[key]["Type"])
               for key, output in template.get("Outputs", {}).items()
               if key in described and output.get("Condition", ASSIGNED) == ASSIGNED
               and key not in outputs}
    return sorted(missing)


def manifest_path(directory: Path, environment: str) -> Path:
    return directory / f"resource-manifest-{environment}.json"

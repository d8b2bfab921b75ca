"""The platform's architecture, drawn from the built templates so it can never go stale.

Every resource of every StackSet template is a node, grouped by StackSet and then by part of the
platform; every Ref, Fn::GetAtt, Fn::Sub reference and DependsOn is an edge, and an
Fn::ImportValue is an edge to the resource behind the export in the other StackSet. `dot_source`
is pure (templates in, DOT text out, deterministic); `render_svg` runs graphviz's `dot`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from scripts.aws.intrinsics import functions, references
from scripts.errors import ConfigError

PARTS = (  # resource type prefix -> part of the platform, in drawing order
    ("AWS::EC2::", "network"),
    ("AWS::DynamoDB::", "data"),
    ("AWS::S3::", "data"),
    ("AWS::KMS::", "data"),
    ("AWS::IAM::", "identity"),
    ("AWS::Lambda::", "compute"),
    ("AWS::Logs::", "logs"),
    ("AWS::ApiGateway::", "api"),
    ("AWS::WAFv2::", "edge"),
    ("AWS::CloudWatch::", "monitoring"),
    ("AWS::Route53::", "edge"),
    ("AWS::CertificateManager::", "edge"),
    ("AWS::CloudFront::", "edge"),
)
COLOURS = {"network": "#e8f0fe", "data": "#fce8e6", "identity": "#fef7e0", "compute": "#e6f4ea",
           "logs": "#f1f3f4", "api": "#f3e8fd", "monitoring": "#fff4e5", "edge": "#e4f7fb",
           "other": "#ffffff"}
def part_of(resource_type: str) -> str:
    return next((part for prefix, part in PARTS if resource_type.startswith(prefix)), "other")


def _imports(value: Any) -> set[str]:
    """Export names an Fn::ImportValue refers to, as `${Environment}`-style patterns."""
    found: set[str] = set()
    for key, inner in functions(value):
        if key == "Fn::ImportValue":
            name = inner.get("Fn::Sub", inner) if isinstance(inner, dict) else inner
            found.add(name[0] if isinstance(name, list) else str(name))
    return found


def _exports(template: dict[str, Any]) -> dict[str, str]:
    """Export name pattern -> the logical id of the resource the output reads."""
    result = {}
    for output in template.get("Outputs", {}).values():
        name = output.get("Export", {}).get("Name")
        if name is None:
            continue
        pattern = name.get("Fn::Sub", name) if isinstance(name, dict) else name
        targets = references(output.get("Value"))
        if targets:
            result[str(pattern)] = sorted(targets)[0]
    return result


def _node(stack_set: str, logical_id: str) -> str:
    return f'"{stack_set}/{logical_id}"'


def dot_source(templates: dict[str, dict[str, Any]]) -> str:
    lines = ["digraph platform {", '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, '
             'compound=true, newrank=true, label="Payment platform (generated from build/templates)"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [color="#5f6368", arrowsize=0.6];']
    exports = {pattern: (name, target) for name, template in templates.items()
               for pattern, target in _exports(template).items()}
    edges: list[str] = []
    for name, template in sorted(templates.items()):
        resources = template.get("Resources", {})
        lines.append(f'  subgraph "cluster_{name}" {{')
        lines.append(f'    label="StackSet {name}"; style="dashed"; color="#9aa0a6";')
        by_part: dict[str, list[str]] = {}
        for logical_id, resource in sorted(resources.items()):
            by_part.setdefault(part_of(resource["Type"]), []).append(logical_id)
        for part, ids in sorted(by_part.items()):
            lines.append(f'    subgraph "cluster_{name}_{part}" {{')
            lines.append(f'      label="{part}"; style="filled"; color="{COLOURS[part]}";')
            for logical_id in ids:
                kind = resources[logical_id]["Type"].removeprefix("AWS::")
                lines.append(f'      {_node(name, logical_id)} [label="{logical_id}\\n{kind}", '
                             f'fillcolor="white"];')
            lines.append("    }")
        lines.append("  }")
        for logical_id, resource in sorted(resources.items()):
            depends = resource.get("DependsOn", [])
            targets = references(resource.get("Properties", {})) | \
                set([depends] if isinstance(depends, str) else depends)
            for target in sorted(targets & set(resources) - {logical_id}):
                edges.append(f"  {_node(name, logical_id)} -> {_node(name, target)};")
            for pattern in sorted(_imports(resource.get("Properties", {}))):
                if pattern in exports:
                    other, target = exports[pattern]
                    edges.append(f'  {_node(name, logical_id)} -> {_node(other, target)} '
                                 f'[style=dashed, label="import"];')
    return "\n".join([*lines, *edges, "}"]) + "\n"


def render_svg(dot_text: str, out: Path) -> Path:
    """Write `out` (SVG) and the DOT source beside it; needs graphviz's `dot` on PATH."""
    dot = shutil.which("dot")
    if dot is None:
        raise ConfigError("graphviz is not installed (no `dot` on PATH); install it, e.g. "
                          "`apt-get install graphviz` or `brew install graphviz`")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".dot").write_text(dot_text)
    subprocess.run([dot, "-Tsvg", "-o", str(out)], input=dot_text, text=True, check=True)
    return out

"""Derive the StackSet execution role's actions from the CloudFormation resource schemas.

CloudFormation needs, in each target account, the permissions its resource handlers call. The
resource schemas shipped with cfn-lint list them per type; deriving them keeps the execution
role to explicit actions instead of `service:*`. The result is committed as
`templates_py/execution_actions.json` so the build stays free of cfn-lint; a test regenerates
it and fails when it is stale. Regenerate with `python -m scripts.permissions`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from scripts.resource_schemas import handler_permissions, iam_actions

ACTIONS_FILE = Path(__file__).resolve().parent.parent / "templates_py" / "execution_actions.json"
# Handlers also list permissions for optional integrations the platform does not use
# (Kinesis streaming, S3 Tables, VPC Lattice, ...); the role grants only these services.
PLATFORM_SERVICES = frozenset({"acm", "apigateway", "cloudfront", "cloudwatch", "dynamodb", "ec2",
                               "iam", "kms", "lambda", "logs", "route53", "s3", "ssm", "wafv2"})


def resource_types(templates: Iterable[dict]) -> set[str]:
    return {r["Type"] for t in templates for r in t.get("Resources", {}).values()
            if not r["Type"].startswith("AWS::CloudFormation::")}


def handler_actions(types: Iterable[str]) -> list[str]:
    """Every IAM action the create/read/update/delete handlers of `types` call."""
    actions = set().union(*(handler_permissions(t) for t in types))
    # Schemas also list retired or non-IAM names ("s3:REST.PUT.OBJECT"); keep actions IAM knows.
    return sorted(a for a in actions if _known(a) and a.split(":")[0] in PLATFORM_SERVICES)


def _known(action: str) -> bool:
    service, _, name = action.partition(":")
    return name.lower() in iam_actions().get(service.lower(), {}).get("Actions", {})


def by_service(actions: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for action in sorted(actions):
        service, name = action.split(":", 1)
        grouped.setdefault(service, []).append(name)
    return grouped


def derive() -> dict[str, list[str]]:
    from templates_py.edge import build_edge
    from templates_py.platform import build_platform

    templates = [bp.template.to_dict() for bp in (build_platform(), build_edge())]
    return by_service(handler_actions(resource_types(templates)))


def main() -> None:
    ACTIONS_FILE.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {ACTIONS_FILE}")


if __name__ == "__main__":
    main()

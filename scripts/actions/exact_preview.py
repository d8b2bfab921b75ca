"""`plan --exact`: CloudFormation's own change set for each selected account's stack.

StackSets have no change sets, but each instance is an ordinary stack in its account. Through
the execution role, a change set is created on that stack with the template and parameters
the StackSet would give it, described, and deleted at once. It is a preview of one account's
stack, as CloudFormation itself computes it (replacements included), not of the StackSet
operation; it starts no operation and leaves nothing behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.aws.clients import describe, error_code
from scripts.errors import DeploymentError
from scripts.plan.decide import DeployedStackSet, DesiredStackSet, Target
from scripts.stacksets.artifacts import TEMPLATE_BODY_LIMIT
from scripts.stacksets.deployer import CAPABILITIES, template_text

NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
WAIT = {"Delay": 2, "MaxAttempts": 150}
UNSUPPORTED = ("InvalidAction", "NotImplemented", "NotImplementedException")


@dataclass
class StackPreview:
    stack_set: str
    environment: str
    account: str
    region: str
    stack_id: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"stack_set": self.stack_set, "environment": self.environment,
                "account": self.account, "region": self.region, "stack_id": self.stack_id,
                "changes": self.changes, "note": self.note}


def _change(change: dict[str, Any]) -> dict[str, Any]:
    resource = change.get("ResourceChange", {})
    return {"action": resource.get("Action", ""), "logical_id": resource.get("LogicalResourceId", ""),
            "type": resource.get("ResourceType", ""),
            "replacement": str(resource.get("Replacement", "False")),
            "scope": list(resource.get("Scope", []))}


def preview_stack(cfn: Any, stack_id: str, template: dict[str, Any], parameters: dict[str, str],
                  template_url: Callable[[str], str], name: str) -> list[dict[str, Any]]:
    """Create, read and delete one change set; the resource changes CloudFormation reports."""
    text = template_text(template)
    source = {"TemplateURL": template_url(text)} if len(text.encode()) > TEMPLATE_BODY_LIMIT \
        else {"TemplateBody": text}
    try:
        change_set = cfn.create_change_set(
            StackName=stack_id, ChangeSetName=name, ChangeSetType="UPDATE", **source,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=CAPABILITIES, Description="payctl plan --exact preview, deleted once read")
    except Exception as err:
        if any(text in describe(err) for text in NO_CHANGES):
            return []
        raise
    arn = change_set["Id"]
    try:
        try:
            cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=arn, WaiterConfig=WAIT)
        except Exception:
            status = cfn.describe_change_set(ChangeSetName=arn)
            if any(text in status.get("StatusReason", "") for text in NO_CHANGES):
                return []
            raise RuntimeError(status.get("StatusReason") or status.get("Status")) from None
        changes, token = [], None
        while True:
            page = cfn.describe_change_set(ChangeSetName=arn, **({"NextToken": token} if token else {}))
            changes += [_change(c) for c in page.get("Changes", [])]
            token = page.get("NextToken")
            if not token:
                return changes
    finally:
        cfn.delete_change_set(ChangeSetName=arn)


def preview_all(desired: list[DesiredStackSet], deployed: list[DeployedStackSet | None],
                client_in: Callable[[Target], Any],
                template_url: Callable[[str, str, str], str]
                ) -> list[StackPreview]:
    previews = []
    name = f"payctl-preview-{int(time.time())}"
    for want, have in zip(desired, deployed, strict=True):
        for target in want.targets:
            preview = StackPreview(want.name, target.environment, target.account, target.region)
            previews.append(preview)
            instance = have.instances.get(target.key) if have else None
            if instance is None or not instance.stack_id:
                preview.note = "no stack yet: deploy creates it"
                continue
            preview.stack_id = instance.stack_id
            try:
                preview.changes = preview_stack(
                    client_in(target), instance.stack_id, want.template,
                    {**want.parameters, **target.overrides},
                    lambda text, stack_set=want.name, region=target.region:
                    template_url(stack_set, text, region), name)
                preview.note = "" if preview.changes else "no changes"
            except Exception as err:
                if error_code(err) not in UNSUPPORTED:  # a failed look is no plan at all
                    raise DeploymentError(
                        f"plan --exact: the change set on {want.name} / {target.environment} "
                        f"({target.account} {target.region}) failed: {describe(err)}") from None
                preview.note = "this endpoint does not implement change sets"
    return previews


def render(previews: list[StackPreview]) -> list[str]:
    lines = ["Exact preview: CloudFormation change sets on each account's stack (one account's "
             "stack each, not the StackSet operation):"]
    for p in previews:
        lines.append(f"  {p.stack_set} / {p.environment} ({p.account} {p.region})"
                     f"{': ' + p.note if p.note else ''}")
        for c in p.changes:
            replacement = "" if c["replacement"] == "False" else \
                "  REPLACEMENT" if c["replacement"] == "True" else "  MAY BE REPLACED"
            lines.append(f"    {c['action']:<7} {c['logical_id']}  {c['type']}{replacement}")
    return lines

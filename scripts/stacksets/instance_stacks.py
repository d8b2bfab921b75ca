"""An instance's own stack, in its account: the template it runs, and deleting it.

A StackSet's template is what the next operation deploys; each instance's stack runs what its
last successful operation deployed, which after an UpdateStackSet naming other accounts is
older. Judging a change (data loss, "current") needs the latter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scripts.aws.clients import describe, error_code
from scripts.errors import DeploymentError

DELETE_POLL_SECONDS = 5.0
DELETE_POLLS = 720  # an hour: CloudFront takes a while
UNCHANGED = ("Nothing else was changed (the instance stays INOPERABLE); remove what blocks the "
             "deletion and deploy again")


def running_template(cfn: Any, stack_id: str) -> dict[str, Any]:
    """The template the stack runs (GetTemplate, Original stage); {} when the stack is gone.
    botocore decodes a JSON body to a dict; any other text is parsed as JSON or taken as
    unknown ({}), which only makes the plan show every resource as added."""
    try:
        body = cfn.get_template(StackName=stack_id)["TemplateBody"]
    except Exception as err:
        if error_code(err) == "ValidationError":  # "Stack with id ... does not exist"
            return {}
        raise DeploymentError(f"cannot read the template of {stack_id}: {describe(err)}") from None
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    return dict(body)


def failed_resources(cfn: Any, stack_id: str) -> list[str]:
    """'LogicalId (Type): reason' for every resource the stack could not delete."""
    resources = cfn.describe_stack_resources(StackName=stack_id)["StackResources"]
    return [f"{r['LogicalResourceId']} ({r['ResourceType']}): "
            f"{r.get('ResourceStatusReason', r['ResourceStatus'])}"
            for r in resources if r.get("ResourceStatus") == "DELETE_FAILED"]


def delete_stack(cfn: Any, stack_id: str, what: str,
                 sleep: Callable[[float], None]) -> None:
    """Delete the stack and wait; DELETE_FAILED is an error naming what could not be deleted."""
    try:
        cfn.delete_stack(StackName=stack_id)
        for _ in range(DELETE_POLLS):
            stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
            status = stack["StackStatus"]
            if status == "DELETE_COMPLETE":
                return
            if status == "DELETE_FAILED":
                failed = failed_resources(cfn, stack_id) or [stack.get("StackStatusReason", "")]
                raise DeploymentError(
                    f"{what}: its stack {stack_id} still cannot be deleted: {'; '.join(failed)}. "
                    f"{UNCHANGED}")
            sleep(DELETE_POLL_SECONDS)
    except DeploymentError:
        raise
    except Exception as err:
        if error_code(err) == "ValidationError" and "does not exist" in describe(err):
            return
        raise DeploymentError(f"{what}: its stack {stack_id} still cannot be deleted: "
                              f"{describe(err)}. {UNCHANGED}") from None
    raise DeploymentError(f"{what}: its stack {stack_id} is still being deleted; deploy again "
                          "once it is gone")

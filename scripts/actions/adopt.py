"""Carry an adoption out: import the retained resources into a new stack in the account,
complete it with the full template, then make it the environment's stack instance.

Each step is resumable: a stack an interrupted attempt left is deleted when it holds nothing
and carried on from when it holds the imported resources (`resume_from`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.actions.adoption import Adoption, import_template, resources_to_import
from scripts.aws.clients import describe, error_code
from scripts.errors import DeploymentError
from scripts.plan.decide import DesiredStackSet, Target
from scripts.stacksets.deployer import template_text


@dataclass
class Adopter:
    """Runs adoptions: the import and update in the account, then ImportStacksToStackSet."""

    deployer: Any  # scripts.stacksets.deployer.StackSetDeployer
    client_in: Callable[[Target, str], Any]
    template_source: Callable[[str, dict[str, Any], str], dict[str, str]]
    say: Callable[[str], None]
    poll_scale: float = 1.0
    imported: list[str] = field(default_factory=list)

    def _wait(self, cfn: Any, waiter: str, **kwargs: Any) -> None:
        delay = max(0.05, 15 * self.poll_scale)
        try:
            cfn.get_waiter(waiter).wait(**kwargs, WaiterConfig={"Delay": delay,
                                                                "MaxAttempts": 480})
        except Exception as err:
            raise DeploymentError(f"{describe(err)}") from None

    def run(self, desired: DesiredStackSet, adoption: Adoption) -> str:
        """Adopt, and return the id of the stack that became the instance's."""
        target = adoption.target
        if adoption.replaces_failed:
            self.deployer.delete_instances(desired.name, [target])
        if adoption.recovers is not None:  # AWS updates no INOPERABLE instance: release it first
            self.deployer.recover(desired.name, (adoption.recovers,))
        cfn = self.client_in(target, "cloudformation")
        name = f"StackSet-{desired.name}-{target.environment}-{target.account}"
        declared = desired.template.get("Parameters", {})
        parameters = [{"ParameterKey": k, "ParameterValue": v}
                      for k, v in target.overrides.items() if k in declared]
        tags = [{"Key": k, "Value": v} for k, v in desired.tags.items()]
        stack_id, status = _existing(cfn, name)
        step = resume_from(status)
        if step == "restart":
            self.say(f"{adoption.where}: removing stack {name} left {status} by an earlier "
                     "attempt (its retained resources stay)")
            cfn.delete_stack(StackName=stack_id)
            self._wait(cfn, "stack_delete_complete", StackName=stack_id)
            step = "import"
        if step == "import":
            stack_id = self._import(cfn, name, desired, adoption, parameters, tags)
        else:
            self.say(f"{adoption.where}: resuming with stack {name} ({status})")
        self.say(f"{adoption.where}: stack {name} holds the retained resources; creating the rest")
        try:
            cfn.update_stack(StackName=stack_id, Parameters=parameters, Tags=tags,
                             Capabilities=["CAPABILITY_NAMED_IAM"],
                             **self.template_source(desired.name, desired.template,
                                                    target.region))
            self._wait(cfn, "stack_update_complete", StackName=stack_id)
        except Exception as err:
            if "No updates are to be performed" not in str(err):
                raise DeploymentError(f"{adoption.where}: stack {name} could not be completed "
                                      f"({describe(err)}); it keeps the retained resources, and "
                                      "the next deploy carries on from it") from None
        operation_id = self.deployer.operation_id("adopt", [target.environment])
        self.say(f"{desired.name}: importing stack {name} as {target.environment}'s instance "
                 f"({operation_id})")
        self.deployer.run_operation(desired.name, operation_id, lambda: self.deployer.cfn.
                                    import_stacks_to_stack_set(
                                        StackSetName=desired.name, StackIds=[stack_id],
                                        **self.deployer.import_targets([target]),
                                        OperationPreferences=self.deployer.preferences(),
                                        OperationId=operation_id))
        self.imported.append(stack_id)
        return stack_id

    def _import(self, cfn: Any, name: str, desired: DesiredStackSet, adoption: Adoption,
                parameters: list[dict[str, str]], tags: list[dict[str, str]]) -> str:
        """The IMPORT change set, created, checked and executed; the new stack's id."""
        self.say(f"{adoption.where}: importing {len(adoption.adopted)} retained resources into "
                 f"stack {name}")
        reduced = import_template(desired.template, [f.retained.logical_id for f in adoption.adopted])
        created = cfn.create_change_set(
            StackName=name, ChangeSetName=f"adopt-{adoption.target.environment}",
            ChangeSetType="IMPORT", ResourcesToImport=resources_to_import(adoption),
            Parameters=parameters, Tags=tags, Capabilities=["CAPABILITY_NAMED_IAM"],
            **self.template_source(f"{desired.name}-import", reduced, adoption.target.region))
        try:
            self._wait(cfn, "change_set_create_complete", ChangeSetName=created["Id"])
        except DeploymentError:
            reason = cfn.describe_change_set(ChangeSetName=created["Id"]).get("StatusReason", "")
            cfn.delete_stack(StackName=created["StackId"])  # REVIEW_IN_PROGRESS: nothing in it
            raise DeploymentError(f"{adoption.where}: the import was refused: {reason}; nothing "
                                  "else was changed") from None
        cfn.execute_change_set(ChangeSetName=created["Id"])
        self._wait(cfn, "stack_import_complete", StackName=created["StackId"])
        return str(created["StackId"])


def _existing(cfn: Any, name: str) -> tuple[str, str | None]:
    """The id and status of a stack an earlier, interrupted adoption left, if any."""
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as err:
        if error_code(err) == "ValidationError":
            return "", None
        raise
    return stack["StackId"], stack["StackStatus"]


RESTART = ("REVIEW_IN_PROGRESS", "IMPORT_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE", "CREATE_FAILED")
CARRY_ON = ("IMPORT_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


def resume_from(status: str | None) -> str:
    """Where an adoption starts, given the stack an earlier attempt may have left: `import`
    (none), `restart` (one that holds nothing: delete it, the resources are retained), `update`
    (one that holds the imported resources). A stack still changing stops the deploy."""
    if status is None:
        return "import"
    if status in RESTART:
        return "restart"
    if status in CARRY_ON:
        return "update"
    raise DeploymentError(f"an earlier adoption's stack is {status}; wait until it settles, "
                          "then deploy again")


def template_source(template_url: Callable[[str, str, str], str], limit: int
                    ) -> Callable[[str, dict[str, Any], str], dict[str, str]]:
    """TemplateBody, or TemplateURL past CloudFormation's 51,200-byte limit: in the artifacts
    bucket of the stack's region, which admits that region's accounts (CloudFormation reads it
    as the caller, the account's own role)."""
    def source(name: str, template: dict[str, Any], region: str) -> dict[str, str]:
        text = template_text(template)
        if len(text.encode()) > limit:
            return {"TemplateURL": template_url(name, text, region)}
        return {"TemplateBody": text}

    return source

"""Decide what a deploy must do: compare desired StackSets with what is deployed. Pure functions.

StackSets have no change sets, so this comparison is the only way to know that nothing changed
(and start no operation). `payctl deploy` acts on the plan; `payctl plan` prints it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scripts.plan.template_diff import ResourceChange, changed_sections, diff_resources

CURRENT = "CURRENT"
INOPERABLE = "INOPERABLE"
FAILED_IMPORT = "FAILED_IMPORT"


@dataclass(frozen=True)
class Target:
    """One stack instance as it should be: an environment's account and region and overrides."""

    environment: str
    account: str
    region: str
    overrides: dict[str, str]

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.region)


@dataclass(frozen=True)
class DesiredStackSet:
    name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    tags: dict[str, str]
    description: str
    targets: tuple[Target, ...]
    roles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeployedInstance:
    account: str
    region: str
    status: str
    overrides: dict[str, str]
    detailed_status: str = ""
    status_reason: str = ""
    stack_id: str = ""
    drift_status: str = ""
    # The template the instance's own stack runs (GetTemplate through the execution role):
    # after an UpdateStackSet that named other accounts, an OUTDATED instance still runs an
    # older template than the StackSet's. None: not read (the StackSet's is assumed); {}: the
    # instance has no stack.
    template: dict[str, Any] | None = None
    last_operation_id: str = ""


@dataclass(frozen=True)
class DeployedStackSet:
    name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    tags: dict[str, str]
    instances: dict[tuple[str, str], DeployedInstance]
    status: str = "ACTIVE"
    roles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """A difference a person reads in a plan: what, where, from what to what."""

    kind: str  # template | parameter | role | tags | override | status | instance | recover | retry-import
    subject: str
    old: Any = None
    new: Any = None
    environment: str = ""
    target: Target | None = None  # the instance an override or status change is about


@dataclass(frozen=True)
class InstanceGroup:
    """Instances that share one region and one set of overrides: one API call covers them."""

    region: str
    overrides: dict[str, str]
    targets: tuple[Target, ...]

    @property
    def accounts(self) -> list[str]:
        return [t.account for t in self.targets]

    @property
    def environments(self) -> list[str]:
        return list(dict.fromkeys(t.environment for t in self.targets))


@dataclass(frozen=True)
class InstanceResources:
    """What deploying the desired template does to one instance's stack, from the template that
    stack runs now (which may be older than the StackSet's)."""

    target: Target
    resources: tuple[ResourceChange, ...]

    @property
    def data_loss(self) -> list[ResourceChange]:
        return [r for r in self.resources if r.loses_data]


@dataclass(frozen=True)
class Recovery:
    """An INOPERABLE instance (a failed deletion left its stack DELETE_FAILED). AWS excludes it
    from updates; the documented way out is DeleteStackInstances with RetainStacks and deleting
    the stack, after which the instance is created again."""

    target: Target
    stack_id: str
    reason: str = ""


@dataclass(frozen=True)
class StackSetPlan:
    name: str
    create_stack_set: bool = False
    update_stack_set: tuple[Target, ...] = ()
    # The template gains parameters: AWS lets instances override only parameters the StackSet
    # already has, so UpdateStackSet must first update every instance (UpdateStackInstances docs).
    update_all_instances: bool = False
    create_instances: tuple[InstanceGroup, ...] = ()
    update_instances: tuple[InstanceGroup, ...] = ()
    changes: tuple[Change, ...] = field(default_factory=tuple)
    resources: tuple[ResourceChange, ...] = ()
    sections: tuple[str, ...] = ()
    # Per instance this plan redeploys, when its stack runs another template than the desired
    # one: the guard and `plan` judge each stack by what it really runs.
    instance_resources: tuple[InstanceResources, ...] = ()
    recover_instances: tuple[Recovery, ...] = ()
    # INOPERABLE after a failed ImportStacksToStackSet (DetailedStatus FAILED_IMPORT): "the
    # operation can be retried once the failures are fixed", so the stack is imported again,
    # never torn down.
    retry_imports: tuple[Recovery, ...] = ()

    @property
    def data_loss_by_instance(self) -> list[tuple[str, ResourceChange]]:
        """(environment, resource) for every stateful resource a redeployed stack would replace
        or remove, judged from the template that stack runs now."""
        return [(i.target.environment, r) for i in self.instance_resources for r in i.data_loss]

    @property
    def data_loss(self) -> list[ResourceChange]:
        """Stateful resources this plan would replace or remove, once each (the StackSet's
        template change, and any instance whose stack runs an older template)."""
        seen: dict[tuple[str, str, str], ResourceChange] = {}
        for r in [*self.resources, *(r for _, r in self.data_loss_by_instance)]:
            if r.loses_data:
                seen.setdefault((r.logical_id, r.action, r.replacement), r)
        return list(seen.values())

    @property
    def empty(self) -> bool:
        return not (self.create_stack_set or self.update_stack_set or self.create_instances
                    or self.update_instances or self.recover_instances or self.retry_imports)


def _group(targets: list[Target]) -> tuple[InstanceGroup, ...]:
    groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for target in targets:
        groups[(target.region, json.dumps(target.overrides, sort_keys=True))].append(target)
    return tuple(InstanceGroup(region, json.loads(overrides), tuple(members))
                 for (region, overrides), members in groups.items())


def _dict_changes(kind: str, old: dict[str, str], new: dict[str, str],
                  target: Target | None = None) -> list[Change]:
    environment = target.environment if target else ""
    return [Change(kind, key, old.get(key), new.get(key), environment, target)
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def stack_set_changes(desired: DesiredStackSet, deployed: DeployedStackSet) -> list[Change]:
    """What differs at the StackSet level; the description (which names the git revision) is
    deliberately left out, so a new commit with an identical template changes nothing."""
    changes = []
    if desired.template != deployed.template:
        changes.append(Change("template", desired.name))
    changes += _dict_changes("parameter", deployed.parameters, desired.parameters)
    changes += _dict_changes("role", deployed.roles, desired.roles)
    if desired.tags != deployed.tags:
        changes.append(Change("tags", desired.name, deployed.tags, desired.tags))
    return changes


def plan_stack_set(desired: DesiredStackSet, deployed: DeployedStackSet | None) -> StackSetPlan:
    if deployed is None:
        changes = [Change("instance", t.account, None, t.region, t.environment)
                   for t in desired.targets]
        return StackSetPlan(desired.name, create_stack_set=True,
                            create_instances=_group(list(desired.targets)),
                            changes=(Change("stackset", desired.name), *changes),
                            resources=tuple(diff_resources({}, desired.template)))

    stack_set_level = stack_set_changes(desired, deployed)
    changes = list(stack_set_level)
    inoperable = [t for t in desired.targets if t.key in deployed.instances
                  and deployed.instances[t.key].status == INOPERABLE]
    existing = [t for t in desired.targets if t.key in deployed.instances and t not in inoperable]
    missing = [t for t in desired.targets if t.key not in deployed.instances]
    changes += [Change("instance", t.account, None, t.region, t.environment) for t in missing]
    failed_imports = [t for t in inoperable if deployed.instances[t.key].detailed_status == FAILED_IMPORT]
    inoperable = [t for t in inoperable if t not in failed_imports]

    def recovery(target: Target) -> Recovery:
        instance = deployed.instances[target.key]
        return Recovery(target, instance.stack_id, instance.status_reason)

    recoveries = tuple(recovery(t) for t in inoperable)
    changes += [Change("recover", t.account, INOPERABLE, None, t.environment) for t in inoperable]
    changes += [Change("retry-import", t.account, FAILED_IMPORT, None, t.environment)
                for t in failed_imports]

    stale = []
    for target in existing:
        instance = deployed.instances[target.key]
        overrides = _dict_changes("override", instance.overrides, target.overrides, target)
        if overrides:
            changes += overrides
            stale.append(target)
        elif instance.status != CURRENT:
            changes.append(Change("status", target.account, instance.status, CURRENT,
                                  target.environment, target))
            stale.append(target)

    # Updating the StackSet redeploys only the instances it names (never other environments'),
    # so it names the selected existing ones, or the new ones once created. Those it covers need
    # a second, instance-level operation only if their overrides change too.
    stack_set_update: tuple[Target, ...] = ()
    redeployed = list(stale)
    if stack_set_level:
        # a retried import comes first, so its instance is updated with the existing ones
        stack_set_update = tuple(existing + failed_imports) or tuple(missing) or tuple(inoperable)
        redeployed = list(existing + failed_imports)
        stale = [t for t in stale if t.overrides != deployed.instances[t.key].overrides]
    added = bool(set(desired.parameters) - set(deployed.parameters))
    return StackSetPlan(desired.name, update_stack_set=stack_set_update,
                        update_all_instances=added,
                        create_instances=_group(missing + inoperable),
                        update_instances=_group(stale),
                        changes=tuple(changes),
                        resources=tuple(diff_resources(deployed.template, desired.template)),
                        sections=tuple(changed_sections(deployed.template, desired.template)),
                        instance_resources=instance_resources(desired, deployed, redeployed),
                        recover_instances=recoveries,
                        retry_imports=tuple(recovery(t) for t in failed_imports))


def running_template(deployed: DeployedStackSet, key: tuple[str, str]) -> dict[str, Any]:
    """The template an instance's stack runs: read from the stack, or, when it was not read,
    the StackSet's."""
    template = deployed.instances[key].template
    return deployed.template if template is None else template


def instance_resources(desired: DesiredStackSet, deployed: DeployedStackSet,
                       targets: list[Target]) -> tuple[InstanceResources, ...]:
    """For each instance the plan redeploys, what the desired template does to the stack it
    runs now, where that stack runs another template."""
    result = []
    for target in targets:
        running = running_template(deployed, target.key)
        if running != desired.template:
            result.append(InstanceResources(target, tuple(diff_resources(running,
                                                                         desired.template))))
    return tuple(result)

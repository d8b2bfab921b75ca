"""The compliance manifests, exported from what is deployed: one file per account, from its
stacks' outputs and parameters, read through the read role, the accounts side by side.

After a deploy only the accounts whose instances all ended CURRENT (and did not fail in it) get
a fresh file; every other account is named with why, so no stale file passes for current.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.aws.clients import Aws, error_code
from scripts.build.manifest import (
    InstanceOutputs,
    build_manifest,
    manifest_path,
    missing_resources,
    write_atomically,
)
from scripts.config.domains import NAME_SERVERS_OUTPUT, delegation_message
from scripts.config.reader import Config, Environment
from scripts.errors import DeploymentError
from scripts.stacksets.instance_stacks import running_template
from templates_py.parameters import DOMAIN_NAME


@dataclass
class ManifestExport:
    config: Config
    aws: Aws
    cfn: Any  # CloudFormation in the administrator account and region
    say: Callable[[str], None]

    def write_all(self, environments: list[Environment], out_dir: Path) -> list[Path]:
        """One manifest per account, read concurrently, each account through one session."""
        paths, _ = self._export(environments, out_dir, fresh_only=False)
        return paths

    def write_fresh(self, environments: list[Environment], out_dir: Path,
                    failed_accounts: set[str]) -> tuple[list[Path], list[str]]:
        """After a deploy, even a partly failed one: a fresh manifest for every account whose
        instances all ended CURRENT and did not fail in this rollout; the others' files are
        left untouched, and each is named with why (so no stale file passes for current)."""
        return self._export(environments, out_dir, fresh_only=True, failed=failed_accounts)

    def _export(self, environments: list[Environment], out_dir: Path, fresh_only: bool,
                failed: set[str] | None = None) -> tuple[list[Path], list[str]]:
        names = [s.name for s in self.config.deployment.stacksets]
        stack_sets = {n: self._stack_set_or_none(n) for n in names}
        last_ops = {n: self._last_operation(n) if stack_sets[n] else None for n in names}
        instances = {n: {(s["Account"], s["Region"]): s for page in
                         self.cfn.get_paginator("list_stack_instances").paginate(StackSetName=n)
                         for s in page["Summaries"]} if stack_sets[n] else {} for n in names}
        targets, skipped = [], []
        for env in environments:
            for account in env.account_ids:
                why = _not_fresh(names, instances, account, env.region, failed or set()) \
                    if fresh_only else ""
                if why:
                    skipped.append(f"{env.name} ({account}): {why}; "
                                   f"{manifest_path(out_dir, _file_name(env, account))} not "
                                   "refreshed")
                else:
                    targets.append((env, account))
        with ThreadPoolExecutor(max_workers=min(16, len(targets)) or 1) as pool:
            paths = list(pool.map(lambda t: self._manifest(
                t[0], t[1], stack_sets, instances, last_ops, out_dir), targets))
        return paths, skipped

    def _stack_set_or_none(self, name: str) -> dict[str, Any] | None:
        try:
            return self.cfn.describe_stack_set(StackSetName=name)["StackSet"]
        except Exception as err:
            if error_code(err) == "StackSetNotFoundException":
                return None
            raise

    def _last_operation(self, name: str) -> str | None:
        ops = self.cfn.list_stack_set_operations(StackSetName=name).get("Summaries", [])
        done = [o for o in ops if o.get("Status") == "SUCCEEDED"]
        done.sort(key=lambda o: o.get("EndTimestamp") or o.get("CreationTimestamp"), reverse=True)
        return done[0]["OperationId"] if done else None

    def _warn_skipped(self, template: dict[str, Any], outputs: dict[str, str], where: str) -> None:
        for logical_id, kind in missing_resources(template, outputs):
            self.say(f"warning: {where}: {logical_id} ({kind}) was not created; "
                              "the endpoint may not support that resource type")

    def _manifest(self, env: Environment, account: str, stack_sets: dict[str, dict[str, Any]],
                  summaries: dict[str, dict[tuple[str, str], dict[str, Any]]],
                  last_ops: dict[str, str | None], out_dir: Path) -> Path:
        cfn = self.aws.client_in("cloudformation", account, self.config.deployment.read_role_name,
                                 env.region)
        instances = []
        for name, stack_set in stack_sets.items():
            instance = summaries[name].get((account, env.region))
            if instance is None or stack_set is None or not instance.get("StackId"):
                raise DeploymentError(f"{name}: no stack instance in {env.name} account {account}")
            stack = cfn.describe_stacks(StackName=instance["StackId"])["Stacks"][0]
            # what this instance's stack runs, which an OUTDATED instance has from an older
            # template than the StackSet's; a CURRENT one runs the StackSet's ("up to date with
            # the stack set", StackInstanceSummary)
            template = (instance.get("Status") != "CURRENT"
                        and running_template(cfn, instance["StackId"])) or \
                json.loads(stack_set.get("TemplateBody") or "{}")
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            self._warn_skipped(template, outputs, f"{name} in {env.name} ({account})")
            if NAME_SERVERS_OUTPUT in outputs:
                domain = next((p["ParameterValue"] for p in stack.get("Parameters", [])
                               if p["ParameterKey"] == DOMAIN_NAME.name), "")
                self.say(delegation_message(env.name, domain,
                                                     outputs[NAME_SERVERS_OUTPUT]))
            instances.append(InstanceOutputs(
                stack_set=name, stack_set_id=stack_set["StackSetId"],
                stack_id=instance["StackId"], instance_status=instance.get("Status", ""),
                last_operation_id=instance.get("LastOperationId") or last_ops[name],
                template=template,
                parameters={p["ParameterKey"]: p["ParameterValue"]
                            for p in stack.get("Parameters", [])},
                outputs=outputs))
        manifest = build_manifest(env.name, account, env.region, instances)
        return write_atomically(manifest_path(out_dir, _file_name(env, account)), manifest)


def _file_name(env: Environment, account: str) -> str:
    return env.name if account == env.account_id else f"{env.name}-{account}"


def _not_fresh(names: list[str], instances: dict[str, dict[tuple[str, str], dict[str, Any]]],
               account: str, region: str, failed: set[str]) -> str:
    """Why an account's manifest would not describe a finished deploy ("" if it would)."""
    if account in failed:
        return "failed in this deploy"
    for name in names:
        instance = instances[name].get((account, region))
        if instance is None:
            return f"no {name} instance"
        if instance.get("Status") != "CURRENT":
            return f"{name} instance {instance.get('Status')}"
    return ""

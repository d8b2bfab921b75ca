from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scripts.cli_support import ROOT, Options, reports_errors
from scripts.commands.common import (
    DEFAULT_TIMEOUT,
    emit,
    environments_argument,
    make_rollout,
    select,
)
from scripts.config import load_config
from scripts.errors import ConfigError, DeploymentError, PlatformError


@click.command()
@environments_argument
@click.option("--timeout", type=click.IntRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to wait for each StackSet operation.")
@click.option("--manifests/--no-manifests", default=True, show_default=True,
              help="Export build/manifests/resource-manifest-<env>.json after a successful deploy.")
@click.option("--allow-data-loss", is_flag=True,
              help="Deploy even if a table, bucket, log group or key would be replaced or removed.")
@click.option("--strategy", type=click.Choice(["waves", "parallel"]), default="waves",
              show_default=True,
              help="waves: dev, then staging, then prod, stopping at a failed wave; parallel: "
                   "the StackSets side by side, each one operation at a time (AWS queues a "
                   "StackSet's operations), every environment following the StackSet before.")
@click.option("--resume", metavar="[STACKSET:OPERATION]", is_flag=False, flag_value="",
              help="Re-attach to a running operation (after Ctrl-C or a timeout) and wait for it.")
@click.option("--require-clean", is_flag=True,
              help="Refuse (exit 2, nothing sent) when templates_py, params or lambdas have "
                   "uncommitted changes; for CI.")
@click.pass_obj
@reports_errors
def deploy(opts: Options, environments: tuple[str, ...], all_: bool, timeout: int,
           manifests: bool, allow_data_loss: bool, strategy: str, resume: str | None,
           require_clean: bool) -> None:
    """Create or update every StackSet and the named environments' stack instances.

    Packages and uploads the Lambda code, then for each StackSet in order: creates it if
    missing, updates it if its template, parameters or tags changed, adds missing instances and
    updates those whose parameter overrides changed. When nothing differs, no operation starts.

    \b
    Examples:
      payctl deploy dev staging
      payctl deploy --all
      payctl deploy --all --strategy parallel
      payctl --endpoint-url http://127.0.0.1:5000 deploy prod
      payctl deploy --resume      (re-attach to the operation a Ctrl-C left running)
      payctl deploy --all --require-clean --output json
    """
    from scripts import pending
    from scripts.operations import AccountFailure, Detached, FailedAccounts, unsuccessful

    try:
        if resume is not None:
            if resume:
                stack_set, _, operation_id = resume.partition(":")
            else:
                stack_set, operation_id = pending.load(opts.build_dir)
            if not stack_set or not operation_id:
                raise click.BadParameter("expected STACKSET:OPERATION", param_hint="--resume")
            config = load_config(opts.params_dir)
            results = make_rollout(opts, config, timeout).waiter.wait(stack_set, operation_id)
            pending.clear(opts.build_dir)
            failed = [AccountFailure(stack_set, operation_id, r) for r in unsuccessful(results)]
            if failed:  # SUCCEEDED within the failure tolerance is not success for them
                raise FailedAccounts(failed, config.account_names())
            emit(opts, {"stack_set": stack_set, "operation_id": operation_id,
                        "status": "SUCCEEDED"}, f"{stack_set}: operation {operation_id} SUCCEEDED")
            return
        config, selected = select(opts, environments, all_)
        if require_clean:
            refuse_uncommitted(opts)
        rollout = make_rollout(opts, config, timeout, keep_build=True)
        try:
            results = rollout.deploy(selected, allow_data_loss=allow_data_loss,
                                     strategy=strategy)
        except Detached:
            raise
        except DeploymentError:
            # a partial failure: environments that finished get true manifests, failed ones
            # keep their files untouched and are named; then the failure is reported
            if manifests:
                try:
                    _export(opts, rollout, selected, err=True)
                except PlatformError as unexported:  # the deploy's own failure comes first
                    click.echo(f"warning: manifests not exported: {unexported}", err=True)
            raise
    except Detached as err:
        try:
            pending.save(opts.build_dir, err.stack_set, err.operation_id)
        except ConfigError as unsaved:
            click.echo(f"warning: {unsaved}", err=True)
        raise
    lines = []
    if all(r.plan.empty for r in results):
        lines.append("No changes: every StackSet and instance already matches.")
    paths, skipped = _export(opts, rollout, selected) if manifests else ([], [])
    lines += [f"wrote {path}" for path in paths]
    emit(opts, {"revision": rollout.revision,
                "stack_sets": [{"name": r.name, "changed": not r.plan.empty,
                                "operations": r.operations} for r in results],
                "manifests": [str(p) for p in paths], "manifests_not_refreshed": skipped},
         "\n".join(lines))


def _export(opts: Options, rollout: Any, selected: list[Any],
            err: bool = False) -> tuple[list[Path], list[str]]:
    """Fresh manifests for the accounts whose instances all ended CURRENT without failing; the
    others are named on stderr (their files are left as they were)."""
    paths, skipped = rollout.fresh_manifests(selected, opts.build_dir / "manifests",
                                             rollout.failed_accounts())
    if err:
        for path in paths:
            click.echo(f"wrote {path}", err=True)
    for line in skipped:
        click.echo(f"manifest not refreshed: {line}", err=True)
    return paths, skipped


def refuse_uncommitted(opts: Options) -> None:
    """--require-clean: the sources that shape a deploy must be exactly HEAD."""
    from scripts.provenance import uncommitted

    changed = uncommitted(ROOT, opts.params_dir)
    if changed is None:
        raise ConfigError("--require-clean: not a git checkout, so the sources cannot be "
                          "shown to be committed; nothing was sent")
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise ConfigError(f"--require-clean: uncommitted changes in {changed[0]}{more}; "
                          "commit them (or drop --require-clean); nothing was sent")

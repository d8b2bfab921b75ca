from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scripts.cli.commands.common import (
    DEFAULT_TIMEOUT,
    emit,
    environments_argument,
    make_rollout,
    select,
)
from scripts.cli.support import ROOT, Options, reports_errors
from scripts.config.reader import load_config
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
              help="Re-attach to every operation a stopped deploy left running (saved in "
                   "build/state/), then finish that rollout; or wait for one given operation.")
@click.option("--wait-for-others", is_flag=True,
              help="When someone else's operation runs or is queued on a StackSet to change, "
                   "wait for it in line (bounded by --timeout) and plan again, instead of "
                   "refusing (exit 2, or exit 1 once this deploy has sent operations).")
@click.option("--check-drift/--no-check-drift", default=False, show_default=True,
              help="Detect drift on the selected instances first and refuse to overwrite "
                   "changes made outside payctl.")
@click.option("--overwrite-drift", is_flag=True,
              help="With --check-drift: report drift but deploy over it.")
@click.option("--require-clean", is_flag=True,
              help="Refuse (exit 2, nothing sent) when templates_py, params or lambdas have "
                   "uncommitted changes; for CI.")
@click.pass_obj
@reports_errors
def deploy(opts: Options, environments: tuple[str, ...], all_: bool, timeout: int,
           manifests: bool, allow_data_loss: bool, strategy: str, resume: str | None,
           wait_for_others: bool, check_drift: bool, overwrite_drift: bool,
           require_clean: bool) -> None:
    """Create or update every StackSet and the named environments' stack instances.

    Packages and uploads the Lambda code, then for each StackSet in order: creates it if
    missing, updates it if its template, parameters or tags changed, adds missing instances and
    updates those whose parameter overrides changed. When nothing differs, no operation starts.
    One deploy at a time per checkout (build/state/deploy.lock); someone else's running or
    queued operation on a StackSet to change, found at the start or before any operation this
    deploy starts, is refused unless --wait-for-others.

    \b
    Examples:
      payctl deploy dev staging
      payctl deploy --all
      payctl deploy --all --strategy parallel
      payctl --endpoint-url http://127.0.0.1:5000 deploy prod
      payctl deploy --resume      (after Ctrl-C, SIGTERM or --timeout: finish the rollout)
      payctl deploy prod --check-drift
      payctl deploy --all --require-clean --output json
    """
    from scripts.stacksets import lock, pending
    from scripts.stacksets.stopping import saved_on_stop

    if resume is not None:
        with lock.held(opts.build_dir, "deploy --resume"):
            return resume_rollout(opts, resume, timeout, manifests)
    config, selected = select(opts, environments, all_)
    if require_clean:
        refuse_uncommitted(opts)
    intent = pending.Intent("deploy", tuple(e.name for e in selected), strategy, allow_data_loss)
    with lock.held(opts.build_dir, "deploy"), \
            saved_on_stop(opts.build_dir, intent, "payctl deploy --resume"):
        earlier = pending.existing(opts.build_dir)
        rollout = make_rollout(opts, config, timeout, keep_build=True)
        refuse_early_delegation(rollout, selected)
        if earlier is not None:
            rollout.progress.say("warning: a stopped rollout is saved "
                                 f"({earlier.intent.again if earlier.intent else 'an operation'}"
                                 "); this deploy leaves it: `payctl deploy --resume` finishes it")
        if check_drift:
            refuse_drift(config, rollout, selected, overwrite_drift)
        results = deploy_reporting_manifests(
            opts, rollout, selected, manifests, intent.again, allow_data_loss=allow_data_loss,
            strategy=strategy, wait_for_others=wait_for_others)
    finish(opts, rollout, selected, results, manifests, [])


def refuse_early_delegation(rollout: Any, selected: list[Any]) -> None:
    """`edge.delegated: true` before the public DNS delegates to the zone would start an edge
    operation that waits up to 72 hours (scripts.actions.delegation): refused before any operation."""
    from scripts.actions.delegation import check

    lines = check(rollout, selected)
    if lines:
        raise ConfigError("\n".join(lines))


def deploy_reporting_manifests(opts: Options, rollout: Any, selected: list[Any], manifests: bool,
                               command: str, **how: Any) -> tuple[list[Any], Path | None]:
    """Roll out, then draw the rollout report (also after a failure or a stop); after a partial
    failure, environments that finished get true manifests and failed ones keep their files
    untouched and are named; then the failure is reported."""
    from scripts.stacksets.operations import Detached

    try:
        results = rollout.deploy(selected, **how)
    except BaseException as err:
        written = write_report(opts, rollout, command, how["strategy"], err)
        if written:
            click.echo(f"wrote {written}", err=True)
        if manifests and isinstance(err, DeploymentError) and not isinstance(err, Detached):
            try:
                _export(opts, rollout, selected, err=True)
            except PlatformError as unexported:  # the deploy's own failure comes first
                click.echo(f"warning: manifests not exported: {unexported}", err=True)
        raise
    return results, write_report(opts, rollout, command, how["strategy"], None)


def write_report(opts: Options, rollout: Any, command: str, strategy: str,
                 error: BaseException | None) -> Path | None:
    """build/reports/rollout-<id>.html of the operations this deploy watched (None when it
    started none). A report that cannot be written is a warning: the rollout's own outcome
    is what the exit code tells."""
    from scripts.actions import report

    data = report.of_rollout(rollout, command, strategy, error)
    if data is None:
        return None
    try:
        return report.write(opts.build_dir, data)
    except OSError as err:
        click.echo(f"warning: rollout report not written: {err}", err=True)
        return None


def finish(opts: Options, rollout: Any, selected: list[Any], outcome: tuple[list[Any], Path | None],
           manifests: bool, lines: list[str]) -> None:
    results, report = outcome
    if all(r.plan.empty for r in results):
        lines.append("No changes: every StackSet and instance already matches.")
    paths, skipped = _export(opts, rollout, selected) if manifests else ([], [])
    lines += [f"wrote {path}" for path in [*paths, *([report] if report else [])]]
    emit(opts, {"revision": rollout.revision,
                "stack_sets": [{"name": r.name, "changed": not r.plan.empty,
                                "operations": r.operations} for r in results],
                "manifests": [str(p) for p in paths], "manifests_not_refreshed": skipped,
                "report": None if report is None else str(report)},
         "\n".join(lines))


def _export(opts: Options, rollout: Any, selected: list[Any],
            err: bool = False) -> tuple[list[Path], list[str]]:
    """Fresh manifests for the accounts whose instances all ended CURRENT without failing; the
    others are named on stderr (their files are left as they were)."""
    paths, skipped = rollout.exports.write_fresh(selected, opts.build_dir / "manifests",
                                                 rollout.failed_accounts())
    if err:
        for path in paths:
            click.echo(f"wrote {path}", err=True)
    for line in skipped:
        click.echo(f"manifest not refreshed: {line}", err=True)
    return paths, skipped


def resume_rollout(opts: Options, resume: str, timeout: int, manifests: bool) -> None:
    """Re-attach to the saved operations, then run the saved rollout again: it plans against
    what is deployed, so it does exactly what remains. Never reports success for a rollout
    that did not finish."""
    from scripts.stacksets import pending
    from scripts.stacksets.operations import Detached
    from scripts.stacksets.reattach import reattach
    from scripts.stacksets.stopping import saved_on_stop

    if resume:
        stack_set, _, operation_id = resume.partition(":")
        if not stack_set or not operation_id:
            raise click.BadParameter("expected STACKSET:OPERATION", param_hint="--resume")
        saved = pending.Saved(((stack_set, operation_id),))
    else:
        saved = pending.load(opts.build_dir)
    intent = saved.intent
    if intent is not None and intent.command != "deploy":
        raise ConfigError(f"--resume: the saved operations belong to `{intent.again}`; run it "
                          "again to finish (it re-attaches to them first)")
    config = load_config(opts.params_dir)
    rollout = make_rollout(opts, config, timeout, keep_build=True)
    with saved_on_stop(opts.build_dir, intent, "payctl deploy --resume"):
        try:
            lines = reattach(rollout.waiter, saved.operations, rollout.progress.say, intent,
                             config.account_names())
        except DeploymentError as err:
            if not isinstance(err, Detached) and not resume:
                pending.clear(opts.build_dir)  # ended: nothing left to re-attach to
            raise
    if not resume:
        pending.clear(opts.build_dir)
    if intent is None:
        lines.append("no rollout was saved with it; `payctl plan ENV...` shows anything left")
        emit(opts, {"operations": [{"stack_set": s, "operation_id": o, "status": "SUCCEEDED"}
                                   for s, o in saved.operations], "rollout": None},
             "\n".join(lines))
        return
    selected = config.select(intent.environments, False)
    lines.append(f"finishing the interrupted rollout: {intent.again}")
    with saved_on_stop(opts.build_dir, intent, "payctl deploy --resume"):
        results = deploy_reporting_manifests(opts, rollout, selected, manifests,
                                             "payctl deploy --resume",
                                             allow_data_loss=intent.allow_data_loss,
                                             strategy=intent.strategy)
    finish(opts, rollout, selected, results, manifests, lines)


def refuse_drift(config: Any, rollout: Any, selected: list[Any], overwrite: bool) -> None:
    """--check-drift: detect drift on the selected instances that exist; refuse to deploy over
    a change made outside payctl unless --overwrite-drift."""
    from scripts.actions.drift import detect_existing, render
    from scripts.errors import UnsafeChange

    drifted = [r for r in detect_existing(config, rollout.aws, rollout.deployer, selected,
                                          rollout.progress.say) if r.status == "DRIFTED"]
    if not drifted:
        return
    if overwrite:
        rollout.progress.say("overwriting drift (--overwrite-drift):\n" + render(drifted))
        return
    raise UnsafeChange("refusing to deploy over changes made outside payctl:\n"
                       f"{render(drifted)}\nput them in params/ (or templates_py/) to keep them, "
                       "or pass --overwrite-drift to replace them; nothing was deployed")


def refuse_uncommitted(opts: Options) -> None:
    """--require-clean: the sources that shape a deploy must be exactly HEAD."""
    from scripts.build.provenance import uncommitted

    changed = uncommitted(ROOT, opts.params_dir)
    if changed is None:
        raise ConfigError("--require-clean: not a git checkout, so the sources cannot be "
                          "shown to be committed; nothing was sent")
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise ConfigError(f"--require-clean: uncommitted changes in {changed[0]}{more}; "
                          "commit them (or drop --require-clean); nothing was sent")

from __future__ import annotations

import click

from scripts.cli.commands.common import emit, make_rollout
from scripts.cli.support import Options, reports_errors
from scripts.config.reader import load_config, resolve_environment
from scripts.errors import TERMINATED, ConfigError


@click.command()
@click.argument("environment", metavar="ENV")
@click.option("--yes-delete-data", "confirmed", metavar="ENV",
              help="Do not ask: repeat the environment's name (for scripts).")
@click.pass_obj
@reports_errors
def purge(opts: Options, environment: str, confirmed: str | None) -> None:
    """Delete for good the resources a destroyed environment retained.

    Empties and deletes the audit and access-log buckets (every object version), deletes the
    tables (turning deletion protection off), the log groups and the edge's hosted zone (its
    records first), and schedules the KMS key's deletion (7 days, AWS's minimum). It acts in the
    environment's account and region through the execution role, and refuses an environment
    that still has stack instances. It lists what it will delete and asks you to type the
    environment's name, or takes --yes-delete-data ENV. Stopped (Ctrl-C, SIGTERM) or failed,
    running it again finishes the job; with nothing left, it says so.

    \b
    Examples:
      payctl purge dev
      payctl purge dev --yes-delete-data dev
    """
    name = resolve_environment(environment)
    if confirmed is not None and confirmed != name:
        raise ConfigError(f"--yes-delete-data: {confirmed!r} is not {name!r}: repeat the "
                          "environment's name; nothing was changed")
    config = load_config(opts.params_dir)
    env = config.environments[name]

    from scripts.actions.purge import Purger, live_instances, refuse_live, report_lines, survey
    from scripts.stacksets import lock
    from scripts.stacksets.stopping import Stopped, signal_code

    with lock.held(opts.build_dir, f"purge {name}"):
        rollout = make_rollout(opts, config)
        say = rollout.progress.say
        refuse_live(name, live_instances(rollout.cfn, [s.name for s in config.deployment.stacksets],
                                         env.account_ids, env.region))
        role = config.deployment.execution_role_name

        def client_in(account: str, region: str, service: str) -> object:
            return rollout.aws.client_in(service, account, role, region)

        found = survey(rollout.desired([env], upload=False), name,
                       lambda t, service: client_in(t.account, t.region, service),
                       rollout.aws.partition)
        lines = report_lines(name, found)
        if not any(r.action == "remove" for r in found):
            emit(opts, {"environment": name, "removed": [], "left": [
                r.to_json() for r in found]}, "\n".join(lines))
            return
        click.echo("\n".join(lines), err=True)
        if confirmed is None:
            typed = click.prompt(f"This deletes {name}'s data for good. Type the environment "
                                 "name to confirm", default="", show_default=False, err=True)
            if typed.strip() != name:
                raise ConfigError("confirmation did not match; nothing was changed")
        try:
            done = Purger(client_in, say).run(found)
        except BaseException as err:
            code = signal_code(err)
            if code is None:
                raise
            raise Stopped(f"{'terminated' if code == TERMINATED else 'interrupted'}: what was removed "
                          "stays removed, the rest is untouched; run the same `payctl purge "
                          f"{name}` again to finish", code) from err
    emit(opts, {"environment": name, "removed": [r.to_json() for r in done],
                "left": [r.to_json() for r in found if r.action != "remove"]},
         f"{name}: purged {len(done)} retained resource(s)")

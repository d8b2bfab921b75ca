from __future__ import annotations

import click

from scripts.cli.commands.common import emit, make_rollout
from scripts.cli.support import Options, reports_errors
from scripts.config.reader import load_config


@click.command()
@click.argument("environments", nargs=-1, metavar="[ENV...]")
@click.pass_obj
@reports_errors
def status(opts: Options, environments: tuple[str, ...]) -> None:
    """Show every StackSet x account: instance status, drift, the last operation that touched
    that instance, and whether the template its stack runs (read in the account through the
    execution role) is the one built from this checkout (rendered in memory: status writes
    nothing). No environment means all.

    \b
    Examples:
      payctl status
      payctl status prod --output json
    """
    from scripts.actions import status as report

    config = load_config(opts.params_dir)
    selected = config.select(environments, all_=not environments)
    rollout = make_rollout(opts, config)
    rows = report.collect(rollout.cfn, config, selected, rollout.templates(),
                          rollout.stack_client)
    emit(opts, report.to_json(rows), report.render_table(rows))

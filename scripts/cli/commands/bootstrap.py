from __future__ import annotations

import click

from scripts.cli.commands.common import emit, make_aws
from scripts.cli.support import Options, reports_errors


@click.command()
@click.option("--via-role", default="OrganizationAccountAccessRole", show_default=True,
              help="Existing role in each environment account used to create the execution role.")
@click.pass_obj
@reports_errors
def bootstrap(opts: Options, via_role: str) -> None:
    """Create or update the StackSet roles: administration role in the admin account (the
    current credentials), execution role in every environment account.

    \b
    Example:
      payctl --profile admin bootstrap
    """
    from scripts.actions.bootstrap import bootstrap as run
    from scripts.config.reader import load_config

    config = load_config(opts.params_dir)
    lines: list[str] = []

    def say(line: str) -> None:  # progress on stderr; the outcome lines are also the result
        lines.append(line)
        click.echo(line, err=True)

    aws = make_aws(opts, config)
    aws.config()
    run(config, aws, via_role, say)
    emit(opts, {"results": lines}, None)

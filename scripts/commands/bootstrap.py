from __future__ import annotations

import click

from scripts.cli_support import Options, reports_errors
from scripts.commands.common import make_aws


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
    from scripts.bootstrap import bootstrap as run
    from scripts.config import load_config

    config = load_config(opts.params_dir)
    run(config, make_aws(opts, config), via_role, click.echo)

from __future__ import annotations

import click

from scripts.cli.commands.common import DEFAULT_TIMEOUT
from scripts.cli.support import Options, reports_errors


@click.command()
@click.option("--timeout", type=click.IntRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to wait for each StackSet operation.")
@click.pass_obj
@reports_errors
def demo(opts: Options, timeout: int) -> None:
    """Run the whole rollout against the embedded emulator, on this machine only.

    Starts the emulator on 127.0.0.1 with throwaway credentials (yours are never used),
    bootstraps the StackSet roles, deploys dev, staging and prod, writes and validates the
    three manifests into build/manifests/, then deploys again and checks nothing changes.

    \b
    Example:
      payctl demo
    """
    from scripts import emulator
    from scripts.actions import demo as library
    from scripts.config.reader import load_config

    config = load_config(opts.params_dir)
    admin = config.deployment.admin_account_id
    with emulator.fake_credentials(), emulator.start(admin) as local:
        click.echo(f"emulator listening on {local.url} (admin account {admin})")
        report = library.run(config, opts.build_dir, click.echo, timeout, local.url,
                             local.time_scale)
    click.echo(report.render())

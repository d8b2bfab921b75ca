from __future__ import annotations

import click

from scripts.cli_support import Options, reports_errors
from scripts.commands.common import DEFAULT_TIMEOUT


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
    from scripts import demo as library
    from scripts.config import load_config

    report = library.run(load_config(opts.params_dir), opts.build_dir, click.echo, timeout)
    click.echo(report.render())

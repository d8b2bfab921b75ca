from __future__ import annotations

import sys

import click

from scripts.cli_support import Options, reports_errors
from scripts.commands.common import make_rollout
from scripts.config import load_config


@click.command()
@click.argument("environments", nargs=-1, metavar="[ENV...]")
@click.pass_obj
@reports_errors
def drift(opts: Options, environments: tuple[str, ...]) -> None:
    """Detect drift on every StackSet and report, per account, the drifted resources and
    properties. Exits 2 when drift is found. No environment means all.

    \b
    Example:
      payctl drift prod
    """
    from scripts.drift import detect, render

    config = load_config(opts.params_dir)
    selected = config.select(environments, all_=not environments)
    rollout = make_rollout(opts, config)
    results = detect(config, rollout.aws, rollout.deployer, selected, rollout.progress.say)
    click.echo(render(results))
    if any(r.status == "DRIFTED" for r in results):
        sys.exit(2)

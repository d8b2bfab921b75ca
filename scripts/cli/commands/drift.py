from __future__ import annotations

import dataclasses
import sys

import click

from scripts.cli.commands.common import emit, make_rollout
from scripts.cli.support import DRIFTED, Options, reports_errors
from scripts.config.reader import load_config


@click.command()
@click.argument("environments", nargs=-1, metavar="[ENV...]")
@click.pass_obj
@reports_errors
def drift(opts: Options, environments: tuple[str, ...]) -> None:
    """Detect drift on every StackSet and report, per account, the drifted resources and
    properties. Exits 3 when drift is found (2 stays "usage or input error"). No environment
    means all. Writes nothing.

    \b
    Example:
      payctl drift prod
    """
    from scripts.actions.drift import detect, render

    config = load_config(opts.params_dir)
    selected = config.select(environments, all_=not environments)
    rollout = make_rollout(opts, config)
    results = detect(config, rollout.aws, rollout.deployer, selected, rollout.progress.say)
    emit(opts, [dataclasses.asdict(r) for r in results], render(results))
    if any(r.status == "DRIFTED" for r in results):
        sys.exit(DRIFTED)

from __future__ import annotations

import click

from scripts.cli.commands.common import emit, environments_argument, make_rollout, select
from scripts.cli.support import Options, reports_errors


@click.command()
@environments_argument
@click.pass_obj
@reports_errors
def manifest(opts: Options, environments: tuple[str, ...], all_: bool) -> None:
    """Export the compliance manifest of each named environment from its stack outputs.

    Writes build/manifests/resource-manifest-<env>.json: account, region, StackSets, last
    operation (its id carries the git revision, `-dirty` when the sources were uncommitted),
    template digest, parameters, and every resource's id, name and ARN with its type.

    \b
    Examples:
      payctl manifest prod
      payctl manifest --all --output json
    """
    config, selected = select(opts, environments, all_)
    paths = make_rollout(opts, config).exports.write_all(selected, opts.build_dir / "manifests")
    emit(opts, {"manifests": [str(p) for p in paths]}, "\n".join(f"wrote {p}" for p in paths))

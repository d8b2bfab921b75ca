from __future__ import annotations

import click

from scripts.cli.support import Options, reports_errors


@click.command()
@click.pass_obj
@reports_errors
def build(opts: Options) -> None:
    """Render every template and per-environment parameter file into build/.

    \b
    Example:
      payctl build
    """
    from scripts.build.render import render, write
    from scripts.config.reader import load_config

    files = render(load_config(opts.params_dir))
    changed = write(opts.build_dir, files)
    click.echo(f"{len(files)} files in {opts.build_dir}, {len(changed)} changed")

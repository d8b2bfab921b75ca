from __future__ import annotations

import click

from scripts.cli.support import Options, reports_errors


@click.command()
@click.pass_obj
@reports_errors
def diagram(opts: Options) -> None:
    """Draw the platform's architecture from the built templates as build/diagrams/platform.svg.

    Resources are grouped by StackSet and part of the platform; arrows are Ref, GetAtt, Sub,
    DependsOn and cross-StackSet imports. Needs graphviz (`dot`).

    \b
    Example:
      payctl diagram
    """
    from scripts.build.diagram import dot_source, render_svg
    from scripts.build.render import read_template
    from templates_py import STACKSET_TEMPLATES

    templates = {name: read_template(opts.build_dir, name) for name in STACKSET_TEMPLATES}
    path = render_svg(dot_source(templates), opts.build_dir / "diagrams" / "platform.svg")
    click.echo(f"wrote {path}")

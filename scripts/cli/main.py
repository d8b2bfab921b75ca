"""`payctl`: the command-line face of the project; a thin layer over the library in scripts/.

Global options follow the AWS CLI's names, are accepted before or after the subcommand, and fall
back to the usual environment variables and credentials chain. Errors become one line on stderr
and a documented exit code in scripts/cli/support.py, nowhere else.
"""

from __future__ import annotations

from pathlib import Path

import click

from scripts.cli.support import Boundary, group_options, make_options


@click.group(cls=Boundary,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@group_options
@click.version_option(package_name="payment-platform-infra", prog_name="payctl",
                      message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, params_dir: Path, build_dir: Path, profile: str | None,
        region: str | None, endpoint_url: str | None, output: str, debug: bool | None,
        no_color: bool | None) -> None:
    """Build and roll out the payment platform's CloudFormation StackSets.

    \b
    Examples:
      payctl build                 render templates into build/
      payctl deploy --all          roll out dev, staging and prod
      payctl plan prod --output json

    \b
    Exit codes: 0 ok, 1 failure, 2 usage or input error (nothing sent to AWS), 3 drift found,
    130 interrupted, 143 terminated; plan --detailed-exitcode: 0 no changes, 1 error, 2 changes.
    """
    ctx.obj = make_options(params_dir, build_dir, profile, region, endpoint_url, output, debug,
                           no_color)
    if not ctx.obj.color:
        ctx.color = False


def _register() -> None:
    from scripts.cli.commands import COMMANDS
    from scripts.cli.support import global_options

    for command in COMMANDS:
        cli.add_command(global_options(command))


_register()


def main(args: list[str] | None = None) -> None:
    """The `payctl` entry point (sys.argv's arguments unless `args` are given)."""
    from scripts.aws import longlived

    longlived.enable()  # payctl's own process, not a program that runs it inside itself
    cli(args, prog_name="payctl")


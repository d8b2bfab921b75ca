"""`payctl`: the command-line face of the project; a thin layer over the library in scripts/.

Global options follow the AWS CLI's names and fall back to the usual environment variables and
credentials chain. Library errors become one line on stderr and an exit code here, nowhere else:
0 success, 1 deployment failure, 2 usage or input error.
"""

from __future__ import annotations

from pathlib import Path

import click

from scripts.cli_support import ROOT, Options


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--params-dir", type=click.Path(file_okay=False, path_type=Path),
              default=ROOT / "params", show_default="params/",
              help="Folder with deployment.yaml and one <env>.yaml per environment.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              default=ROOT / "build", show_default="build/", help="Where generated files go.")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile (env: AWS_PROFILE).")
@click.option("--region", envvar="AWS_REGION",
              help="AWS region of the StackSets (env: AWS_REGION; default: deployment.yaml).")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL",
              help="Send AWS calls to this endpoint, e.g. a local emulator (env: AWS_ENDPOINT_URL).")
@click.pass_context
def cli(ctx: click.Context, params_dir: Path, build_dir: Path, profile: str | None,
        region: str | None, endpoint_url: str | None) -> None:
    """Build and roll out the payment platform's CloudFormation StackSets.

    \b
    Examples:
      payctl build                 render templates into build/
      payctl deploy --all          roll out dev, staging and prod
    """
    ctx.obj = Options(params_dir, build_dir, profile, region, endpoint_url)


def _register() -> None:
    from scripts.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="payctl")


if __name__ == "__main__":
    main()

"""`payctl`: the command-line face of the project; a thin layer over the library in scripts/.

Global options follow the AWS CLI's names and fall back to the usual environment variables and
credentials chain. Library errors become one line on stderr and an exit code here, nowhere else:
0 success, 1 deployment failure, 2 usage or input error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from scripts.errors import PlatformError

ROOT = Path(__file__).resolve().parent.parent
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Options:
    """Global options, kept in `ctx.obj` for every command."""

    params_dir: Path
    build_dir: Path
    profile: str | None
    region: str | None
    endpoint_url: str | None


def reports_errors(command: F) -> F:
    """Turn project exceptions into one line on stderr and their exit code, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PlatformError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


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


@cli.command()
@click.pass_obj
@reports_errors
def build(opts: Options) -> None:
    """Render every template and per-environment parameter file into build/.

    \b
    Example:
      payctl build
    """
    from scripts.build import render, write
    from scripts.config import load_config

    files = render(load_config(opts.params_dir))
    changed = write(opts.build_dir, files)
    click.echo(f"{len(files)} files in {opts.build_dir}, {len(changed)} changed")


@cli.command()
@click.pass_obj
@reports_errors
def package(opts: Options) -> None:
    """Zip each Lambda function deterministically into build/dist/, named by content digest.

    \b
    Example:
      payctl package
    """
    from scripts.packaging import build_all

    for pkg in build_all(ROOT / "lambdas", opts.build_dir / "dist"):
        click.echo(f"{pkg.key}  {pkg.path.stat().st_size} bytes")


def main() -> None:
    cli(prog_name="payctl")

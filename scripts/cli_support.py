"""The CLI's shared plumbing: global options and the one place errors become exit codes."""

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
        except Exception as err:  # an AWS SDK error nothing else handled: one line, exit 1
            if type(err).__module__.partition(".")[0] not in ("botocore", "boto3"):
                raise
            from scripts.aws import explain  # botocore is loaded already if we got here

            click.echo(f"error: {explain(err)}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]



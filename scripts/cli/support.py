"""The CLI's shared plumbing: global options, and the one place errors become exit codes.

Exit codes (docs/operating.md has the same table):

    0    success (plan --detailed-exitcode: no changes)
    1    failure: an AWS call or operation failed, or an unexpected error (see --debug);
         with plan --detailed-exitcode, every error, input errors included (as Terraform)
    2    usage or input error: nothing was sent to AWS (plan --detailed-exitcode: changes)
    3    drift found (payctl drift)
    130  interrupted (SIGINT, Ctrl-C)
    143  terminated (SIGTERM)
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from scripts.errors import (
    INTERRUPTED,
    TERMINATED,
    ConfigError,
    PlatformError,
    Terminated,
    stopped_by,
)

ROOT = Path(__file__).resolve().parents[2]
F = TypeVar("F", bound=Callable[..., Any])

OK, FAILURE, USAGE, DRIFTED = 0, 1, 2, 3
CHANGES = 2  # plan --detailed-exitcode only, where every error is FAILURE
DETAILED_FLAG = "--detailed-exitcode"
# botocore errors a user causes with an option or a variable: usage, not failure
USAGE_ERRORS = {"ProfileNotFound", "InvalidRegionError", "InvalidEndpointConfigurationError",
                "InvalidRetryConfigurationError", "InvalidRetryModeError", "InvalidConfigError"}


@dataclass
class Options:
    """Global options, kept in `ctx.obj` for every command."""

    params_dir: Path
    build_dir: Path
    profile: str | None
    region: str | None
    endpoint_url: str | None
    debug: bool = False
    output: str = "text"
    color: bool = field(default=True)


def relative(path: Path, cwd: Path | None = None) -> Path:
    """`path` relative to the working directory when it is inside it (shorter messages)."""
    base = cwd or Path.cwd()
    absolute = path if path.is_absolute() else base / path
    try:
        return absolute.relative_to(base)
    except ValueError:
        return path


# -- global options: accepted before or after the subcommand ------------------------------------

OUTPUT = click.Choice(["text", "json", "markdown"])
MARKDOWN_COMMANDS = {"plan"}  # a pull-request comment; the other commands have no such reader
GLOBAL_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--params-dir",), {"type": click.Path(file_okay=False, path_type=Path),
                         "help": "Folder with deployment.yaml and one <env>.yaml per environment "
                                 "[default: params/]."}),
    (("--build-dir",), {"type": click.Path(file_okay=False, path_type=Path),
                        "help": "Where generated files go [default: build/]."}),
    (("--profile",), {"help": "AWS named profile (env: AWS_PROFILE)."}),
    (("--region",), {"help": "The StackSets' administrator region (env: AWS_REGION; default: "
                             "deployment.yaml); each environment deploys in its own file's "
                             "region."}),
    (("--endpoint-url",), {"help": "Send AWS calls to this endpoint, e.g. a local emulator "
                                   "(env: AWS_ENDPOINT_URL)."}),
    (("--output",), {"type": OUTPUT, "help": "text for people, json for scripts, markdown for "
                                          "a pull-request comment (plan only) [default: text]."}),
    (("--debug",), {"is_flag": True, "default": None,
                    "help": "Show the traceback of an unexpected error."}),
    (("--no-color",), {"is_flag": True, "default": None,
                       "help": "No colour or terminal control sequences (env: NO_COLOR)."}),
]
GROUP_DEFAULTS: dict[str, dict[str, Any]] = {
    "params_dir": {"default": ROOT / "params"},
    "build_dir": {"default": ROOT / "build"},
    "profile": {"envvar": "AWS_PROFILE"},
    "region": {"envvar": "AWS_REGION"},
    "endpoint_url": {"envvar": "AWS_ENDPOINT_URL"},
    "output": {"default": "text"},
}


def _attribute(decls: tuple[str, ...]) -> str:
    return decls[0].lstrip("-").replace("-", "_")


def group_options(group: F) -> F:
    """The global options on the group itself, with their defaults and environment variables."""
    for decls, spec in reversed(GLOBAL_OPTIONS):
        group = click.option(*decls, **{**spec, **GROUP_DEFAULTS.get(_attribute(decls), {})})(group)
    return group


def _override(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A global option given after the subcommand: it overrides the one before it."""
    if value is None or param.name is None:
        return
    opts = ctx.find_object(Options)
    if opts is not None:
        apply(opts, param.name, value)


def apply(opts: Options, name: str, value: Any) -> None:
    if name in ("params_dir", "build_dir"):
        value = relative(value)
    if name == "no_color":
        name, value = "color", not value
    setattr(opts, name, value)


def global_options(command: click.Command) -> click.Command:
    """The same options on a subcommand (`payctl deploy dev --region eu-west-1`), as the AWS CLI
    accepts them anywhere; given there, they override the group's."""
    command.params.extend(click.Option(decls, **spec, expose_value=False, callback=_override)
                          for decls, spec in GLOBAL_OPTIONS)
    if command.name not in MARKDOWN_COMMANDS and command.callback is not None:
        command.callback = _no_markdown(command.name or "", command.callback)
    return command


def _no_markdown(name: str, callback: F) -> F:
    """--output markdown, before or after the subcommand, refused before the command runs."""
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        opts = click.get_current_context().find_object(Options)
        if opts is not None and opts.output == "markdown":
            raise click.UsageError(f"--output markdown: only `payctl plan` writes markdown (a "
                                   f"pull-request comment); use text or json with `payctl {name}`")
        return callback(*args, **kwargs)
    return run  # type: ignore[return-value]


def make_options(params_dir: Path, build_dir: Path, profile: str | None, region: str | None,
                 endpoint_url: str | None, output: str, debug: bool | None,
                 no_color: bool | None) -> Options:
    return Options(relative(params_dir), relative(build_dir), profile, region, endpoint_url,
                   debug=bool(debug), output=output,
                   color=not no_color and not os.environ.get("NO_COLOR"))


# -- the boundary: every error becomes one line and an exit code --------------------------------

def describe(err: BaseException) -> tuple[str, int]:
    """The one line and the exit code for any exception that reaches the CLI."""
    interrupted = stopped_by(err)
    if interrupted is not None and not isinstance(err, PlatformError):
        return ("terminated" if interrupted == TERMINATED else "interrupted"), interrupted
    if isinstance(err, PlatformError):
        code = TERMINATED if interrupted == TERMINATED else err.exit_code
        return str(err), code
    if type(err).__module__.partition(".")[0] in ("botocore", "boto3"):
        from scripts.aws.clients import explain  # botocore is loaded already if we got here

        return explain(err), USAGE if type(err).__name__ in USAGE_ERRORS else FAILURE
    if isinstance(err, OSError) and err.strerror:
        where = f"{relative(Path(os.fsdecode(err.filename)))}: " if err.filename else ""
        return f"{where}{err.strerror}", FAILURE
    text = " ".join(str(err).split())[:200]
    return (f"unexpected {type(err).__name__}{': ' + text if text else ''} "
            "(run again with --debug for the traceback)"), FAILURE


def _context_flag(name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get(name):
            return True
        ctx = ctx.parent
    return False


def _debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    opts = ctx.find_object(Options) if ctx else None
    return bool(opts and opts.debug)


def fail(err: BaseException, debug: bool = False, detailed: bool = False) -> None:
    """Print `err` as one line on stderr (after its traceback with --debug) and exit."""
    message, code = describe(err)
    if debug:
        traceback.print_exception(err, file=sys.stderr)
    if detailed and code not in (INTERRUPTED, TERMINATED):
        code = FAILURE
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def reports_errors(command: F) -> F:
    """Turn any exception a command raises into one line on stderr and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BaseException as err:  # the boundary: everything becomes a line
            fail(err, _debugging(), _context_flag("detailed_exitcode"))

    return wrapper  # type: ignore[return-value]


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While running, SIGTERM unwinds the program as Ctrl-C does (exit 143, not a silent kill)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def one_line(err: click.ClickException) -> str:
    """click's usage error as one line, with where to find help."""
    message = " ".join(err.format_message().split())
    ctx = getattr(err, "ctx", None)
    return f"{message} (see '{ctx.command_path} --help')" if ctx else message


class Boundary(click.Group):
    """The group whose `main` is the last resort: usage errors, interrupts and anything raised
    outside a command end as one line and a documented code, never a traceback."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        detailed = DETAILED_FLAG in argv
        debug = "--debug" in argv
        with sigterm_as_interrupt():
            try:
                result = super().main(argv, prog_name, complete_var, standalone_mode=False,
                                      **extra)
            except SystemExit:
                raise
            except click.exceptions.NoArgsIsHelpError as err:
                err.show()  # `payctl` alone: the help, as every CLI does
                sys.exit(FAILURE if detailed else err.exit_code)
            except click.ClickException as err:
                click.echo(f"error: {one_line(err)}", err=True)
                sys.exit(FAILURE if detailed else err.exit_code)
            except click.Abort as err:
                if stopped_by(err) is None:  # end of input at a prompt: not confirmed
                    click.echo(err=True)  # end the prompt's line
                    fail(ConfigError("no answer to the prompt (end of input); nothing was "
                                     "changed"), debug, detailed)
                fail(err.__cause__ or err.__context__ or err, debug, detailed)
            except BaseException as err:  # the last resort
                fail(err, debug, detailed)
        code = result if isinstance(result, int) else OK
        if standalone_mode:
            sys.exit(code)
        return result

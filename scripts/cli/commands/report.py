from __future__ import annotations

import re

import click

from scripts.cli.commands.common import emit, make_aws
from scripts.cli.support import Options, reports_errors
from scripts.config.reader import load_config

# StackSet operation ids: "[a-zA-Z0-9][-a-zA-Z0-9]*", at most 128 characters (API reference)
OPERATION_ID = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]{0,127}")


@click.command()
@click.argument("operation", required=False, metavar="OPERATION")
@click.option("--last", is_flag=True, help="The last rollout a deploy saved in build/reports.")
@click.pass_obj
@reports_errors
def report(opts: Options, operation: str | None, last: bool) -> None:
    """Draw a rollout as build/reports/rollout-<id>.html: accounts x time, waves, failures.

    deploy writes one after every rollout that ran an operation; this draws it again, either
    the last one (--last) or the rollout that ran OPERATION. An operation no deploy of this
    checkout watched is read from AWS (its accounts' outcomes; AWS keeps no per-account times).
    The page is one self-contained file: open it in a browser, or attach it to a CI run.

    \b
    Examples:
      payctl report --last
      payctl report --last --output json
    """
    from scripts.actions import report as reports

    if last == (operation is not None):
        raise click.UsageError("give an OPERATION id or --last (one of them)")
    if last:
        path = reports.last(opts.build_dir)
    elif not OPERATION_ID.fullmatch(operation or ""):
        raise click.BadParameter(f"{operation!r} is not a StackSet operation id (letters, "
                                 "digits and hyphens, up to 128)", param_hint="OPERATION")
    elif (saved := reports.containing(opts.build_dir, operation)) is not None:
        path = reports.write(opts.build_dir, saved)
    else:
        config = load_config(opts.params_dir)
        cfn = make_aws(opts, config).client("cloudformation")
        path = reports.write(opts.build_dir, reports.from_aws(cfn, config, operation), operation)
    emit(opts, {"report": str(path)}, f"wrote {path}")

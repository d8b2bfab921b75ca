from __future__ import annotations

import re

import click

from scripts.cli.commands.common import emit, make_aws
from scripts.cli.support import Options, reports_errors
from scripts.config.reader import ORGANIZATION_ROLE
from templates_py.github import REPOSITORY_PATTERN


def repository(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.match(REPOSITORY_PATTERN, value):
        raise click.BadParameter(f"{value!r} is not a GitHub repository (OWNER/REPO)", ctx, param)
    return value


@click.command()
@click.option("--via-role", default=ORGANIZATION_ROLE, show_default=True,
              help="Existing role in each environment account used to create the execution role "
                   "(an invited account has no OrganizationAccountAccessRole: name one you made "
                   "there that trusts the admin account).")
@click.option("--github-repository", metavar="OWNER/REPO", callback=repository,
              help="Also create the GitHub Actions OIDC provider and the roles the shipped "
                   "workflows assume (payctl-github-deploy, payctl-github-plan) for this "
                   "repository; see docs/ci.md.")
@click.pass_obj
@reports_errors
def bootstrap(opts: Options, via_role: str, github_repository: str | None) -> None:
    """Create or update the StackSet roles: administration role in the admin account (the
    current credentials), execution role and read-only plan reader in every environment account.

    \b
    Examples:
      payctl --profile admin bootstrap
      payctl --profile admin bootstrap --github-repository acme/payment-platform
    """
    from scripts.actions.bootstrap import bootstrap as run
    from scripts.config.reader import load_config

    config = load_config(opts.params_dir)
    lines: list[str] = []

    def say(line: str) -> None:  # progress on stderr; the outcome lines are also the result
        lines.append(line)
        click.echo(line, err=True)

    aws = make_aws(opts, config)
    aws.config()
    run(config, aws, via_role, say, github_repository)
    emit(opts, {"results": lines}, None)

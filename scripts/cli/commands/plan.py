from __future__ import annotations

import re
import sys
from dataclasses import replace

import click

from scripts.cli.commands.common import emit, environments_argument, make_rollout, select
from scripts.cli.support import CHANGES, Options, reports_errors
from scripts.errors import DeploymentError

IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")  # IAM's RoleName pattern (CreateRole)


def role_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not IAM_ROLE_NAME.match(value):
        raise click.BadParameter(f"{value!r} is not an IAM role name", ctx, param)
    return value


@click.command()
@environments_argument
@click.option("--exact", is_flag=True,
              help="Also preview each account's stack with a CloudFormation change set "
                   "(created through the execution role, read, deleted).")
@click.option("--detailed-exitcode", is_flag=True,
              help="As Terraform: exit 0 when nothing would change, 2 when something would, "
                   "1 on any error (input errors included).")
@click.option("--read-role", metavar="NAME", callback=role_name,
              help="Read each environment's account through this role instead of the execution "
                   "role: payctl-plan-reader, which `bootstrap --github-repository` creates, "
                   "reads and changes nothing (a pull request's plan). Not with --exact.")
@click.pass_obj
@reports_errors
def plan(opts: Options, environments: tuple[str, ...], all_: bool, exact: bool,
         detailed_exitcode: bool, read_role: str | None) -> None:
    """Show what deploy would change, per StackSet and per account, without changing anything.

    Lists StackSets and instances to create, template changes by logical id (with the changed
    properties, and whether CloudFormation will replace the resource — stateful replacements
    are flagged), and each account's parameter changes (old -> new). Uses the same comparison
    as deploy's no-op detection. Uploads nothing and writes nothing (not even build/).

    \b
    Examples:
      payctl plan --all
      payctl plan prod --output json --detailed-exitcode
      payctl plan prod --exact
      payctl plan --all --output markdown --detailed-exitcode   (a pull-request comment)
      payctl plan --all --read-role payctl-plan-reader
    """
    from scripts.actions.adoption import unreadable
    from scripts.actions.delegation import check as delegation_check
    from scripts.actions.quotas import check as quota_check
    from scripts.config.domains import edge_warnings
    from scripts.plan.markdown import render_markdown
    from scripts.plan.report import render_text, report

    if exact and read_role:
        raise click.UsageError("--exact creates change sets through the execution role; "
                               "--read-role reads only", ctx=click.get_current_context())
    config, selected = select(opts, environments, all_)
    if read_role:
        config = replace(config, deployment=replace(config.deployment, read_role=read_role))
    rollout = make_rollout(opts, config)
    plans, adoptions = rollout.plan_and_adoptions(selected)
    blind = unreadable(adoptions)
    if blind:  # the plan would say "create" where deploy may have to adopt: no plan at all
        raise DeploymentError(blind)
    doc = report(plans)
    extra = []
    if adoptions:
        from scripts.actions.adoption import describe_all

        doc["adopt"] = [a.to_json() for a in adoptions]
        extra.append("Retained resources (deploy adopts them, with their data, into the new "
                     "stack):\n" + describe_all(adoptions))
    if exact:
        from scripts.actions.exact_preview import render

        previews = rollout.exact_previews(selected)
        doc["exact"] = [p.to_json() for p in previews]
        extra.append("\n".join(render(previews)))
    emit(opts, doc, "\n".join([render_text(doc), *extra]),
         markdown=render_markdown(doc, "\n".join(extra)))
    for warning in edge_warnings(selected):  # on stderr: --output json stays parseable
        click.echo(warning, err=True)
    for line in [*delegation_check(rollout, selected), *quota_check(rollout, selected)]:
        click.echo(f"warning: deploy would refuse: {line}", err=True)
    if detailed_exitcode and doc["changes"]:
        sys.exit(CHANGES)

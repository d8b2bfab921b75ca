from __future__ import annotations

import click

from scripts.cli_support import Options, reports_errors
from scripts.commands.common import emit, make_rollout
from scripts.config import load_config, resolve_environment
from scripts.errors import ConfigError

GUARDED = "prod"


@click.command()
@click.argument("environment", metavar="ENV")
@click.option("--yes", is_flag=True, help="Do not ask (not enough on its own for prod).")
@click.option("--confirm-environment", metavar="ENV",
              help="Required with --yes for prod: repeat the environment name.")
@click.pass_obj
@reports_errors
def destroy(opts: Options, environment: str, yes: bool, confirm_environment: str | None) -> None:
    """Delete one environment's stack instances, and each StackSet left with none.

    Tables, the audit bucket and log groups are retained (DeletionPolicy Retain) and listed
    with the command that removes each by hand. Other environments are never touched. Asks
    for confirmation; prod asks you to type its name, or needs --yes together with
    --confirm-environment prod.

    \b
    Examples:
      payctl destroy dev
      payctl destroy prod --yes --confirm-environment prod
    """
    name = resolve_environment(environment)
    config = load_config(opts.params_dir)
    env = config.environments[name]
    if name == GUARDED:
        if yes and confirm_environment != name:
            raise ConfigError("destroying prod needs --confirm-environment prod with --yes; "
                              "nothing was changed")
        if not yes:
            typed = click.prompt(f"This deletes the prod stacks in {env.account_id}. "
                                 "Type the environment name to confirm", default="",
                                 show_default=False, err=True)
            if typed.strip() != name:
                raise ConfigError("confirmation did not match; nothing was changed")
    elif not yes and not click.confirm(f"Delete the {name} stacks in {env.account_id}?",
                                           err=True):
        raise ConfigError("not confirmed; nothing was changed")

    from scripts.destroy import destroy as run

    rollout = make_rollout(opts, config)
    retained = run(config, rollout.aws, rollout.deployer, env, rollout.progress.say)
    text = [f"{name} destroyed. Retained (data kept; remove by hand only if intended):"]
    text += [f"  {r.type:<22} {r.physical_id}\n      {r.removal}" for r in retained]
    emit(opts, {"environment": name, "retained": [
        {"type": r.type, "physical_id": r.physical_id, "removal": r.removal} for r in retained]},
        "\n".join(text))

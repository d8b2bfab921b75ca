from __future__ import annotations

from typing import Any

import click

from scripts.cli.commands.common import emit, make_rollout
from scripts.cli.support import Options, reports_errors
from scripts.config.reader import load_config, resolve_environment
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

    Tables, buckets, the key, log groups and the edge's zone are retained (DeletionPolicy
    Retain) and listed; `payctl purge ENV` deletes them for good after confirmation, or the
    printed AWS CLI commands remove tables, log groups and the key one by one, in the
    environment's account through a named profile that assumes the execution role. Stopped
    (Ctrl-C, SIGTERM), it saves the running operation; running it again re-attaches and deletes
    what remains. Other environments are never touched. Asks for confirmation; prod asks you
    to type its name, or needs --yes together with --confirm-environment prod.

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

    from scripts.actions.destroy import destroy as run
    from scripts.stacksets import lock, pending
    from scripts.stacksets.reattach import reattach
    from scripts.stacksets.stopping import saved_on_stop

    intent = pending.Intent("destroy", (name,))
    with lock.held(opts.build_dir, f"destroy {name}"):
        saved = pending.existing(opts.build_dir)
        rollout = make_rollout(opts, config)
        ours = saved is not None and saved.intent == intent
        with saved_on_stop(opts.build_dir, intent, f"payctl destroy {name} (it re-attaches "
                                                   "first)"):
            if ours and saved is not None:  # a stopped destroy of this environment: finish it
                reattach(rollout.waiter, saved.operations, rollout.progress.say, intent,
                         config.account_names())
            retained = run(config, rollout.aws, rollout.deployer, env, rollout.progress.say)
        if ours:
            pending.clear(opts.build_dir)
    emit(opts, {"environment": name, "purge": f"payctl purge {name}", "retained": [
        {"type": r.type, "physical_id": r.physical_id, "account": r.account,
         "removal": cleanup(r, env.region, opts) or f"payctl purge {name}"} for r in retained],
        "profiles": setup(retained, rollout.aws.partition, config, opts, env.region)},
        "\n".join(report(name, retained, rollout.aws.partition, config, opts, env.region)))


def cleanup(retained: Any, region: str, opts: Options) -> str:
    from scripts.actions.destroy import runnable

    return runnable(retained, region, opts.endpoint_url)


def setup(retained: list[Any], partition: str, config: Any, opts: Options,
          region: str) -> list[str]:
    """The once-only profile commands for every account that keeps something."""
    from scripts.actions.destroy import profile_setup

    role = config.deployment.execution_role_name
    return [line for account in dict.fromkeys(r.account for r in retained if r.account)
            for line in profile_setup(account, f"arn:{partition}:iam::{account}:role/{role}",
                                      opts.profile, region, opts.endpoint_url)]


def report(name: str, retained: list[Any], partition: str, config: Any, opts: Options,
           region: str) -> list[str]:
    text = [f"{name} destroyed. Retained (data kept; a later deploy adopts it):"]
    text += [f"  {r.type:<22} {r.physical_id}" for r in retained]
    if not retained:
        return text
    text.append(f"To delete them all for good (it lists them and asks first): payctl purge {name}")
    commands = [line for r in retained if (line := cleanup(r, region, opts))]
    profiles = setup(retained, partition, config, opts, region)
    if commands and profiles:
        text.append("Or remove tables, log groups and the key one by one with the AWS CLI: first "
                    "make a profile that acts in the environment's account (through the execution "
                    "role, with your admin credentials), once:")
        text += [f"  {line}" for line in profiles]
        text.append("then, for each resource to remove:")
        text += [f"  {line}" for line in commands]
    return text

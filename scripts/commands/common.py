"""What several commands share: loading config, choosing environments, building the rollout."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from scripts.config import Config, Environment, load_config

ENVIRONMENTS_HELP = "Environments (dev, staging, prod or an alias) or --all."
DEFAULT_TIMEOUT = 3600


def environments_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--all", "all_", is_flag=True, help="Every environment.")(command)
    return click.argument("environments", nargs=-1, metavar="ENV...")(command)


def select(opts: Any, names: tuple[str, ...], all_: bool) -> tuple[Config, list[Environment]]:
    config = load_config(opts.params_dir)
    return config, config.select(names, all_)


def make_aws(opts: Any, config: Config) -> Any:
    from scripts.aws import Aws

    return Aws(region=opts.region or config.deployment.region, profile=opts.profile,
               endpoint_url=opts.endpoint_url)


def poll_scale() -> float:
    """PAYCTL_POLL_SCALE: poll an endpoint that runs on scaled time (the emulator's
    --time-scale) that much faster. 1 for AWS."""
    from scripts.errors import ConfigError

    value = os.environ.get("PAYCTL_POLL_SCALE", "1")
    try:
        scale = float(value)
    except ValueError:
        scale = -1.0
    if not 0 < scale <= 1:
        raise ConfigError(f"PAYCTL_POLL_SCALE: expected a number in (0, 1], got {value!r}")
    return scale


def make_rollout(opts: Any, config: Config, timeout: float = DEFAULT_TIMEOUT) -> Any:
    from scripts.progress import Progress
    from scripts.rollout import Rollout

    return Rollout(config, make_aws(opts, config), opts.build_dir,
                   Progress(config.account_names()), timeout, poll_scale=poll_scale())

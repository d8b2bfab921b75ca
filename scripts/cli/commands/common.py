"""What several commands share: loading config, choosing environments, building the rollout."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import click

from scripts.config.reader import REGION, Config, Environment, load_config
from scripts.errors import ConfigError

ENVIRONMENTS_HELP = "Environments (dev, staging, prod or an alias) or --all."
DEFAULT_TIMEOUT = 3600


def environments_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--all", "all_", is_flag=True, help="Every environment.")(command)
    return click.argument("environments", nargs=-1, metavar="ENV...")(command)


def select(opts: Any, names: tuple[str, ...], all_: bool) -> tuple[Config, list[Environment]]:
    config = load_config(opts.params_dir)
    return config, config.select(names, all_)


def check_endpoint(url: str | None) -> str | None:
    """An --endpoint-url botocore can use (http or https, a host), or a ConfigError."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise ConfigError(f"--endpoint-url: {url!r} is not a URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            c.isspace() for c in url):
        raise ConfigError(f"--endpoint-url: {url!r} is not a URL; expected "
                          "http(s)://host[:port], e.g. http://127.0.0.1:5000")
    return url


def check_region(region: str) -> str:
    from scripts.aws.regions import unknown_region

    if not re.fullmatch(REGION["pattern"], region):
        raise ConfigError(f"--region: {region!r} is not an AWS region name (e.g. us-east-1)")
    problem = unknown_region(region)
    if problem:
        raise ConfigError(f"--region: {problem}")
    return region


def make_aws(opts: Any, config: Config) -> Any:
    """The AWS layer for these options, checked first: a mistake (or a damaged file in build/)
    is exit 2 with no request."""
    from scripts.aws.clients import Aws
    from scripts.build.render import check_built

    check_built(opts.build_dir)

    region = config.deployment.region if opts.region is None else opts.region
    return Aws(region=check_region(region), profile=opts.profile,
               endpoint_url=check_endpoint(opts.endpoint_url),
               call_as=config.deployment.call_as)


def poll_scale() -> float:
    """PAYCTL_POLL_SCALE: poll an endpoint that runs on scaled time (the emulator's
    --time-scale) that much faster. 1 for AWS."""
    value = os.environ.get("PAYCTL_POLL_SCALE", "1")
    try:
        scale = float(value)
    except ValueError:
        scale = -1.0
    if not 0 < scale <= 1:
        raise ConfigError(f"PAYCTL_POLL_SCALE: expected a number in (0, 1], got {value!r}")
    return scale


def make_rollout(opts: Any, config: Config, timeout: float = DEFAULT_TIMEOUT,
                 keep_build: bool = False) -> Any:
    """The rollout for these options; only deploy passes `keep_build` (writes build/)."""
    from scripts.actions.rollout import ROOT, Rollout
    from scripts.build.provenance import revision
    from scripts.stacksets.progress import Progress

    aws = make_aws(opts, config)
    aws.config()  # AWS_MAX_ATTEMPTS and AWS_RETRY_MODE are checked before anything is sent
    progress = Progress(config.account_names(), tty=None if opts.color else False)
    return Rollout(config, aws, opts.build_dir, progress, timeout,
                   revision=revision(ROOT, opts.params_dir), keep_build=keep_build,
                   poll_scale=poll_scale())


def emit(opts: Any, data: Any, text: str | None, markdown: str | None = None) -> None:
    """The command's result on stdout: JSON with --output json, Markdown with --output markdown
    (only plan has it: scripts.cli.support refuses it elsewhere before any call), else the text."""
    if opts.output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    elif opts.output == "markdown" and markdown is not None:
        click.echo(markdown, nl=False)
    elif text:
        click.echo(text)

"""A platform in the emulator, driven over HTTP through the CLI as a user drives it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from scripts import emulator
from scripts.aws.clients import Aws
from scripts.cli.main import cli
from scripts.cli.support import ROOT
from scripts.config.reader import Config, load_config

EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
# The emulator's clock for these tests: a 10-minute CloudFront distribution takes 1.2 s.
TIME_SCALE = 0.002


@dataclass
class Platform:
    """A running emulator, the params and build folders the CLI uses, and boto3 access."""

    url: str
    params_dir: Path
    build_dir: Path
    first_deploy: Result | None = None

    @property
    def config(self) -> Config:
        return load_config(self.params_dir)

    def payctl(self, *args: str, input: str | None = None,
               env: dict[str, str] | None = None) -> Result:
        """payctl as a user runs it; `env` adds variables (e.g. another account's credentials)."""
        return CliRunner().invoke(cli, ["--endpoint-url", self.url, "--params-dir", str(self.params_dir),
                                        "--build-dir", str(self.build_dir), *args], input=input,
                                  env={"PAYCTL_POLL_SCALE": str(TIME_SCALE), **(env or {})})

    def aws(self) -> Aws:
        return Aws(region=self.config.deployment.region, endpoint_url=self.url)

    def client(self, service: str, environment: str) -> Any:
        """A client inside an environment's account, through the execution role."""
        aws = self.aws()
        account = self.config.environments[environment].account_id
        return aws.client(service, aws.in_account(account, EXECUTION_ROLE))


@contextmanager
def emulator_process(params_dir: Path) -> Iterator[str]:
    """`payctl emulator` in a process of its own (moto's state is per process), as a user runs
    it; yields its endpoint URL."""
    with emulator.own_process(params_dir, TIME_SCALE) as url:
        yield url


def running_platform(tmp: Path) -> Iterator[Platform]:
    params = tmp / "params"
    shutil.copytree(ROOT / "params", params)
    with emulator.fake_credentials(), emulator_process(params) as url:
        yield Platform(url, params, tmp / "build")


def answer_with_error(monkeypatch: Any, operation: str, status: int, body: bytes) -> None:
    """Every botocore session made from now on answers `operation` ("service.Operation", as in
    botocore's before-send events) with this AWS error body: a refusal the emulator has no
    reason to give (a changed trust policy, a permission taken away)."""
    import botocore.awsrequest
    import botocore.session

    class Raw:
        def stream(self, **_: object) -> list[bytes]:
            return [body]

    original = botocore.session.Session.__init__

    def init(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register(f"before-send.{operation}", lambda request, **_: botocore.awsrequest.
                      AWSResponse(request.url, status, {}, Raw()))

    monkeypatch.setattr(botocore.session.Session, "__init__", init)


def deploy_all(platform: Platform) -> Result:
    for args in (("bootstrap",), ("deploy", "--all")):
        result = platform.payctl(*args)
        assert result.exit_code == 0, result.output
    return result


def rollout_with_probe(platform: Platform, stack_set: str, logical_id: str) -> Any:
    """A rollout whose `stack_set` template gains a harmless resource: a template change that
    touches nothing else."""
    from scripts.cli.commands.common import make_rollout
    from scripts.cli.support import Options

    rollout = make_rollout(Options(platform.params_dir, platform.build_dir, None, None, platform.url),
                           platform.config)
    rollout.waiter.poll_scale = TIME_SCALE
    render = rollout.templates

    def changed() -> dict[str, dict[str, Any]]:
        templates = render()
        templates[stack_set]["Resources"][logical_id] = {
            "Type": "AWS::CloudFormation::WaitConditionHandle"}
        return templates

    rollout.templates = changed
    return rollout

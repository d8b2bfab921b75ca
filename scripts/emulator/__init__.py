"""The embedded default: moto in server mode on loopback, standing in for the admin account
and the environment accounts.

The deployer reaches it over HTTP with `--endpoint-url`, exactly as it reaches AWS. Requests
signed with the default (fake) credentials land in the admin account; credentials from
`sts:AssumeRole` land in the role's account, which is how the execution role reaches each
environment account.

May import: `scripts.errors` and `scripts.aws` (AWS's published facts), never the deployer's
layers; only the commands that start it (`payctl emulator`, `payctl demo`) and the benchmark
import it.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}
CREDENTIAL_SOURCES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                      "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
                      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")


@dataclass
class Emulator:
    """A running emulator; `url` is what `--endpoint-url` takes."""

    server: Any
    url: str
    time_scale: float

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(admin_account_id: str, port: int = 0, time_scale: float | None = None) -> Emulator:
    """Start moto on 127.0.0.1 (a free port by default) with `admin_account_id` as the account
    of unassumed credentials. StackSet operations take simulated AWS time multiplied by
    `time_scale` (real seconds per AWS second; see engine.clock)."""
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    # AWS managed policies exist in every account (AWS's own StackSet execution role template
    # attaches AdministratorAccess); moto loads them only when asked, ~0.1 s per account.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    from moto.server import ThreadedMotoServer

    from scripts.emulator import shims
    from scripts.emulator.engine.clock import DEFAULT_SCALE

    time_scale = DEFAULT_SCALE if time_scale is None else time_scale
    shims.apply(admin_account_id, time_scale)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    url = f"http://{host}:{bound}"
    # moto keeps its state per process: an emulator started here begins empty.
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30)
    return Emulator(server, url, time_scale)


@contextmanager
def fake_credentials() -> Iterator[None]:
    """Sign with throwaway keys, never the user's: inside, no credential source can reach a real
    account, and the user's environment is restored afterwards."""
    saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, *CREDENTIAL_SOURCES,
                                              "AWS_EC2_METADATA_DISABLED")}
    for key in CREDENTIAL_SOURCES:
        os.environ.pop(key, None)
    os.environ.update(FAKE_CREDENTIALS, AWS_EC2_METADATA_DISABLED="true")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def own_process(params_dir: Path, time_scale: float, env: dict[str, str] | None = None) -> Iterator[str]:
    """`payctl emulator` in a process of its own (moto's state is per process), as a user runs
    it; yields its endpoint URL and stops it afterwards."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "--params-dir", str(params_dir), "emulator",
         "--port", "0", "--time-scale", str(time_scale)],
        cwd=root, stdout=subprocess.PIPE, text=True, env=env)
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline() if process.stdout else "")
        if not found:
            raise RuntimeError("the emulator did not start")
        yield found.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)

"""The embedded default: moto in server mode on loopback, standing in for the admin account
and the environment accounts.

The deployer reaches it over HTTP with `--endpoint-url`, exactly as it reaches AWS. Requests
signed with the default (fake) credentials land in the admin account; credentials from
`sts:AssumeRole` land in the role's account, which is how the execution role reaches each
environment account.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}


@dataclass
class Emulator:
    """A running emulator; `url` is what `--endpoint-url` takes."""

    server: Any
    url: str

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(admin_account_id: str, port: int = 0) -> Emulator:
    """Start moto on 127.0.0.1 (a free port by default) with `admin_account_id` as the account
    of unassumed credentials."""
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    from moto.server import ThreadedMotoServer

    from scripts.emulator import shims

    shims.apply(admin_account_id)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return Emulator(server, f"http://{host}:{bound}")

"""Sessions and clients: the usual credentials chain, an optional endpoint, botocore retries.

Throttling is handled by botocore's retry modes (`adaptive` by default), never by hand-written
loops, and stays patient. An endpoint that has never answered is not: a refused connection, a
name that does not resolve or a request that is never answered ends the command in seconds
(`FailFast`), where botocore alone would retry it for most of a minute.

Target accounts are reached by assuming the StackSet execution role; one session is kept per
account so every read in that account reuses its credentials and connections, and botocore
renews those credentials (a new AssumeRole) before they expire.
"""

from __future__ import annotations

import copy
import os
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.hooks import HierarchicalEmitter

from scripts.aws import longlived
from scripts.errors import ConfigError, DeploymentError

READ_PREFIXES = ("Describe", "List", "Get", "Head", "AssumeRole")
RETRY_MODE = "adaptive"
RETRY_MODES = ("legacy", "standard", "adaptive")
MAX_ATTEMPTS = 10
SESSION_NAME = "payctl"
CONNECT_TIMEOUT = 5  # seconds to open a connection (botocore's default is 60)
READ_TIMEOUT = 30  # seconds to wait for an answer: AWS's control planes answer within a few
# Attempts at an endpoint that has never answered in this process, before the command gives up.
UNANSWERED_ATTEMPTS = {"connection": 3, "timeout": 1}


@dataclass
class Aws:
    """Clients for the admin account, and role sessions for target accounts."""

    region: str  # the StackSets' administrator region: where the admin account's calls go
    profile: str | None = None
    endpoint_url: str | None = None
    # SERVICE_MANAGED from a delegated administrator account: every StackSet call says so
    # (CreateStackSet, CallAs); None sends nothing, which AWS reads as SELF.
    call_as: str | None = None
    _session: Any = field(default=None, repr=False)
    _accounts: dict[tuple[str, str], boto3.Session] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    calls: Counter[str] = field(default_factory=Counter, repr=False)
    _sts: Any = field(default=None, repr=False)
    _calls_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # botocore's builtin handlers, registered once and copied into each account's session
    _builtin_handlers: HierarchicalEmitter | None = field(default=None, repr=False)
    _fail_fast: FailFast = field(default_factory=lambda: FailFast(), repr=False)

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            try:
                self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
            except botocore.exceptions.ProfileNotFound as err:
                raise ConfigError(f"--profile: {err}") from None
        return self._session

    def config(self) -> botocore.config.Config:
        """botocore retries throttling and transient errors; AWS_RETRY_MODE and AWS_MAX_ATTEMPTS
        override the defaults, as for every AWS SDK."""
        mode = os.environ.get("AWS_RETRY_MODE", RETRY_MODE)
        attempts = os.environ.get("AWS_MAX_ATTEMPTS", str(MAX_ATTEMPTS))
        if mode not in RETRY_MODES:
            raise ConfigError(f"AWS_RETRY_MODE: {mode!r} is not one of {', '.join(RETRY_MODES)}")
        if not attempts.strip().isdigit() or int(attempts) < 1:
            raise ConfigError(f"AWS_MAX_ATTEMPTS: {attempts!r} is not a whole number of at least 1")
        retries = {"mode": mode, "max_attempts": int(attempts)}
        return botocore.config.Config(
            retries=retries, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
            max_pool_connections=32, user_agent_extra="payctl")

    def client(self, service: str, session: boto3.Session | None = None,
               region: str | None = None) -> Any:
        """A client in `region` (default: the administrator region), for the admin account or,
        given a `session` from `in_account`, for that account."""
        client = (session or self.session).client(
            service, region_name=region or self.region, endpoint_url=self.endpoint_url,
            config=self.config())
        client.meta.events.register("before-call", self._count)
        client.meta.events.register("needs-retry", self._fail_fast.needs_retry)
        if service == "cloudformation" and session is None and self.call_as:
            client.meta.events.register("provide-client-params.cloudformation", self._call_as)
        return client

    def client_in(self, service: str, account_id: str, role_name: str, region: str) -> Any:
        """A client in `account_id`'s `region` through `role_name`: an instance's stack lives in
        its environment's region, never necessarily the administrator's."""
        return self.client(service, self.in_account(account_id, role_name), region=region)

    def _call_as(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """CallAs on every call that takes it: a delegated administrator that omits it is
        treated as the management account and finds none of its StackSets."""
        shape = model.input_shape
        if shape is not None and "CallAs" in shape.members and "CallAs" not in params:
            params["CallAs"] = self.call_as

    def _count(self, model: Any, **_: Any) -> None:
        with self._calls_lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def write_calls(self) -> int:
        """API calls so far that may change something (everything but reads)."""
        return sum(n for call, n in self.calls.items() if is_write(call))

    def in_account(self, account_id: str, role_name: str) -> boto3.Session:
        """A session in `account_id` through `role_name`, created once and then reused. Many
        accounts are assumed concurrently: the lock guards the cache, not the AWS call."""
        key = (account_id, role_name)
        with self._lock:
            if key in self._accounts:
                return self._accounts[key]
            if self._sts is None:
                self._sts = self.client("sts")
        role_arn = f"arn:{self.partition}:iam::{account_id}:role/{role_name}"
        core = self._sharing_models()
        core.register_component("credential_provider", CredentialResolver(
            [_Fixed(assumed_role_credentials(self._sts, role_arn))]))
        session = boto3.Session(region_name=self.region, botocore_session=core)
        with self._lock:
            return self._accounts.setdefault(key, session)

    def prepare_fan_out(self, services: Iterable[str]) -> bool:
        """Before clients of `services` are made in many accounts: load those services' models
        (one admin-account client each, no call; the accounts' sessions share the loader) and
        freeze them with everything else loaded so far (`scripts.aws.longlived`), in payctl's own
        process. Whether it froze."""
        return longlived.freeze(lambda: [self.client(service) for service in services])

    def _sharing_models(self) -> botocore.session.Session:
        """A botocore session that reuses the admin session's loaded service models, and starts
        from a copy of botocore's builtin event handlers registered once: loading the models or
        registering its builtin handlers again for every account costs more than the calls made
        there (a new fleet is hundreds of accounts). Copying an emitter is what botocore does for
        every client it creates; the original holds only the builtin handlers and is never used
        itself, so each account's session (and boto3's handlers on it) stays its own."""
        with self._lock:
            if self._builtin_handlers is None:
                emitter = HierarchicalEmitter()
                botocore.session.Session(event_hooks=emitter)  # registers the builtins on it
                self._builtin_handlers = emitter
        core = botocore.session.Session(event_hooks=copy.copy(self._builtin_handlers),
                                        include_builtin_handlers=False)
        core.register_component("data_loader", self.session._session.get_component("data_loader"))
        return core

    @property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region) if self.region else "aws"


class FailFast:
    """Stops botocore retrying an endpoint that has never answered in this process: a wrong
    --endpoint-url, no network or a black-holed proxy is one line within seconds. Once an
    endpoint has answered, its connection errors and timeouts are transient (a blip in a long
    rollout) and get botocore's full retries. Throttling is an answer, so it is never cut short.

    Raising from a `needs-retry` handler is how botocore lets a handler veto a retry: the
    exception it was about to retry reaches the caller as it would after the last attempt."""

    def __init__(self) -> None:
        self._answered: set[str] = set()

    def needs_retry(self, attempts: int, endpoint: Any, response: Any = None,
                    caught_exception: Exception | None = None, **_: Any) -> None:
        host = endpoint.host
        if response is not None:
            self._answered.add(host)
            return
        kind = ("timeout" if isinstance(caught_exception, botocore.exceptions.ReadTimeoutError)
                else "connection" if isinstance(caught_exception, UNREACHED) else None)
        if kind and host not in self._answered and attempts >= UNANSWERED_ATTEMPTS[kind]:
            raise caught_exception  # type: ignore[misc]


UNREACHED = (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
             botocore.exceptions.ProxyConnectionError)


def assumed_role_credentials(sts: Any, role_arn: str) -> RefreshableCredentials:
    """Credentials of `role_arn` that botocore renews through `sts:AssumeRole` before they
    expire (an assumed role lasts an hour by default; a destroy waiting for CloudFront or a
    long rollout outlives that). The first assume happens now, so a role that cannot be assumed
    is reported at once."""
    def fetch() -> dict[str, str]:
        try:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        except botocore.exceptions.ClientError as err:
            raise DeploymentError(f"cannot assume {role_arn}: {describe(err)}") from None
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    return RefreshableCredentials.create_from_metadata(fetch(), fetch, "sts-assume-role")


class _Fixed(CredentialProvider):  # type: ignore[misc]
    """A credential provider that hands out one (refreshable) credentials object."""

    METHOD = "sts-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def is_write(call: str) -> bool:
    """Whether a counted call (`service:Operation`) may change something."""
    return not call.partition(":")[2].startswith(READ_PREFIXES)


def describe(err: Exception) -> str:
    """One line for an AWS error: its code and message, without botocore's framing."""
    if isinstance(err, botocore.exceptions.ClientError):
        error = err.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(err)


EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
REJECTED = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"}


def explain(err: Exception) -> str:
    """One line a person can act on, for an AWS error that escaped the library's own handling."""
    if isinstance(err, (botocore.exceptions.NoCredentialsError,
                        botocore.exceptions.PartialCredentialsError)):
        return ("no AWS credentials found: use --profile (or AWS_PROFILE), AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or `aws sso login`")
    if isinstance(err, UNREACHED):
        return f"cannot reach AWS: {err}"
    if isinstance(err, botocore.exceptions.ReadTimeoutError):
        return (f"AWS did not answer within {READ_TIMEOUT} s: {err} (check --endpoint-url, "
                "the network or a proxy, and run again)")
    if isinstance(err, botocore.exceptions.ProfileNotFound):
        return f"--profile: {err}"
    code = error_code(err)
    if code in EXPIRED:
        return f"the AWS credentials have expired ({code}): refresh them (e.g. `aws sso login`) and run again"
    if code in REJECTED:
        return f"AWS rejected the credentials ({code}): check the profile or keys in use"
    return describe(err)


def error_code(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""

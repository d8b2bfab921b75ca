"""Project exceptions. Each carries its own message; only the CLI turns them into exit codes."""

from __future__ import annotations


class PlatformError(Exception):
    """Base class: a failure the user can act on, reported as one line without a traceback."""

    exit_code = 1


class ConfigError(PlatformError):
    """Bad input (a parameter file, an argument): nothing was sent to AWS."""

    exit_code = 2


class DeploymentError(PlatformError):
    """A StackSet operation or AWS call failed."""

    exit_code = 1


class UnsafeChange(PlatformError):
    """The change would replace or remove a stateful resource and was not explicitly allowed."""

    exit_code = 1


class WrongAccount(PlatformError):
    """The credentials belong to another account than the one the settings name: nothing changed."""

    exit_code = 2


INTERRUPTED, TERMINATED = 130, 143  # exit codes after SIGINT (Ctrl-C) and SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds like Ctrl-C (running operations
    saved) and exits 143."""


def stopped_by(err: BaseException) -> int | None:
    """130 or 143 when `err` is, or was caused by, SIGINT or SIGTERM; else None."""
    seen: BaseException | None = err
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, Terminated):
            return TERMINATED
        if isinstance(seen, KeyboardInterrupt):
            return INTERRUPTED
        seen = seen.__cause__ or seen.__context__
    return None

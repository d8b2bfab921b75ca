"""The StackSet operation engine: CloudFormation StackSets as AWS documents them, on moto's stacks.

moto records StackSets but runs every operation inside the API call, ignores operation
preferences, managed execution and the roles, and never marks an instance OUTDATED. The engine
replaces its StackSet API with one that behaves like AWS. Each module holds one AWS behaviour:

    clock        simulated AWS time, scaled to real seconds
    durations    how long a stack operation takes on AWS, from its resource types
    model        StackSets, stack instances and operations, as the API describes them
    errors       the API's error codes
    concurrency  how many accounts run at once (ConcurrencyMode, failure tolerance)
    targets      which accounts an operation reaches (accounts, OUs, account filters)
    work         one account's stack operation, behind the roles it needs
    scheduler    one operation at a time per StackSet, or a queue with managed execution
    auto_deployment  service-managed StackSets reaching accounts that join a target OU
    api          the HTTP actions: request validation and responses
"""

from __future__ import annotations

_installed = False


def install(time_scale: float) -> None:
    """Answer moto's StackSet actions with the engine's, on a clock of `time_scale` real
    seconds per simulated AWS second, starting with no StackSets."""
    global _installed
    from scripts.emulator.engine import api, auto_deployment, clock, model

    clock.CLOCK.scale = time_scale
    model.REGISTRY.clear()
    if not _installed:
        _installed = True
        api.install()
        auto_deployment.install()

"""Load and validate `params/`: the per-environment files and the StackSet deployment settings.

Everything is validated before anything else happens, so a typo never reaches AWS: each problem
is reported as one line naming the file and the key. The per-environment schema is derived from
the template's own parameter definitions (`templates_py.parameters`), so a constraint lives in
one place and both the loader and CloudFormation enforce it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from scripts.config.files import CONTROL, read_yaml, short
from scripts.errors import ConfigError
from templates_py.parameters import (
    ALL_SETTINGS,
    DEPLOYER_SETTINGS,
    ENVIRONMENT,
    ENVIRONMENTS,
    READ_CAPACITY,
    WRITE_CAPACITY,
    Setting,
)

ALIASES = {"dev": "dev", "development": "dev", "staging": "staging", "stg": "staging",
           "prod": "prod", "production": "prod"}
DEPLOYMENT_FILE = "deployment.yaml"
MAX_MESSAGE = 300
ACCOUNT_ID = {"type": "string", "pattern": r"^\d{12}$"}
REGION = {"type": "string", "pattern": r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"}
# Settings the environment files do not write: the name comes from the file, the code location
# from the deployer, and provisioned capacity is optional where tables are on-demand.
IMPLIED = (ENVIRONMENT, *DEPLOYER_SETTINGS)
OPTIONAL = (READ_CAPACITY, WRITE_CAPACITY)
# StackSetOperationPreferences.ConcurrencyMode; AWS's default (the first) caps concurrency at
# FailureToleranceCount + 1, so max_concurrent_percentage alone runs one account at a time.
CONCURRENCY_MODES = ("STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE")


# The role AWS Organizations creates in each account it creates (not in invited ones): it
# trusts the management account and has administrator rights.
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class Environment:
    """One environment: where it deploys and the CloudFormation parameter values it uses."""

    name: str
    account_id: str
    region: str
    source: Path
    values: dict[str, str] = field(repr=False)
    additional_account_ids: tuple[str, ...] = ()

    @property
    def account_ids(self) -> tuple[str, ...]:
        """Every account this environment deploys to: its own, then any that share its values
        (a fleet of identical accounts, e.g. one per team or tenant)."""
        return (self.account_id, *self.additional_account_ids)

    def parameters(self, settings: tuple[Setting, ...]) -> dict[str, str]:
        """This environment's values for one template's parameters, in template order."""
        return {s.name: self.values[s.name] for s in settings if s.name in self.values}


@dataclass(frozen=True)
class StackSetSpec:
    name: str
    template: str


@dataclass(frozen=True)
class Deployment:
    admin_account_id: str
    region: str
    permission_model: str
    administration_role_name: str
    execution_role_name: str
    artifacts_bucket_prefix: str
    stacksets: tuple[StackSetSpec, ...]
    operation_preferences: dict[str, Any]
    service_managed: ServiceManaged | None = None
    # A role to read through instead (`payctl plan --read-role`): a pull request's plan reads
    # through a role that can change nothing.
    read_role: str | None = None

    def artifacts_bucket(self, region: str) -> str:
        """The artifacts bucket in `region` (one per target region, and the administrator's)."""
        from scripts.aws.regions import artifacts_bucket

        return artifacts_bucket(self.artifacts_bucket_prefix, self.admin_account_id, region)

    @property
    def read_role_name(self) -> str:
        """The role assumed to read an instance's stack in its account. Self-managed: the
        execution role. Service-managed: AWS's `stacksets-exec-*` role trusts only StackSets,
        so a role the organization gives the admin account (OrganizationAccountAccessRole).
        `read_role`, when given, instead."""
        if self.read_role:
            return self.read_role
        return self.service_managed.member_role_name if self.service_managed else \
            self.execution_role_name

    @property
    def stack_set_roles(self) -> dict[str, str]:
        """The roles a self-managed StackSet names; an UpdateStackSet that names others switches
        to them ("CloudFormation uses that role to update the stack"), so a plan shows a rename.
        Service-managed StackSets name none."""
        if self.service_managed:
            return {}
        return {"AdministrationRole": self.administration_role_name,
                "ExecutionRole": self.execution_role_name}

    @property
    def call_as(self) -> str | None:
        return self.service_managed.call_as if self.service_managed else None


@dataclass(frozen=True)
class ServiceManaged:
    """SERVICE_MANAGED settings: each environment's OU (narrowed to the accounts its file
    lists), auto-deployment, who calls (the management account or a delegated administrator)."""

    organizational_units: dict[str, str]
    call_as: str = "SELF"
    auto_deployment: bool = False
    retain_stacks_on_account_removal: bool = False
    member_role_name: str = ORGANIZATION_ROLE


@dataclass(frozen=True)
class Config:
    deployment: Deployment
    environments: dict[str, Environment]

    def account_names(self) -> dict[str, str]:
        """Account id -> the environment it belongs to, for every account of every environment."""
        return {a: env.name for env in self.environments.values() for a in env.account_ids}

    def select(self, names: tuple[str, ...] | list[str], all_: bool = False) -> list[Environment]:
        """The environments named on the command line (aliases accepted), in canonical order."""
        if all_ and names:
            raise ConfigError("give environment names or --all, not both")
        if not all_ and not names:
            raise ConfigError("name at least one environment (dev, staging, prod) or use --all")
        wanted = set(self.environments) if all_ else {resolve_environment(n) for n in names}
        return [env for name, env in self.environments.items() if name in wanted]


def resolve_environment(name: str) -> str:
    """Canonical environment name for `name` or one of its aliases; never a silent default."""
    try:
        return ALIASES[name.strip().lower()]
    except KeyError:
        raise ConfigError(f"unknown environment {name!r}: expected one of "
                          f"{', '.join(sorted(ALIASES))}") from None


def _nest(settings: tuple[Setting, ...]) -> dict[str, Any]:
    """A strict JSON Schema for an environment file, built from the settings' dotted keys."""
    root: dict[str, Any] = {"type": "object", "additionalProperties": False,
                            "properties": {"account_id": ACCOUNT_ID, "region": REGION,
                                           "additional_account_ids": {
                                               "type": "array", "items": ACCOUNT_ID,
                                               "uniqueItems": True, "maxItems": 2000}},
                            "required": ["account_id", "region"]}
    for setting in settings:
        node = root
        *parents, leaf = setting.key.split(".")
        for part in parents:
            child = node["properties"].setdefault(part, {
                "type": "object", "additionalProperties": False, "properties": {},
                "required": []})
            if part not in node["required"]:
                node["required"].append(part)
            node = child
        node["properties"][leaf] = setting.schema
        if setting not in OPTIONAL:
            node["required"].append(leaf)
    return root


ENVIRONMENT_SCHEMA = _nest(tuple(s for s in ALL_SETTINGS if s not in IMPLIED))
DEPLOYMENT_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["admin_account_id", "region", "permission_model", "administration_role_name",
                 "execution_role_name", "artifacts_bucket_prefix", "stacksets",
                 "operation_preferences"],
    "properties": {
        "admin_account_id": ACCOUNT_ID,
        "region": REGION,
        "permission_model": {"enum": ["SELF_MANAGED", "SERVICE_MANAGED"]},
        "administration_role_name": {"type": "string", "pattern": r"^[\w+=,.@-]{1,64}$"},
        "execution_role_name": {"type": "string", "pattern": r"^[\w+=,.@-]{1,64}$"},
        # + "-<admin account>-<region>": at most 63 characters, one bucket per region
        "artifacts_bucket_prefix": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,29}[a-z0-9]$"},
        "service_managed": {
            "type": "object", "additionalProperties": False,
            "required": ["organizational_units"],
            "properties": {
                "call_as": {"enum": ["SELF", "DELEGATED_ADMIN"]},
                "auto_deployment": {"type": "boolean"},
                "retain_stacks_on_account_removal": {"type": "boolean"},
                "member_role_name": {"type": "string", "pattern": r"^[\w+=,.@-]{1,64}$"},
                "organizational_units": {
                    "type": "object", "additionalProperties": False,
                    "required": list(ENVIRONMENTS),
                    "properties": {name: {"type": "string",
                                          "pattern": r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$"}
                                   for name in ENVIRONMENTS}}}},
        "stacksets": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "template"],
            "properties": {"name": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9-]{0,127}$"},
                           "template": {"enum": ["payment-platform", "payment-platform-edge"]}}}},
        "operation_preferences": {
            "type": "object", "additionalProperties": False,
            "required": ["region_concurrency", "max_concurrent_percentage",
                         "failure_tolerance_count"],
            "properties": {
                "region_concurrency": {"enum": ["SEQUENTIAL", "PARALLEL"]},
                "max_concurrent_percentage": {"type": "integer", "minimum": 1, "maximum": 100},
                "failure_tolerance_count": {"type": "integer", "minimum": 0, "maximum": 100},
                "concurrency_mode": {"enum": list(CONCURRENCY_MODES)}}},
    },
}


def _is_integer(_: Any, instance: Any) -> bool:
    """Integers are integers: 512.0 is refused (it would reach CloudFormation as "512.0")."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _fullmatch(validator: Any, pattern: str, instance: Any, _: dict[str, Any]) -> Iterator[
        ValidationError]:
    """`pattern`, matched against the whole string: `$` alone would accept a trailing newline."""
    if validator.is_type(instance, "string") and not re.fullmatch(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _strict_enum(validator: Any, allowed: list[Any], instance: Any, _: dict[str, Any]) -> Iterator[
        ValidationError]:
    """One of `allowed`, with its type: 30.0 is not the 30 that CloudWatch allows, nor 1 True."""
    if not any(type(instance) is type(value) and instance == value for value in allowed):
        yield ValidationError(f"{instance!r} is not one of {allowed!r}")


Validator = validators.extend(
    Draft202012Validator, validators={"pattern": _fullmatch, "enum": _strict_enum},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


def _strings(node: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*where, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*where, str(index)))
    elif isinstance(node, str):
        yield ".".join(where), node


def _check(path: Path, data: dict[str, Any], schema: dict[str, Any]) -> None:
    for where, text in _strings(data):
        if CONTROL.search(text):
            raise ConfigError(f"{path}: {where}: {short(text)} contains a line break or control "
                              "character")
    errors = sorted(Validator(schema).iter_errors(data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        message = _describe(errors[0])
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE - 3] + "..."
        raise ConfigError(f"{path}: {message}")


def _check_region(path: Path, region: str) -> None:
    from scripts.aws.regions import unknown_region

    problem = unknown_region(region)
    if problem:
        raise ConfigError(f"{path}: region: {problem}")


def _describe(error: ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        key = ".".join(filter(None, [where, str(extra[0])]))
        return f"{key}: unknown key"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"{'.'.join(filter(None, [where, missing]))}: missing"
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{where}: {error.instance!r} is not one of {allowed}"
    if error.validator == "type":
        article = "an" if str(error.validator_value)[0] in "aeiou" else "a"
        return f"{where}: {error.instance!r} is not {article} {error.validator_value}"
    return f"{where}: {error.message}"


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def load_environment(path: Path) -> Environment:
    name = path.stem
    if name not in ENVIRONMENTS:
        raise ConfigError(f"{path}: unknown environment '{name}': parameter files are named "
                          f"{', '.join(e + '.yaml' for e in ENVIRONMENTS)}")
    data = read_yaml(path)
    _check(path, data, ENVIRONMENT_SCHEMA)
    _check_region(path, data["region"])
    if _get(data, "dynamodb.capacity_mode") == "provisioned":
        for setting in OPTIONAL:
            if _get(data, setting.key) is None:
                raise ConfigError(f"{path}: {setting.key}: missing (required when "
                                  "dynamodb.capacity_mode is provisioned)")
    values = {ENVIRONMENT.name: name}
    for setting in ALL_SETTINGS:
        if setting in IMPLIED:
            continue
        value = _get(data, setting.key)
        values[setting.name] = setting.to_cfn(setting.default if value is None else value)
    return Environment(name, data["account_id"], data["region"], path, values,
                       tuple(data.get("additional_account_ids", ())))


def load_deployment(path: Path) -> Deployment:
    data = read_yaml(path)
    _check(path, data, DEPLOYMENT_SCHEMA)
    _check_region(path, data["region"])
    names = [s["name"] for s in data["stacksets"]]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: stacksets: StackSet names must be unique")
    return Deployment(
        admin_account_id=data["admin_account_id"], region=data["region"],
        permission_model=data["permission_model"],
        administration_role_name=data["administration_role_name"],
        execution_role_name=data["execution_role_name"],
        artifacts_bucket_prefix=data["artifacts_bucket_prefix"],
        stacksets=tuple(StackSetSpec(**s) for s in data["stacksets"]),
        service_managed=_service_managed(path, data),
        operation_preferences={"concurrency_mode": CONCURRENCY_MODES[0],
                               **data["operation_preferences"]})


def _service_managed(path: Path, data: dict[str, Any]) -> ServiceManaged | None:
    """The `service_managed` block: required with SERVICE_MANAGED, refused without it."""
    block = data.get("service_managed")
    if data["permission_model"] != "SERVICE_MANAGED":
        if block is not None:
            raise ConfigError(f"{path}: service_managed: only with permission_model "
                              "SERVICE_MANAGED")
        return None
    if block is None:
        raise ConfigError(f"{path}: service_managed: missing (required with permission_model "
                          "SERVICE_MANAGED: each environment's organizational unit)")
    if block.get("call_as") == "DELEGATED_ADMIN" and "member_role_name" not in block:
        # Its default, OrganizationAccountAccessRole, trusts only the management account
        # (Organizations user guide, "Accessing member accounts"): a delegated administrator
        # could never assume it, and every read of a member account would be refused.
        raise ConfigError(f"{path}: service_managed.member_role_name: required with call_as "
                          f"DELEGATED_ADMIN ({ORGANIZATION_ROLE} trusts only the management "
                          "account): name a role in each member account that trusts "
                          "admin_account_id and may read its stacks")
    return ServiceManaged(**{**block, "organizational_units": dict(block["organizational_units"])})


def load_config(params_dir: Path) -> Config:
    """Every file in `params/`, validated together (accounts must not be shared)."""
    deployment = load_deployment(params_dir / DEPLOYMENT_FILE)
    environments: dict[str, Environment] = {}
    owners: dict[str, Path] = {}
    for name in ENVIRONMENTS:
        env = load_environment(params_dir / f"{name}.yaml")
        for account in env.account_ids:
            if account in owners:
                key = "account_id" if account == env.account_id else "additional_account_ids"
                raise ConfigError(f"{env.source}: {key}: {account} is already used by "
                                  f"{owners[account]}; each environment needs its own accounts")
            owners[account] = env.source
        environments[name] = env
    _refuse_strays(params_dir)
    return Config(deployment, environments)


def _refuse_strays(params_dir: Path) -> None:
    """Every entry of `params/` must be one the loader reads (dotfiles aside): a `dev.yml` beside
    `dev.yaml`, or a `qa.yaml` nobody reads, is a mistake that would otherwise pass in silence."""
    known = {DEPLOYMENT_FILE, *(f"{name}.yaml" for name in ENVIRONMENTS)}
    try:
        with os.scandir(params_dir) as entries:
            names = sorted(e.name for e in entries if not e.name.startswith("."))
    except OSError as err:
        raise ConfigError(f"{params_dir}: cannot list: {err.strerror}") from None
    for name in names:
        if name in known:
            continue
        stem, dot, suffix = name.rpartition(".")
        twin = f"{stem.lower()}.yaml"
        if dot and suffix.lower() in ("yaml", "yml") and twin in known:
            raise ConfigError(f"{params_dir / name}: ambiguous beside {twin}: only {twin} is read; "
                              "remove or rename it")
        if dot and suffix.lower() in ("yaml", "yml"):
            raise ConfigError(f"{params_dir / name}: unknown environment '{stem}': expected one of "
                              f"{', '.join(ENVIRONMENTS)}")
        raise ConfigError(f"{params_dir / name}: unknown file: {params_dir} holds only "
                          f"{', '.join(sorted(known))}")

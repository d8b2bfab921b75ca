"""The platform's deploy-time inputs, defined once.

Each `Setting` is at the same time a CloudFormation Parameter (type, constraints, description,
console label and group), a key in the per-environment files in `params/` (its dotted `key`), and
a rule for turning that key's YAML value into the override string the deployer sends. The loader
derives its validation schema from the same list, so the template and the parameter files cannot
drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from troposphere import Equals, Not, Or, Parameter, Ref, Template

# CloudWatch Logs accepts only these retention periods; S3 lifecycle reuses the same number.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)
# S3 rejects an expiration that is not later than a STANDARD_IA transition, which may not be
# earlier than day 30; retentions up to 30 days therefore expire without a transition.
IA_TRANSITION_DAYS = 30


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _text(value: Any) -> str:
    return str(value)


@dataclass(frozen=True, eq=False)
class Setting:
    """One deploy-time input; `schema` is the JSON Schema of its value in the params file."""

    name: str
    key: str
    group: str
    label: str
    description: str
    schema: dict[str, Any]
    cfn_type: str = "String"
    to_cfn: Callable[[Any], str] = _text
    default: Any = None
    cfn: dict[str, Any] = field(default_factory=dict)

    def parameter(self) -> Parameter:
        props: dict[str, Any] = {"Type": self.cfn_type, "Description": self.description, **self.cfn}
        if self.default is not None:
            props["Default"] = self.to_cfn(self.default)
        return Parameter(self.name, **props)


def _number(name: str, key: str, group: str, label: str, description: str,
            minimum: int, maximum: int, **extra: Any) -> Setting:
    return Setting(name, key, group, label, description,
                   schema={"type": "integer", "minimum": minimum, "maximum": maximum},
                   cfn_type="Number", cfn={"MinValue": minimum, "MaxValue": maximum}, **extra)


def _choice(name: str, key: str, group: str, label: str, description: str,
            choices: Sequence[str], **extra: Any) -> Setting:
    return Setting(name, key, group, label, description,
                   schema={"enum": list(choices)}, cfn={"AllowedValues": list(choices)}, **extra)


def _flag(name: str, key: str, group: str, label: str, description: str) -> Setting:
    return Setting(name, key, group, label, description, schema={"type": "boolean"},
                   to_cfn=_bool, cfn={"AllowedValues": ["true", "false"]})


ENVIRONMENTS = ("dev", "staging", "prod")

# The StackSet's own value of Environment. A stack instance added without parameter overrides
# (from the console, say) gets it, and the templates then create nothing but a free placeholder:
# such an instance must never become a working environment on placeholder values.
UNASSIGNED = "unassigned"
ENVIRONMENT = Setting(
    "Environment", "environment", "Environment", "Environment name",
    "Which environment this stack instance is (dev, staging or prod); used in every resource "
    "name. payctl sets it, with every other parameter, as this instance's override. The "
    f"StackSet's own value, {UNASSIGNED}, creates no resources (only a free placeholder): an "
    "instance added without overrides deploys nothing; add instances with `payctl deploy ENV`.",
    # No Default: the StackSet-level value is the first allowed one (`placeholder_parameters`),
    # and scanners that resolve conditions with defaults (checkov) keep scanning every resource.
    schema={"enum": list(ENVIRONMENTS)},
    cfn={"AllowedValues": [UNASSIGNED, *ENVIRONMENTS],
         "ConstraintDescription": "dev, staging or prod (unassigned deploys nothing)"})
COST_CENTER = Setting(
    "CostCenter", "tags.cost_center", "Environment", "Cost center tag",
    "Cost center charged for this environment's resources (the CostCenter tag).",
    schema={"type": "string", "pattern": "^[A-Za-z0-9_.:/=+@-]{1,128}$"},
    cfn={"AllowedPattern": "^[A-Za-z0-9_.:/=+@-]{1,128}$",
         "ConstraintDescription": "letters, digits and _.:/=+@- only, at most 128 characters"})
DATA_CLASSIFICATION = _choice(
    "DataClassification", "tags.data_classification", "Environment", "Data classification tag",
    "Sensitivity of the data this environment holds (the DataClassification tag).",
    ("public", "internal", "confidential", "restricted"))

MULTI_AZ_NAT = _flag("MultiAzNat", "network.multi_az_nat", "Network", "NAT gateway per AZ",
                     "true: one NAT gateway per availability zone (survives an AZ outage); "
                     "false: one shared NAT gateway (cheaper).")

CAPACITY_MODE = _choice("CapacityMode", "dynamodb.capacity_mode", "Data", "DynamoDB capacity mode",
                        "on-demand bills per request; provisioned reserves the read/write "
                        "capacity below.", ("on-demand", "provisioned"))
READ_CAPACITY = _number("ReadCapacity", "dynamodb.read_capacity", "Data", "Read capacity units",
                        "Provisioned read capacity per table and index (ignored when on-demand).",
                        1, 1000, default=5)
WRITE_CAPACITY = _number("WriteCapacity", "dynamodb.write_capacity", "Data",
                         "Write capacity units",
                         "Provisioned write capacity per table and index (ignored when on-demand).",
                         1, 1000, default=5)
POINT_IN_TIME_RECOVERY = _flag("PointInTimeRecovery", "dynamodb.point_in_time_recovery", "Data",
                               "Point-in-time recovery",
                               "Continuous backups of the transactions and sessions tables.")
LOG_RETENTION = Setting(
    "LogRetentionDays", "logs.retention_days", "Data", "Log retention (days)",
    "How long CloudWatch log groups and the S3 audit log keep records.",
    schema={"enum": list(LOG_RETENTION_DAYS)}, cfn_type="Number",
    cfn={"AllowedValues": [str(d) for d in LOG_RETENTION_DAYS]})

LAMBDA_MEMORY = _number("LambdaMemorySize", "lambda.memory_mb", "Compute", "Lambda memory (MB)",
                        "Memory for both functions; CPU scales with it.", 128, 10240)
LAMBDA_TIMEOUT = _number("LambdaTimeout", "lambda.timeout_seconds", "Compute",
                         "Lambda timeout (seconds)", "Maximum run time of one invocation.", 1, 900)
RESERVED_CONCURRENCY = _number(
    "LambdaReservedConcurrency", "lambda.reserved_concurrency", "Compute",
    "Lambda reserved concurrency",
    "Concurrent executions reserved for, and capping, each function: a runaway client cannot "
    "starve the account, and the other function always has capacity.", 1, 3000)
SESSION_TTL_HOURS = _number("SessionTtlHours", "sessions.ttl_hours", "Compute",
                            "Session lifetime (hours)",
                            "How long a session stays valid before DynamoDB TTL expires it.", 1, 168)
CODE_BUCKET = Setting(
    "LambdaCodeBucket", "code.bucket", "Compute", "Lambda code bucket",
    "Artifacts bucket holding the packaged functions; set by the deployer.",
    schema={"type": "string"}, default="payment-platform-artifacts",
    cfn={"AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"})
PROCESSOR_CODE_KEY = Setting(
    "PaymentProcessorCodeKey", "code.payment_processor", "Compute", "Payment processor code key",
    "Content-addressed S3 key of the payment processor zip; set by the deployer.",
    schema={"type": "string"}, default="lambdas/payment_processor/unset.zip")
SESSION_CODE_KEY = Setting(
    "SessionManagerCodeKey", "code.session_manager", "Compute", "Session manager code key",
    "Content-addressed S3 key of the session manager zip; set by the deployer.",
    schema={"type": "string"}, default="lambdas/session_manager/unset.zip")

API_BURST = _number("ApiThrottleBurst", "api.throttle_burst", "API", "API burst limit",
                    "Requests the stage absorbs in a burst before throttling.", 1, 100000)
API_RATE = _number("ApiThrottleRate", "api.throttle_rate", "API", "API rate limit (req/s)",
                   "Steady-state requests per second before throttling.", 1, 100000)

LAMBDA_ERRORS_THRESHOLD = _number(
    "LambdaErrorsThreshold", "alarms.lambda_errors", "Monitoring", "Lambda errors threshold",
    "Alarm when a function's errors in 5 minutes exceed this.", 0, 100000)
THROTTLE_THRESHOLD = _number(
    "DynamoDbThrottleThreshold", "alarms.dynamodb_throttles", "Monitoring",
    "DynamoDB throttle threshold",
    "Alarm when a table's read or write throttle events in 5 minutes exceed this.", 0, 100000)

EDGE_ENABLED = _flag("EdgeEnabled", "edge.enabled", "Edge", "Edge layer on",
                     "Create the hosted zone (and, once the domain is delegated, the "
                     "certificate and CloudFront distribution).")
# Two steps, so no operation waits on a human: ACM's DNS validation waits up to 72 hours for a
# domain that is not delegated, and every later edge operation queues behind it.
EDGE_DELEGATED = _flag("EdgeDelegated", "edge.delegated", "Edge", "Domain delegated",
                       "false: only the hosted zone (its name servers are an output: delegate "
                       "the domain to them). true, once the parent domain's NS records name "
                       "them: also the certificate, WAF web ACL, CloudFront and alias record.")
DOMAIN_NAME = Setting(
    "DomainName", "edge.domain", "Edge", "Public domain name",
    "Domain the API is served under through CloudFront.",
    schema={"type": "string",
            "pattern": r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"},
    cfn={"AllowedPattern": r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
         "ConstraintDescription": "a lower-case DNS name such as api.example.com"})

TAGGING = (ENVIRONMENT, COST_CENTER, DATA_CLASSIFICATION)
PLATFORM_SETTINGS = (
    *TAGGING, MULTI_AZ_NAT, CAPACITY_MODE, READ_CAPACITY, WRITE_CAPACITY, POINT_IN_TIME_RECOVERY,
    LOG_RETENTION, LAMBDA_MEMORY, LAMBDA_TIMEOUT, RESERVED_CONCURRENCY, SESSION_TTL_HOURS,
    CODE_BUCKET, PROCESSOR_CODE_KEY, SESSION_CODE_KEY, API_BURST, API_RATE,
    LAMBDA_ERRORS_THRESHOLD, THROTTLE_THRESHOLD)
EDGE_SETTINGS = (*TAGGING, EDGE_ENABLED, EDGE_DELEGATED, DOMAIN_NAME)
ALL_SETTINGS = tuple(dict.fromkeys(PLATFORM_SETTINGS + EDGE_SETTINGS))
# Filled in per account by the deployer (packaged code), not written in params/ by hand.
DEPLOYER_SETTINGS = (CODE_BUCKET, PROCESSOR_CODE_KEY, SESSION_CODE_KEY)

GROUP_ORDER = ("Environment", "Network", "Data", "Compute", "API", "Monitoring", "Edge")


class Inputs:
    """The Parameters of one template, grouped and labelled for the CloudFormation console."""

    def __init__(self, template: Template, settings: Iterable[Setting]) -> None:
        ordered = sorted(settings, key=lambda s: GROUP_ORDER.index(s.group))
        self.settings = tuple(ordered)
        self._params = {}
        for setting in self.settings:
            param = template.add_parameter(setting.parameter())
            template.add_parameter_to_group(param, setting.group)
            template.set_parameter_label(param, setting.label)
            self._params[setting.name] = param

    def __getitem__(self, setting: Setting) -> Ref:
        return Ref(self._params[setting.name])


def is_true(inputs: Inputs, setting: Setting) -> Equals:
    """Condition body for a true/false flag parameter."""
    return Equals(inputs[setting], "true")


def retention_allows_ia(inputs: Inputs) -> Not:
    """Condition body: the retention is long enough for a STANDARD_IA transition before expiry."""
    short = [Equals(inputs[LOG_RETENTION], str(d))
             for d in LOG_RETENTION_DAYS if d <= IA_TRANSITION_DAYS]
    return Not(Or(*short))

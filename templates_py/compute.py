"""Compute: the payment processor and session manager functions, their roles and log groups.

Both functions run on arm64 in the private subnets; memory, timeout and log retention come
from the environment's parameters, and the code location is a parameter the deployer sets to
the content-addressed key of the packaged zip (new code, new key, new deployment).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from awacs.aws import Statement
from troposphere import GetAtt, Ref, Sub, awslambda, logs
from troposphere import iam as troposphere_iam

from templates_py import iam
from templates_py.blueprint import Blueprint, checkov_skips
from templates_py.data import Data
from templates_py.logs import log_group as encrypted_log_group
from templates_py.network import Network
from templates_py.parameters import (
    CODE_BUCKET,
    ENVIRONMENT,
    LAMBDA_MEMORY,
    LAMBDA_TIMEOUT,
    PROCESSOR_CODE_KEY,
    RESERVED_CONCURRENCY,
    SESSION_CODE_KEY,
    SESSION_TTL_HOURS,
    Setting,
)

RUNTIME = "python3.11"
HANDLER = "handler.handler"
MAX_TRANSACTION_AMOUNT = "1000000.00"


def _processor_variables(bp: Blueprint, data: Data) -> dict[str, object]:
    return {"TRANSACTIONS_TABLE": Ref(data.transactions), "AUDIT_BUCKET": Ref(data.audit_bucket),
            "MAX_TRANSACTION_AMOUNT": MAX_TRANSACTION_AMOUNT}


def _session_variables(bp: Blueprint, data: Data) -> dict[str, object]:
    return {"SESSIONS_TABLE": Ref(data.sessions), "SESSION_TTL_HOURS": bp[SESSION_TTL_HOURS]}


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between the two functions; everything else is shared in `_function`."""

    logical_id: str
    base_name: str
    what: str
    code_key: Setting
    statements: Callable[[Data], Sequence[Statement]]
    variables: Callable[[Blueprint, Data], dict[str, object]]


PAYMENT_PROCESSOR = FunctionSpec("PaymentProcessor", "payment-processor",
                                 "records payments (POST /transactions)", PROCESSOR_CODE_KEY,
                                 iam.processor_statements, _processor_variables)
SESSION_MANAGER = FunctionSpec("SessionManager", "session-manager",
                               "creates and reads sessions (/sessions)", SESSION_CODE_KEY,
                               iam.session_statements, _session_variables)

FUNCTIONS = (PAYMENT_PROCESSOR, SESSION_MANAGER)


@dataclass(frozen=True)
class Function:
    spec: FunctionSpec
    function: awslambda.Function
    role: troposphere_iam.Role
    log_group: logs.LogGroup


def _function(bp: Blueprint, spec: FunctionSpec, network: Network, data: Data) -> Function:
    log_group = encrypted_log_group(bp, f"{spec.logical_id}LogGroup",
                                    Sub(f"/aws/lambda/{spec.base_name}-${{Environment}}"), data.key)
    role = iam.lambda_role(bp, f"{spec.logical_id}Role", f"{spec.base_name}-role",
                           [*spec.statements(data), iam.key_statement(data.key),
                            iam.tracing_statement()])
    function = bp.add(awslambda.Function(
        f"{spec.logical_id}Function",
        FunctionName=bp.name(spec.base_name),
        Description=Sub(f"Payment platform ${{Environment}}: {spec.what}"),
        Runtime=RUNTIME,
        Architectures=["arm64"],
        Handler=HANDLER,
        Code=awslambda.Code(S3Bucket=bp[CODE_BUCKET], S3Key=bp[spec.code_key]),
        MemorySize=bp[LAMBDA_MEMORY],
        Timeout=bp[LAMBDA_TIMEOUT],
        ReservedConcurrentExecutions=bp[RESERVED_CONCURRENCY],
        Role=GetAtt(role, "Arn"),
        VpcConfig=awslambda.VPCConfig(
            SecurityGroupIds=[Ref(network.lambda_security_group)],
            SubnetIds=[Ref(s) for s in network.private_subnets]),
        Environment=awslambda.Environment(Variables={
            "ENVIRONMENT": bp[ENVIRONMENT], "LOG_LEVEL": "INFO", **spec.variables(bp, data)}),
        KmsKeyArn=GetAtt(data.key, "Arn"),
        TracingConfig=awslambda.TracingConfig(Mode="Active"),
        Tags=bp.tags(spec.base_name),
        DependsOn=[log_group.title],
        Metadata=checkov_skips(CKV_AWS_116=(
            "API Gateway invokes the function synchronously and returns its error to the "
            "caller, who retries with the same idempotency key; a dead-letter queue only "
            "receives failed asynchronous invocations, which this function never has.")),
    ))
    bp.output(f"{spec.logical_id}FunctionName", Ref(function),
              f"Name of the function that {spec.what}.", function, "name")
    bp.output(f"{spec.logical_id}FunctionArn", GetAtt(function, "Arn"),
              f"ARN of the function that {spec.what}.", function, "arn")
    bp.output(f"{spec.logical_id}RoleArn", GetAtt(role, "Arn"),
              f"ARN of the execution role of the function that {spec.what}.", role, "arn")
    bp.output(f"{spec.logical_id}LogGroupName", Ref(log_group),
              f"Log group of the function that {spec.what}.", log_group, "name")
    return Function(spec, function, role, log_group)


def add_compute(bp: Blueprint, network: Network, data: Data) -> dict[FunctionSpec, Function]:
    return {spec: _function(bp, spec, network, data)
            for spec in FUNCTIONS}

"""Monitoring: alarms on function errors and on table read/write throttling.

Each alarm sums its metric over one 5-minute period and fires above the environment's
threshold, so prod pages on the first error while dev tolerates a few.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, cloudwatch, dynamodb

from templates_py.blueprint import Blueprint
from templates_py.compute import Function, FunctionSpec
from templates_py.data import Data
from templates_py.parameters import LAMBDA_ERRORS_THRESHOLD, THROTTLE_THRESHOLD, Setting

PERIOD_SECONDS = 300


def _alarm(bp: Blueprint, logical_id: str, base_name: str, namespace: str, metric: str,
           dimension: cloudwatch.MetricDimension, threshold: Setting, what: str) -> None:
    alarm = bp.add(cloudwatch.Alarm(
        logical_id,
        AlarmName=bp.name(base_name),
        AlarmDescription=Sub(f"{what} above ${{{threshold.name}}} in 5 minutes (${{Environment}})"),
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[dimension],
        Statistic="Sum",
        Period=PERIOD_SECONDS,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=bp[threshold],
        TreatMissingData="notBreaching",
        Tags=bp.tags(),
    ))
    bp.output(f"{logical_id}Name", Ref(alarm), f"Name of the alarm on {what.lower()}.",
              alarm, "name")
    bp.output(f"{logical_id}Arn", GetAtt(alarm, "Arn"), f"ARN of the alarm on {what.lower()}.",
              alarm, "arn")


def add_monitoring(bp: Blueprint, functions: dict[FunctionSpec, Function], data: Data) -> None:
    for spec, fn in functions.items():
        _alarm(bp, f"{spec.logical_id}ErrorsAlarm", f"{spec.base_name}-errors", "AWS/Lambda",
               "Errors", cloudwatch.MetricDimension(Name="FunctionName", Value=Ref(fn.function)),
               LAMBDA_ERRORS_THRESHOLD, f"{spec.base_name} errors")
    tables: tuple[tuple[dynamodb.Table, str], ...] = (
        (data.transactions, "transactions"), (data.sessions, "sessions"))
    for table, what in tables:
        for kind in ("Read", "Write"):
            _alarm(bp, f"{table.title}{kind}ThrottleAlarm", f"payment-{what}-{kind.lower()}-throttles",
                   "AWS/DynamoDB", f"{kind}ThrottleEvents",
                   cloudwatch.MetricDimension(Name="TableName", Value=Ref(table)),
                   THROTTLE_THRESHOLD, f"{what.capitalize()} table {kind.lower()} throttle events")

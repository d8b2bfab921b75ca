"""Log groups, all alike: encrypted with the environment's key, kept for the environment's
retention, and retained with the stack (logs are audit evidence)."""

from __future__ import annotations

from troposphere import GetAtt, Sub, kms
from troposphere import logs as troposphere_logs

from templates_py.blueprint import RETAIN, Blueprint
from templates_py.parameters import LOG_RETENTION


def log_group(bp: Blueprint, logical_id: str, name: Sub, key: kms.Key) -> troposphere_logs.LogGroup:
    return bp.add(troposphere_logs.LogGroup(
        logical_id, LogGroupName=name, RetentionInDays=bp[LOG_RETENTION],
        KmsKeyId=GetAtt(key, "Arn"), Tags=bp.tags(), **RETAIN))

"""Encryption: one customer-managed KMS key per environment, for every store of payment data.

The tables, the audit bucket, the log groups and the functions' environment all use it, so
one key policy decides who can read the environment's data, one CloudTrail stream records
every use, and rotation is on. The account's IAM policies may use the key only through the
platform's services (`kms:ViaService`), never with a direct Decrypt call; CloudWatch Logs may
use it only for this account's log groups.
"""

from __future__ import annotations

from awacs import kms
from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Ref, Sub
from troposphere import kms as troposphere_kms

from templates_py.blueprint import RETAIN, Blueprint

ADMINISTRATION = [kms.DescribeKey, kms.GetKeyPolicy, kms.PutKeyPolicy, kms.GetKeyRotationStatus,
                  kms.EnableKeyRotation, kms.ListResourceTags, kms.TagResource, kms.UntagResource,
                  kms.UpdateKeyDescription, kms.CreateAlias, kms.UpdateAlias, kms.DeleteAlias,
                  kms.ListGrants, kms.RevokeGrant, kms.EnableKey, kms.DisableKey,
                  kms.ScheduleKeyDeletion, kms.CancelKeyDeletion]
DATA_KEYS = [kms.Encrypt, kms.Decrypt, kms.ReEncryptFrom, kms.ReEncryptTo, kms.GenerateDataKey,
             kms.GenerateDataKeyWithoutPlaintext, kms.DescribeKey]
# The services that encrypt the platform's data with the key on a caller's behalf.
VIA_SERVICES = ("dynamodb", "s3", "lambda")
# KMS waits this long before deleting a scheduled key: time to notice and cancel.
DELETION_WINDOW_DAYS = 30


def via_platform_services() -> Condition:
    return Condition(StringEquals("kms:ViaService", [
        Sub(f"{service}.${{AWS::Region}}.amazonaws.com") for service in VIA_SERVICES]))


def _key_policy() -> PolicyDocument:
    account = Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    # In a key policy "Resource": "*" means this key and nothing else.
    return PolicyDocument(Version="2012-10-17", Statement=[
        Statement(Sid="AdministerWithAccountIamPolicies", Effect=Allow, Principal=account,
                  Action=ADMINISTRATION, Resource=["*"]),
        Statement(Sid="UseThroughPlatformServicesOnly", Effect=Allow, Principal=account,
                  Action=[*DATA_KEYS, kms.CreateGrant], Resource=["*"],
                  Condition=via_platform_services()),
        Statement(Sid="EncryptThisAccountsLogGroups", Effect=Allow,
                  Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
                  Action=DATA_KEYS, Resource=["*"],
                  Condition=Condition(ArnLike(
                      "kms:EncryptionContext:aws:logs:arn",
                      Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                          "log-group:*")))),
    ])


def add_key(bp: Blueprint) -> troposphere_kms.Key:
    key = bp.add(troposphere_kms.Key(
        "PlatformKey",
        Description=Sub("Payment platform ${Environment}: tables, audit logs, log groups and "
                        "function settings"),
        EnableKeyRotation=True,
        PendingWindowInDays=DELETION_WINDOW_DAYS,
        KeyPolicy=_key_policy(),
        Tags=bp.tags("payment-platform-key"),
        **RETAIN,
    ))
    alias = bp.add(troposphere_kms.Alias("PlatformKeyAlias", TargetKeyId=Ref(key),
                                          AliasName=Sub("alias/payment-platform-${Environment}")))
    bp.output("PlatformKeyArn", GetAtt(key, "Arn"), "ARN of the environment's KMS key.", key,
              "arn")
    bp.output("PlatformKeyAlias", Ref(alias), "Alias of the environment's KMS key.", alias, "name")
    return key

"""Data: the transactions and sessions tables and the audit-log bucket.

All three are stateful: they are retained when a stack instance is deleted or a change would
replace them, so a StackSet operation can never destroy payment records or audit logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from awacs import s3 as s3_actions
from awacs.aws import Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import Equals, GetAtt, If, NoValue, Ref, Sub, dynamodb, s3

from templates_py.blueprint import RETAIN, Blueprint
from templates_py.parameters import (
    CAPACITY_MODE,
    IA_TRANSITION_DAYS,
    LOG_RETENTION,
    POINT_IN_TIME_RECOVERY,
    READ_CAPACITY,
    WRITE_CAPACITY,
    is_true,
    retention_allows_ia,
)

PROVISIONED = "ProvisionedCapacity"
PITR = "PointInTimeRecoveryOn"
IA_TRANSITION = "AuditLogsTransitionToIA"
CUSTOMER_INDEX = "customer-index"


@dataclass(frozen=True)
class Data:
    transactions: dynamodb.Table
    sessions: dynamodb.Table
    audit_bucket: s3.Bucket


def _throughput(bp: Blueprint) -> If:
    return If(PROVISIONED, dynamodb.ProvisionedThroughput(
        ReadCapacityUnits=bp[READ_CAPACITY], WriteCapacityUnits=bp[WRITE_CAPACITY]), NoValue)


def _table(bp: Blueprint, logical_id: str, base_name: str, **schema: object) -> dynamodb.Table:
    """A table with the platform's capacity mode, PITR, encryption and retention."""
    return bp.add(dynamodb.Table(
        logical_id,
        TableName=bp.name(base_name),
        BillingMode=If(PROVISIONED, "PROVISIONED", "PAY_PER_REQUEST"),
        ProvisionedThroughput=_throughput(bp),
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=If(PITR, True, False)),
        SSESpecification=dynamodb.SSESpecification(SSEEnabled=True),
        Tags=bp.tags(base_name),
        **schema,
        **RETAIN,
    ))


def _attributes(**types: str) -> list[dynamodb.AttributeDefinition]:
    return [dynamodb.AttributeDefinition(AttributeName=n, AttributeType=t)
            for n, t in types.items()]


def _key(hash_key: str, range_key: str | None = None) -> list[dynamodb.KeySchema]:
    keys = [dynamodb.KeySchema(AttributeName=hash_key, KeyType="HASH")]
    if range_key:
        keys.append(dynamodb.KeySchema(AttributeName=range_key, KeyType="RANGE"))
    return keys


def _audit_bucket(bp: Blueprint) -> s3.Bucket:
    retention = bp[LOG_RETENTION]
    rule = s3.LifecycleRule(
        Id="expire-audit-logs",
        Status="Enabled",
        ExpirationInDays=retention,
        NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=retention),
        AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=7),
        Transitions=If(IA_TRANSITION, [s3.LifecycleRuleTransition(
            StorageClass="STANDARD_IA", TransitionInDays=IA_TRANSITION_DAYS)], NoValue),
    )
    return bp.add(s3.Bucket(
        "AuditLogBucket",
        # Bucket names are global across all AWS accounts: account and region make it unique.
        BucketName=Sub("payment-audit-logs-${Environment}-${AWS::AccountId}-${AWS::Region}"),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(
                ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                    SSEAlgorithm="AES256"))]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
            RestrictPublicBuckets=True),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=[rule]),
        Tags=bp.tags("payment-audit-logs"),
        **RETAIN,
    ))


def tls_only_policy(bucket: s3.Bucket) -> PolicyDocument:
    """Deny every request to the bucket that does not arrive over TLS."""
    return PolicyDocument(Version="2012-10-17", Statement=[Statement(
        Sid="DenyInsecureTransport",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[s3_actions.Action("*")],
        Resource=[GetAtt(bucket, "Arn"), Sub(f"${{{bucket.title}.Arn}}/*")],
        Condition=Condition(Bool("aws:SecureTransport", False)),
    )])


def add_data(bp: Blueprint) -> Data:
    bp.condition(PROVISIONED, Equals(bp[CAPACITY_MODE], "provisioned"))
    bp.condition(PITR, is_true(bp.inputs, POINT_IN_TIME_RECOVERY))
    bp.condition(IA_TRANSITION, retention_allows_ia(bp.inputs))

    transactions = _table(
        bp, "TransactionsTable", "payment-transactions",
        AttributeDefinitions=_attributes(transaction_id="S", timestamp="N", customer_id="S"),
        KeySchema=_key("transaction_id", "timestamp"),
        GlobalSecondaryIndexes=[dynamodb.GlobalSecondaryIndex(
            IndexName=CUSTOMER_INDEX,
            KeySchema=_key("customer_id", "timestamp"),
            Projection=dynamodb.Projection(ProjectionType="ALL"),
            ProvisionedThroughput=_throughput(bp),
        )],
    )
    sessions = _table(
        bp, "SessionsTable", "payment-sessions",
        AttributeDefinitions=_attributes(session_id="S"),
        KeySchema=_key("session_id"),
        TimeToLiveSpecification=dynamodb.TimeToLiveSpecification(
            AttributeName="expires_at", Enabled=True),
    )
    bucket = _audit_bucket(bp)
    bp.add(s3.BucketPolicy("AuditLogBucketPolicy", Bucket=Ref(bucket),
                           PolicyDocument=tls_only_policy(bucket)))

    for table, what in ((transactions, "transactions"), (sessions, "sessions")):
        bp.output(f"{table.title}Name", Ref(table), f"Name of the {what} table.", table, "name")
        bp.output(f"{table.title}Arn", GetAtt(table, "Arn"), f"ARN of the {what} table.",
                  table, "arn")
    bp.output("AuditLogBucketName", Ref(bucket), "Name of the audit-log bucket.", bucket, "name")
    bp.output("AuditLogBucketArn", GetAtt(bucket, "Arn"), "ARN of the audit-log bucket.",
              bucket, "arn")
    return Data(transactions, sessions, bucket)

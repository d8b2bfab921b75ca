"""Data: the transactions and sessions tables, the audit-log bucket and the access-log bucket.

All are stateful: they are retained when a stack instance is deleted or a change would
replace them, so a StackSet operation can never destroy payment records or audit logs. Tables
and audit logs are encrypted with the environment's KMS key; the access-log bucket, which
receives S3 server access logs and CloudFront logs, uses S3-managed keys because S3 log
delivery writes only to such buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

from awacs import s3 as s3_actions
from awacs.aws import (
    Allow,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import Equals, GetAtt, If, NoValue, Ref, Sub, dynamodb, kms, s3

from templates_py.blueprint import RETAIN, Blueprint, checkov_skips
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
    key: kms.Key
    transactions: dynamodb.Table
    sessions: dynamodb.Table
    audit_bucket: s3.Bucket
    access_log_bucket: s3.Bucket


def _throughput(bp: Blueprint) -> If:
    return If(PROVISIONED, dynamodb.ProvisionedThroughput(
        ReadCapacityUnits=bp[READ_CAPACITY], WriteCapacityUnits=bp[WRITE_CAPACITY]), NoValue)


def _table(bp: Blueprint, key: kms.Key, logical_id: str, base_name: str,
           **schema: object) -> dynamodb.Table:
    """A table with the platform's capacity mode, PITR, encryption and retention."""
    return bp.add(dynamodb.Table(
        logical_id,
        TableName=bp.name(base_name),
        BillingMode=If(PROVISIONED, "PROVISIONED", "PAY_PER_REQUEST"),
        ProvisionedThroughput=_throughput(bp),
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=If(PITR, True, False)),
        SSESpecification=dynamodb.SSESpecification(SSEEnabled=True, SSEType="KMS",
                                                    KMSMasterKeyId=GetAtt(key, "Arn")),
        Tags=bp.tags(base_name),
        **schema,
        **RETAIN,
        # PITR is the per-environment PointInTimeRecovery parameter (see DESIGN.md).
        Metadata=checkov_skips(CKV_AWS_28=(
            "Point-in-time recovery is on in prod, which holds the payment records; dev and "
            "staging hold only synthetic, re-creatable test data, so it is off there by the "
            "PointInTimeRecovery parameter."))
    ))


def _attributes(**types: str) -> list[dynamodb.AttributeDefinition]:
    return [dynamodb.AttributeDefinition(AttributeName=n, AttributeType=t)
            for n, t in types.items()]


def _key(hash_key: str, range_key: str | None = None) -> list[dynamodb.KeySchema]:
    keys = [dynamodb.KeySchema(AttributeName=hash_key, KeyType="HASH")]
    if range_key:
        keys.append(dynamodb.KeySchema(AttributeName=range_key, KeyType="RANGE"))
    return keys


def _expiry(bp: Blueprint, rule_id: str, transitions: object = NoValue) -> s3.LifecycleRule:
    """Objects and their old versions expire after the environment's log retention."""
    retention = bp[LOG_RETENTION]
    return s3.LifecycleRule(
        Id=rule_id,
        Status="Enabled",
        ExpirationInDays=retention,
        NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=retention),
        AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=7),
        Transitions=transitions,
    )


def _bucket(bp: Blueprint, logical_id: str, base_name: str, encryption: s3.ServerSideEncryptionRule,
            ownership: str, rule: s3.LifecycleRule, **extra: object) -> s3.Bucket:
    """A private, versioned, encrypted bucket whose objects expire after the retention."""
    return bp.add(s3.Bucket(
        logical_id,
        # Bucket names are global across all AWS accounts: account and region make it unique.
        BucketName=Sub(f"{base_name}-${{Environment}}-${{AWS::AccountId}}-${{AWS::Region}}"),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[encryption]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
            RestrictPublicBuckets=True),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership=ownership)]),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=[rule]),
        Tags=bp.tags(base_name),
        **extra,
        **RETAIN,
    ))


def _access_log_bucket(bp: Blueprint) -> s3.Bucket:
    return _bucket(
        bp, "AccessLogBucket", "payment-access-logs",
        s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
            SSEAlgorithm="AES256")),
        # CloudFront's standard logs are delivered with an ACL grant, so ACLs stay usable here.
        "BucketOwnerPreferred",
        _expiry(bp, "expire-access-logs"),
        Metadata=checkov_skips(CKV_AWS_18=(
            "This bucket is where the audit bucket's and CloudFront's access logs go; logging "
            "it into itself would log each log delivery in an endless loop, and its only "
            "writers are the AWS log-delivery services.")))


def _audit_bucket(bp: Blueprint, key: kms.Key, access_logs: s3.Bucket) -> s3.Bucket:
    transition = If(IA_TRANSITION, [s3.LifecycleRuleTransition(
        StorageClass="STANDARD_IA", TransitionInDays=IA_TRANSITION_DAYS)], NoValue)
    return _bucket(
        bp, "AuditLogBucket", "payment-audit-logs",
        s3.ServerSideEncryptionRule(
            ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                SSEAlgorithm="aws:kms", KMSMasterKeyID=GetAtt(key, "Arn")),
            BucketKeyEnabled=True),
        "BucketOwnerEnforced",
        _expiry(bp, "expire-audit-logs", transition),
        LoggingConfiguration=s3.LoggingConfiguration(
            DestinationBucketName=Ref(access_logs), LogFilePrefix="s3/payment-audit-logs/"))


def tls_only_policy(bucket: s3.Bucket, *statements: Statement) -> PolicyDocument:
    """Deny every request to the bucket that does not arrive over TLS (and allow `statements`)."""
    return PolicyDocument(Version="2012-10-17", Statement=[Statement(
        Sid="DenyInsecureTransport",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[s3_actions.Action("*")],
        Resource=[GetAtt(bucket, "Arn"), Sub(f"${{{bucket.title}.Arn}}/*")],
        Condition=Condition(Bool("aws:SecureTransport", False)),
    ), *statements])


def _log_delivery(bucket: s3.Bucket) -> Statement:
    """S3 server access logging writes with its service principal, for this account only."""
    return Statement(
        Sid="S3ServerAccessLogDelivery", Effect=Allow,
        Principal=Principal("Service", "logging.s3.amazonaws.com"),
        Action=[s3_actions.PutObject], Resource=[Sub(f"${{{bucket.title}.Arn}}/s3/*")],
        Condition=Condition(StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}"))))


def add_data(bp: Blueprint, key: kms.Key) -> Data:
    bp.condition(PROVISIONED, Equals(bp[CAPACITY_MODE], "provisioned"))
    bp.condition(PITR, is_true(bp.inputs, POINT_IN_TIME_RECOVERY))
    bp.condition(IA_TRANSITION, retention_allows_ia(bp.inputs))

    transactions = _table(
        bp, key, "TransactionsTable", "payment-transactions",
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
        bp, key, "SessionsTable", "payment-sessions",
        AttributeDefinitions=_attributes(session_id="S"),
        KeySchema=_key("session_id"),
        TimeToLiveSpecification=dynamodb.TimeToLiveSpecification(
            AttributeName="expires_at", Enabled=True),
    )
    access_logs = _access_log_bucket(bp)
    bp.add(s3.BucketPolicy("AccessLogBucketPolicy", Bucket=Ref(access_logs),
                           PolicyDocument=tls_only_policy(access_logs, _log_delivery(access_logs))))
    bucket = _audit_bucket(bp, key, access_logs)
    bp.add(s3.BucketPolicy("AuditLogBucketPolicy", Bucket=Ref(bucket),
                           PolicyDocument=tls_only_policy(bucket)))

    for table, what in ((transactions, "transactions"), (sessions, "sessions")):
        bp.output(f"{table.title}Name", Ref(table), f"Name of the {what} table.", table, "name")
        bp.output(f"{table.title}Arn", GetAtt(table, "Arn"), f"ARN of the {what} table.",
                  table, "arn")
    bp.output("AuditLogBucketName", Ref(bucket), "Name of the audit-log bucket.", bucket, "name")
    bp.output("AuditLogBucketArn", GetAtt(bucket, "Arn"), "ARN of the audit-log bucket.",
              bucket, "arn")
    bp.output("AccessLogBucketName", Ref(access_logs), "Name of the access-log bucket.",
              access_logs, "name")
    bp.output("AccessLogBucketDomainName", GetAtt(access_logs, "DomainName"),
              "Domain of the access-log bucket (imported by the edge StackSet for CloudFront "
              "logs).", access_logs, "name", export=True)
    return Data(key, transactions, sessions, bucket, access_logs)

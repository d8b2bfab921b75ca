"""IAM for the functions: one role per function, each allowed only what that function does.

Every statement names explicit actions on the platform's own ARNs and only in the stack's
region (`aws:RequestedRegion`), so a leaked credential cannot reach another table, bucket or
region.
"""

from __future__ import annotations

from collections.abc import Sequence

from awacs import dynamodb as ddb
from awacs import kms as kms_actions
from awacs import s3 as s3_actions
from awacs import xray
from awacs.aws import Action, Allow, Condition, PolicyDocument, Statement, StringEquals
from awacs.helpers.trust import make_simple_assume_policy
from troposphere import GetAtt, Sub, dynamodb, iam, kms

from templates_py.blueprint import Blueprint
from templates_py.data import Data
from templates_py.kms import via_platform_services

MANAGED_POLICIES = ("service-role/AWSLambdaBasicExecutionRole",
                    "service-role/AWSLambdaVPCAccessExecutionRole")


def in_this_region() -> Condition:
    return Condition(StringEquals("aws:RequestedRegion", Sub("${AWS::Region}")))


def table_items(table: dynamodb.Table, actions: Sequence[Action]) -> Statement:
    """Item-level access to one table and its indexes."""
    return Statement(Effect=Allow, Action=list(actions),
                     Resource=[GetAtt(table, "Arn"), Sub(f"${{{table.title}.Arn}}/index/*")],
                     Condition=in_this_region())


def processor_statements(data: Data) -> list[Statement]:
    return [
        table_items(data.transactions, [ddb.GetItem, ddb.PutItem]),
        Statement(Effect=Allow, Action=[s3_actions.PutObject, s3_actions.GetObject],
                  Resource=[Sub(f"${{{data.audit_bucket.title}.Arn}}/*")],
                  Condition=in_this_region()),
    ]


def session_statements(data: Data) -> list[Statement]:
    return [table_items(data.sessions, [ddb.GetItem, ddb.PutItem])]


def key_statement(key: kms.Key) -> Statement:
    """Reading and writing encrypted items and objects: only through DynamoDB, S3 and Lambda."""
    return Statement(Effect=Allow, Action=[kms_actions.Decrypt, kms_actions.GenerateDataKey],
                     Resource=[GetAtt(key, "Arn")], Condition=via_platform_services())


def tracing_statement() -> Statement:
    # X-Ray's write APIs support no resource-level permissions; AWS documents "*" as required.
    return Statement(Effect=Allow, Action=[xray.PutTraceSegments, xray.PutTelemetryRecords],
                     Resource=["*"])


def lambda_role(bp: Blueprint, logical_id: str, base_name: str,
                statements: Sequence[Statement]) -> iam.Role:
    return bp.add(iam.Role(
        logical_id,
        RoleName=bp.name(base_name),
        Description=Sub(f"Execution role of {base_name.removesuffix('-role')}-${{Environment}}"),
        AssumeRolePolicyDocument=make_simple_assume_policy("lambda.amazonaws.com"),
        ManagedPolicyArns=[Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{p}")
                           for p in MANAGED_POLICIES],
        Policies=[iam.Policy(PolicyName="least-privilege",
                             PolicyDocument=PolicyDocument(Version="2012-10-17",
                                                           Statement=list(statements)))],
        Tags=bp.tags(base_name),
    ))

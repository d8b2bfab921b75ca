"""API: a regional REST API whose routes proxy to the functions, one stage per environment.

The stage carries the environment's throttling (burst/rate), metrics, X-Ray tracing and JSON
access logs. The deployment's logical id includes a digest of the routes, because CloudFormation
only creates a new API deployment when that resource is replaced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from awacs.helpers.trust import make_simple_assume_policy
from troposphere import GetAtt, Ref, Sub, apigateway, awslambda, iam, logs

from templates_py.blueprint import RETAIN, Blueprint
from templates_py.compute import PAYMENT_PROCESSOR, SESSION_MANAGER, Function, FunctionSpec
from templates_py.parameters import API_BURST, API_RATE, ENVIRONMENT, LOG_RETENTION

# (HTTP method, path, function): every route the platform serves.
ROUTES = (("POST", "transactions", PAYMENT_PROCESSOR),
          ("POST", "sessions", SESSION_MANAGER),
          ("GET", "sessions", SESSION_MANAGER))
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status",
    "protocol": "$context.protocol", "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency"}, sort_keys=True)


@dataclass(frozen=True)
class Api:
    rest_api: apigateway.RestApi
    stage: apigateway.Stage


def _cloudwatch_role(bp: Blueprint) -> apigateway.Account:
    """API Gateway writes access logs through one account-wide role; set it with the API."""
    role = bp.add(iam.Role(
        "ApiGatewayCloudWatchRole",
        AssumeRolePolicyDocument=make_simple_assume_policy("apigateway.amazonaws.com"),
        ManagedPolicyArns=[Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                               "AmazonAPIGatewayPushToCloudWatchLogs")],
        Tags=bp.tags("payment-apigateway-logs-role"),
    ))
    return bp.add(apigateway.Account("ApiGatewayAccount", CloudWatchRoleArn=GetAtt(role, "Arn")))


def add_api(bp: Blueprint, functions: dict[FunctionSpec, Function]) -> Api:
    api = bp.add(apigateway.RestApi(
        "RestApi",
        Name=bp.name("payment-api"),
        Description=Sub("Payment platform API (${Environment})"),
        EndpointConfiguration=apigateway.EndpointConfiguration(Types=["REGIONAL"]),
        Tags=bp.tags("payment-api"),
    ))
    resources = {path: bp.add(apigateway.Resource(
        f"{path.capitalize()}Resource", RestApiId=Ref(api),
        ParentId=GetAtt(api, "RootResourceId"), PathPart=path))
        for path in dict.fromkeys(path for _, path, _ in ROUTES)}

    methods = []
    for verb, path, spec in ROUTES:
        function = functions[spec].function
        route_id = f"{verb.capitalize()}{path.capitalize()}"
        methods.append(bp.add(apigateway.Method(
            f"{route_id}Method", RestApiId=Ref(api), ResourceId=Ref(resources[path]),
            HttpMethod=verb, AuthorizationType="NONE",
            Integration=apigateway.Integration(
                Type="AWS_PROXY", IntegrationHttpMethod="POST",
                Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"
                        f"2015-03-31/functions/${{{function.title}.Arn}}/invocations")),
        )))
        bp.add(awslambda.Permission(
            f"{route_id}Permission", Action="lambda:InvokeFunction",
            FunctionName=Ref(function), Principal="apigateway.amazonaws.com",
            SourceArn=Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                          f"${{{api.title}}}/*/{verb}/{path}")))

    digest = hashlib.sha256(json.dumps([m.to_dict() for m in methods], sort_keys=True)
                            .encode()).hexdigest()[:10]
    deployment = bp.add(apigateway.Deployment(
        f"ApiDeployment{digest}", RestApiId=Ref(api),
        Description="Routes: " + ", ".join(f"{v} /{p}" for v, p, _ in ROUTES),
        DependsOn=[m.title for m in methods]))
    access_logs = bp.add(logs.LogGroup(
        "ApiAccessLogGroup", LogGroupName=Sub("/aws/apigateway/payment-api-${Environment}"),
        RetentionInDays=bp[LOG_RETENTION], Tags=bp.tags(), **RETAIN))
    account = _cloudwatch_role(bp)
    stage = bp.add(apigateway.Stage(
        "ApiStage", RestApiId=Ref(api), DeploymentId=Ref(deployment),
        StageName=bp[ENVIRONMENT],
        Description=Sub("Payment platform ${Environment} stage"),
        TracingEnabled=True,
        MethodSettings=[apigateway.MethodSetting(
            HttpMethod="*", ResourcePath="/*", MetricsEnabled=True, LoggingLevel="INFO",
            DataTraceEnabled=False, ThrottlingBurstLimit=bp[API_BURST],
            ThrottlingRateLimit=bp[API_RATE])],
        AccessLogSetting=apigateway.AccessLogSetting(
            DestinationArn=GetAtt(access_logs, "Arn"), Format=ACCESS_LOG_FORMAT),
        Tags=bp.tags("payment-api"),
        DependsOn=[account.title],
    ))

    bp.output("ApiId", Ref(api), "ID of the REST API (imported by the edge StackSet).", api, "id",
              export=True)
    bp.output("ApiStageName", Ref(stage), "Name of the API stage.", stage, "name")
    bp.output("ApiEndpoint",
              Sub(f"https://${{{api.title}}}.execute-api.${{AWS::Region}}.amazonaws.com/"
                  "${Environment}"),
              "Base URL of the API stage.", stage, "url")
    bp.output("ApiAccessLogGroupName", Ref(access_logs), "Log group of the API access logs.",
              access_logs, "name")
    return Api(api, stage)

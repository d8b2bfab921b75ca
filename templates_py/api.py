"""API: a regional REST API whose routes proxy to the functions, one stage per environment.

The stage carries the environment's throttling (burst/rate), metrics, X-Ray tracing and JSON
access logs. Every method requires an API key; the key's usage plan carries the same
per-environment throttles, per client. (Not AWS_IAM: clients call through CloudFront under the
public domain, and a SigV4 signature covers the Host header, which CloudFront replaces.) The
deployment's logical id includes a digest of the routes, because CloudFormation only creates a
new API deployment when that resource is replaced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from awacs.helpers.trust import make_simple_assume_policy
from troposphere import GetAtt, Ref, Sub, apigateway, awslambda, iam, kms

from templates_py.blueprint import Blueprint, checkov_skips
from templates_py.compute import PAYMENT_PROCESSOR, SESSION_MANAGER, Function, FunctionSpec
from templates_py.logs import log_group
from templates_py.parameters import API_BURST, API_RATE, ENVIRONMENT

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
        # Named, so the StackSet execution role's IAM scope (payment-*) covers it.
        RoleName=bp.name("payment-apigateway-logs-role"),
        AssumeRolePolicyDocument=make_simple_assume_policy("apigateway.amazonaws.com"),
        ManagedPolicyArns=[Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                               "AmazonAPIGatewayPushToCloudWatchLogs")],
        Tags=bp.tags("payment-apigateway-logs-role"),
    ))
    return bp.add(apigateway.Account("ApiGatewayAccount", CloudWatchRoleArn=GetAtt(role, "Arn")))


def _client_key(bp: Blueprint, api: apigateway.RestApi, stage: apigateway.Stage) -> None:
    """The API key clients send as `x-api-key`, in a usage plan with the stage's throttles."""
    plan = bp.add(apigateway.UsagePlan(
        "ApiUsagePlan", UsagePlanName=bp.name("payment-api-clients"),
        Description=Sub("Throttles per API key on payment-api-${Environment}"),
        ApiStages=[apigateway.ApiStage(ApiId=Ref(api), Stage=Ref(stage))],
        Throttle=apigateway.ThrottleSettings(BurstLimit=bp[API_BURST], RateLimit=bp[API_RATE]),
        Tags=bp.tags("payment-api-clients")))
    key = bp.add(apigateway.ApiKey(
        "ApiKey", Name=bp.name("payment-api-key"), Enabled=True,
        Description=Sub("Key of the payment platform's clients (${Environment})"),
        Tags=bp.tags("payment-api-key")))
    bp.add(apigateway.UsagePlanKey("ApiUsagePlanKey", KeyId=Ref(key), KeyType="API_KEY",
                                   UsagePlanId=Ref(plan)))
    bp.output("ApiKeyId", Ref(key), "ID of the clients' API key (read its value with "
              "`aws apigateway get-api-key --include-value`).", key, "id")
    bp.output("ApiUsagePlanId", Ref(plan), "ID of the usage plan throttling each API key.", plan,
              "id")


def add_api(bp: Blueprint, functions: dict[FunctionSpec, Function], key: kms.Key) -> Api:
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
            HttpMethod=verb, AuthorizationType="NONE", ApiKeyRequired=True,
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
    access_logs = log_group(bp, "ApiAccessLogGroup",
                            Sub("/aws/apigateway/payment-api-${Environment}"), key)
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
        Metadata=checkov_skips(CKV_AWS_120=(
            "Every route writes or reads per-client payment and session state; a cached "
            "response would replay one client's result to another, so caching stays off.")),
    ))
    _client_key(bp, api, stage)

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

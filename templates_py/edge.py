"""Edge: the public domain — hosted zone, DNS-validated certificate, CloudFront, alias record.

It is its own StackSet because its lifecycle differs: the certificate validates only once the
parent domain delegates to the new zone's name servers, which may take a human days. So it is
built in two steps: with `EdgeDelegated=false` only the (retained) zone, whose name servers are
an output; with `true`, once the parent delegates to them, the rest. It reads
the API id from the platform StackSet's export in the same account and region.
It also reads the platform's access-log bucket, where CloudFront writes its logs. A WAF web
ACL of AWS-managed rule groups screens every request before it reaches the API.
`EdgeEnabled=false` keeps the instance but creates nothing billable.
"""

from __future__ import annotations

from troposphere import (
    And,
    Condition,
    GetAtt,
    ImportValue,
    Join,
    Not,
    Output,
    Ref,
    Sub,
    certificatemanager,
    cloudformation,
    cloudfront,
    route53,
    wafv2,
)

from templates_py.blueprint import RETAIN, Blueprint, export_name
from templates_py.parameters import (
    DOMAIN_NAME,
    EDGE_DELEGATED,
    EDGE_ENABLED,
    EDGE_SETTINGS,
    is_true,
)

EDGE_ON = "EdgeOn"
EDGE_OFF = "EdgeOff"
EDGE_SERVING = "EdgeServing"  # on, and the domain delegated: certificate, WAF, CloudFront
# AWS-published constants: CloudFront's hosted zone id for alias records, and the managed
# policies "CachingDisabled" and "AllViewerExceptHostHeader" (an API must not be cached and
# API Gateway rejects a foreign Host header).
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ORIGIN_ID = "payment-api"
# AWS-managed WAF rule groups, in evaluation order: OWASP-style common exploits, known-bad
# inputs (Log4j and similar), and addresses AWS threat intelligence flags.
MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet")


def _visibility(metric: str) -> wafv2.VisibilityConfig:
    return wafv2.VisibilityConfig(CloudWatchMetricsEnabled=True, MetricName=metric,
                                  SampledRequestsEnabled=True)


def _web_acl(bp: Blueprint) -> wafv2.WebACL:
    rules = [wafv2.WebACLRule(
        Name=group, Priority=priority, OverrideAction=wafv2.OverrideAction(**{"None": {}}),
        Statement=wafv2.Statement(ManagedRuleGroupStatement=wafv2.ManagedRuleGroupStatement(
            VendorName="AWS", Name=group)),
        VisibilityConfig=_visibility(group)) for priority, group in enumerate(MANAGED_RULE_GROUPS)]
    return bp.add(wafv2.WebACL(
        "WebAcl", Name=bp.name("payment-edge"), Scope="CLOUDFRONT",
        Description=Sub("Screens requests to the payment API in ${Environment}"),
        DefaultAction=wafv2.DefaultAction(Allow=wafv2.AllowAction()), Rules=rules,
        VisibilityConfig=_visibility("payment-edge"), Tags=bp.tags("payment-edge"),
        Condition=EDGE_SERVING))


def build_edge() -> Blueprint:
    bp = Blueprint("Payment platform edge: Route 53 zone, ACM certificate and CloudFront "
                   "distribution in front of the platform API.", EDGE_SETTINGS)
    bp.condition(EDGE_ON, is_true(bp.inputs, EDGE_ENABLED))
    bp.condition(EDGE_OFF, Not(is_true(bp.inputs, EDGE_ENABLED)))
    bp.condition(EDGE_SERVING, And(Condition(EDGE_ON), is_true(bp.inputs, EDGE_DELEGATED)))
    on = {"Condition": EDGE_ON}
    serving = {"Condition": EDGE_SERVING}
    domain = bp[DOMAIN_NAME]

    # A template needs one resource; this free handle stands in when the edge is off.
    bp.add(cloudformation.WaitConditionHandle("EdgeDisabledPlaceholder", Condition=EDGE_OFF))

    # Retained: CloudFormation leaves the certificate's validation CNAME in the zone, so deleting
    # the zone would fail (HostedZoneNotEmpty) and the instance would end INOPERABLE; a kept
    # zone also keeps the name servers the parent domain delegates to.
    zone = bp.add(route53.HostedZone(
        "HostedZone", Name=domain,
        HostedZoneConfig=route53.HostedZoneConfiguration(
            Comment=Sub("Payment platform ${Environment} public zone")),
        HostedZoneTags=bp.tags(),
        **on, **RETAIN))
    certificate = bp.add(certificatemanager.Certificate(
        "Certificate", DomainName=domain, ValidationMethod="DNS",
        DomainValidationOptions=[certificatemanager.DomainValidationOption(
            DomainName=domain, HostedZoneId=Ref(zone))],
        Tags=bp.tags("payment-edge-certificate"), **serving))
    web_acl = _web_acl(bp)
    api_origin = Sub("${ApiId}.execute-api.${AWS::Region}.amazonaws.com",
                     ApiId=ImportValue(export_name("ApiId")))
    distribution = bp.add(cloudfront.Distribution(
        "Distribution",
        DistributionConfig=cloudfront.DistributionConfig(
            Comment=Sub("Payment platform API (${Environment})"),
            Enabled=True,
            Aliases=[domain],
            PriceClass="PriceClass_100",
            WebACLId=GetAtt(web_acl, "Arn"),
            Logging=cloudfront.Logging(Bucket=ImportValue(export_name("AccessLogBucketDomainName")),
                                       Prefix="cloudfront/", IncludeCookies=False),
            HttpVersion="http2and3",
            Origins=[cloudfront.Origin(
                Id=ORIGIN_ID, DomainName=api_origin, OriginPath=Sub("/${Environment}"),
                CustomOriginConfig=cloudfront.CustomOriginConfig(
                    OriginProtocolPolicy="https-only", OriginSSLProtocols=["TLSv1.2"]))],
            DefaultCacheBehavior=cloudfront.DefaultCacheBehavior(
                TargetOriginId=ORIGIN_ID, ViewerProtocolPolicy="https-only",
                AllowedMethods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                CachePolicyId=CACHING_DISABLED, OriginRequestPolicyId=ALL_VIEWER_EXCEPT_HOST,
                Compress=True),
            ViewerCertificate=cloudfront.ViewerCertificate(
                AcmCertificateArn=Ref(certificate), SslSupportMethod="sni-only",
                MinimumProtocolVersion="TLSv1.2_2021"),
        ),
        Tags=bp.tags("payment-edge"), **serving))
    record = bp.add(route53.RecordSetType(
        "AliasRecord", HostedZoneId=Ref(zone), Name=domain, Type="A",
        AliasTarget=route53.AliasTarget(DNSName=GetAtt(distribution, "DomainName"),
                                        HostedZoneId=CLOUDFRONT_ZONE_ID), **serving))

    bp.output("HostedZoneId", Ref(zone), "ID of the environment's public hosted zone.", zone,
              "id", condition=EDGE_ON)
    # Not a resource id (so not in the manifest's resources): what `deploy` prints for the
    # parent domain's NS records; the retained zone keeps them across redeploys.
    bp.template.add_output(Output(
        "HostedZoneNameServers", Condition=EDGE_ON, Value=Join(", ", GetAtt(zone, "NameServers")),
        Description="Name servers the parent domain must delegate the domain to (NS records); "
                    "set EdgeDelegated to true once it does."))
    bp.output("CertificateArn", Ref(certificate), "ARN of the domain's ACM certificate.",
              certificate, "arn", condition=EDGE_SERVING)
    bp.output("DistributionId", Ref(distribution), "ID of the CloudFront distribution.",
              distribution, "id", condition=EDGE_SERVING)
    bp.output("DistributionDomainName", GetAtt(distribution, "DomainName"),
              "CloudFront domain name the alias record points at.", distribution, "name",
              condition=EDGE_SERVING)
    bp.output("WebAclArn", GetAtt(web_acl, "Arn"), "ARN of the WAF web ACL in front of the API.",
              web_acl, "arn", condition=EDGE_SERVING)
    bp.output("PublicUrl", Sub("https://${DomainName}"), "Public URL of the API.", record, "url",
              condition=EDGE_SERVING)
    bp.create_nothing_when_unassigned()
    return bp

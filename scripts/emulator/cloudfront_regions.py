"""CloudFront's us-east-1 rules: what a distribution takes from WAF and ACM comes from us-east-1.

- WAF (API reference, `Scope` of every WAFv2 call): "To work with CloudFront, you must also
  specify the Region US East (N. Virginia) as follows: ... API and SDKs - For all calls, use the
  Region endpoint us-east-1." A CLOUDFRONT-scoped call anywhere else, by API or a template's
  AWS::WAFv2::WebACL, fails with WAFInvalidParameterException in the words users report ("Error
  reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT"); moto accepts it.
- ACM (CloudFront developer guide, "Requirements for using SSL/TLS certificates with
  CloudFront"): "If you want to require HTTPS between viewers and CloudFront, you must change the
  AWS Region to US East (N. Virginia) in the AWS Certificate Manager console before you request
  or import a certificate." CreateDistribution and UpdateDistribution refuse any other
  certificate with InvalidViewerCertificate ("The specified SSL certificate doesn't exist, isn't
  in us-east-1 region, isn't valid, or doesn't include a valid certificate chain."). The guide
  does not say whether another account's us-east-1 certificate would do; the stricter reading
  is kept: the distribution's own account.
- WebACLId (API reference, InvalidWebACLId): "To specify a web ACL created using the latest
  version of WAF, use the ACL ARN, for example arn:aws:wafv2:us-east-1:123456789012:global/
  webacl/..."; a regional web ACL, or one that does not exist, is InvalidWebACLId.

Both CloudFront checks sit in moto's backend, which the API and the template resource share.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.aws.regions import CLOUDFRONT_REGION

SCOPE_ERROR = "Error reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT"
CERTIFICATE_ERROR = ("The specified SSL certificate doesn't exist, isn't in us-east-1 region, "
                     "isn't valid, or doesn't include a valid certificate chain.")


def require_cloudfront_scope_in_us_east_1(scope: str | None, region: str) -> None:
    from moto.wafv2.exceptions import WAFv2ClientError

    if scope == "CLOUDFRONT" and region != CLOUDFRONT_REGION:
        error = WAFv2ClientError("WAFInvalidParameterException", SCOPE_ERROR)
        error.description = json.dumps({"__type": "WAFInvalidParameterException",
                                        "message": SCOPE_ERROR, "Field": "SCOPE_VALUE",
                                        "Parameter": "CLOUDFRONT"})
        raise error


def apply() -> None:
    _waf_calls_for_cloudfront_come_to_us_east_1()
    _distributions_take_us_east_1_certificates_and_global_acls()


def _waf_calls_for_cloudfront_come_to_us_east_1() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.wafv2.responses import WAFV2Response

    call_action = WAFV2Response.call_action

    def checked(self: WAFV2Response) -> Any:
        try:
            scope = json.loads(self.body or "{}").get("Scope")
        except (TypeError, ValueError):
            scope = None  # not JSON: moto's own parsing answers it
        try:
            require_cloudfront_scope_in_us_east_1(scope, self.region)
        except JsonRESTError as error:
            return error.code, {"Content-Type": "application/x-amz-json-1.1"}, error.description
        return call_action(self)

    WAFV2Response.call_action = checked


def _distribution_refusal(account: str, config: dict[str, Any]) -> Any:
    """The CloudFrontException for `config`'s certificate or web ACL, or None."""
    from moto.acm.models import acm_backends
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.wafv2.models import GLOBAL_REGION, wafv2_backends

    certificate = (config.get("ViewerCertificate") or {}).get("ACMCertificateArn")
    if certificate:
        parts = certificate.split(":")
        found = len(parts) > 5 and parts[3] == CLOUDFRONT_REGION and parts[4] == account and \
            certificate in acm_backends[account][CLOUDFRONT_REGION]._certificates
        if not found:
            return CloudFrontException("InvalidViewerCertificate", CERTIFICATE_ERROR)
    acl = config.get("WebACLId")
    if acl:
        acls = wafv2_backends[account][GLOBAL_REGION].wacls
        if f":{CLOUDFRONT_REGION}:{account}:global/webacl/" not in acl or acl not in acls:
            return CloudFrontException(
                "InvalidWebACLId", f"Web ACL is not accessible by the requester: {acl}")
    return None


def _distributions_take_us_east_1_certificates_and_global_acls() -> None:
    from moto.cloudfront.models import CloudFrontBackend

    create = CloudFrontBackend.create_distribution_with_tags
    update = CloudFrontBackend.update_distribution

    def created(self: CloudFrontBackend, config: dict[str, Any], tags: list[dict[str, str]]
                ) -> Any:
        if (refusal := _distribution_refusal(self.account_id, config)) is not None:
            raise refusal
        return create(self, config, tags)

    def updated(self: CloudFrontBackend, config: dict[str, Any], _id: str, if_match: bool
                ) -> Any:
        if config and (refusal := _distribution_refusal(self.account_id, config)) is not None:
            raise refusal
        return update(self, config, _id, if_match)

    CloudFrontBackend.create_distribution_with_tags = created
    CloudFrontBackend.update_distribution = updated

"""Accounts are isolated: a request from one account for another account's S3 bucket is allowed
only when the bucket's policy grants it, otherwise AWS answers 403 AccessDenied.

moto keeps every account's buckets in one namespace and, by default, serves any account's
request for any bucket as if it owned it. The platform's artifacts bucket is shared with the
environment accounts by its bucket policy, so a cross-account read works only as far as that
policy allows (S3 user guide, "Bucket policies for Amazon S3": "A bucket policy is a
resource-based policy that you can use to grant access permissions to your Amazon S3 bucket and
the objects in it").

CloudFormation reads a TemplateURL as the caller, so the same holds for another account's
template. Requests within one account are left alone (the emulator does not evaluate identity
policies), and so are the other services the platform calls across accounts: they answer a foreign ARN with
their own not-found error, never an HTTP 500.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.organizations.models import organizations_backends
from moto.s3.exceptions import BucketAccessDeniedError
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response

# The IAM action of the S3 operations whose action name is not "s3:" + the operation's name
# (Service Authorization Reference, Amazon S3 actions).
_ACTIONS = {"ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
            "HeadObject": "GetObject", "DeleteObjects": "DeleteObject", "CopyObject": "PutObject",
            "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
            "CompleteMultipartUpload": "PutObject", "ListObjectVersions": "ListBucketVersions",
            "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
            "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration"}


def apply() -> None:
    S3Response._bucket_response = _owner_or_granted(S3Response._bucket_response, with_key=False)
    S3Response._key_response = _owner_or_granted(S3Response._key_response, with_key=True)
    _templates_read_as_the_caller()


def _templates_read_as_the_caller() -> None:
    """CloudFormation reads a `TemplateURL` with the caller's permissions (CreateStack
    reference, TemplateURL: "The URL must point to a template [...] that's located in an Amazon
    S3 bucket"; user guide, "Controlling access with IAM": CloudFormation "uses your
    credentials" for the calls it makes on your behalf), so another account's object is read
    only as far as its bucket policy grants s3:GetObject to the caller. moto reads it straight
    from its backend, for every stack, change set, StackSet and StackIdsUrl alike. The refusal's
    words are the ones users report ("TemplateURL must reference a valid S3 object to which you
    have access."); the reference documents none."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse

    read = CloudFormationResponse._get_stack_from_s3_url

    def as_the_caller(self: CloudFormationResponse, template_url: str) -> str:
        bucket, key = _bucket_and_key(template_url)
        owner = s3_backends.bucket_accounts.get(bucket)
        if owner is not None and owner[1] != self.current_account:
            found = s3_backends[owner[1]][owner[0]].buckets.get(bucket)
            if found is None or not granted(found.policy, "s3:GetObject",
                                            f"arn:{owner[0]}:s3:::{bucket}/{key}",
                                            self.current_account, owner[0]):
                raise ValidationError(message="TemplateURL must reference a valid S3 object to "
                                              "which you have access.")
        return read(self, template_url)

    CloudFormationResponse._get_stack_from_s3_url = as_the_caller


def _bucket_and_key(url: str) -> tuple[str, str]:
    """Path-style (https://s3.<region>.amazonaws.com/<bucket>/<key>) or virtual-hosted
    (https://<bucket>.s3.<region>.amazonaws.com/<key>), as moto reads them."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    if (parts.netloc.startswith("s3") and parts.netloc.endswith("amazonaws.com")) \
            or "localhost" in url:
        bucket, _, key = parts.path.lstrip("/").partition("/")
        return bucket, key
    return parts.netloc.split(".")[0], parts.path.lstrip("/")


def _owner_or_granted(handle: Any, with_key: bool) -> Any:
    def checked(self: S3Response, request: Any, full_url: str) -> Any:
        bucket = self.parse_bucket_name_from_url(request, full_url)
        owner = s3_backends.bucket_accounts.get(bucket or "")
        operation = self._get_action()
        # CreateBucket on a taken name is answered by moto as AWS does (BucketAlreadyExists).
        foreign = owner is not None and owner[1] != self.current_account
        found = s3_backends[owner[1]][owner[0]].buckets.get(bucket) if foreign else None
        if found is not None and operation != "CreateBucket":
            resource = f"arn:{owner[0]}:s3:::{bucket}"
            if with_key:
                resource += f"/{self.parse_key_name()}"
            action = f"s3:{_ACTIONS.get(operation, operation)}"
            if not granted(found.policy, action, resource, self.current_account, owner[0]):
                raise BucketAccessDeniedError(bucket)
        return handle(self, request, full_url)

    return checked


def granted(policy: bytes | str | None, action: str, resource: str, account: str,
            partition: str) -> bool:
    """Whether a bucket policy lets `account` do `action` on `resource`: an Allow statement
    applies and no Deny statement does.

    Conditions the emulator cannot evaluate make a statement not apply (so an Allow does not
    grant and a Deny does not deny); `aws:SecureTransport` is true, as every AWS endpoint is
    HTTPS, and `aws:PrincipalOrgID` / `aws:PrincipalAccount` are the caller's.
    """
    if not policy:
        return False
    statements = json.loads(policy)["Statement"]
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        applies = (_matches(statement.get("Action"), action)
                   and _matches(statement.get("Resource"), resource)
                   and _principal(statement.get("Principal"), account, partition)
                   and _conditions(statement.get("Condition", {}), account, partition))
        if applies and statement["Effect"] == "Deny":
            return False
        allowed = allowed or (applies and statement["Effect"] == "Allow")
    return allowed


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in _listed(patterns))


def _principal(principal: Any, account: str, partition: str) -> bool:
    """An AWS principal naming the account (its id, its root or any of its ARNs) or anyone.
    The emulator does not tell one principal of an account from another."""
    if principal == "*":
        return True
    named = _listed(principal.get("AWS")) if isinstance(principal, dict) else []
    return any(p in ("*", account) or str(p).startswith(f"arn:{partition}:iam::{account}:")
               for p in named)


def _conditions(conditions: dict[str, Any], account: str, partition: str) -> bool:
    context = {"aws:securetransport": "true", "aws:principalaccount": account,
               "aws:principalorgid": _organization(account, partition)}
    for operator, tests in conditions.items():
        for key, wanted in tests.items():
            actual = context.get(key.lower())
            if actual is None or operator not in ("Bool", "StringEquals", "StringLike"):
                return False
            if not any(fnmatch.fnmatchcase(actual, str(w).lower() if operator == "Bool" else str(w))
                       for w in _listed(wanted)):
                return False
    return True


def _organization(account: str, partition: str) -> str | None:
    """The id of the organization the account belongs to, if any."""
    management = organizations_backends.master_accounts.get(account, (account, partition))[0]
    organization = organizations_backends[management][partition].org
    return organization.id if organization else None

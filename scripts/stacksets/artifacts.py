"""The artifacts buckets in the admin account, one per region: Lambda zips and oversized templates.

Keys are content digests, so unchanged content is never uploaded twice and changed content gets
a new key (and so a new parameter value, which is what makes CloudFormation update the code).
The environment accounts may read objects, nothing else; the bucket itself is only written when
its settings differ, so a no-op deploy makes no write calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.aws.clients import error_code

TEMPLATE_BODY_LIMIT = 51_200


def bucket_policy(bucket: str, partition: str, reader_accounts: list[str],
                  organization_id: str | None = None) -> dict[str, Any]:
    """Target accounts (or, service-managed, the organization) may get objects; TLS only. A
    region no environment runs in (the administrator's, for templates) admits no one else."""
    objects = f"arn:{partition}:s3:::{bucket}/*"
    read: dict[str, Any] = {"Sid": "TargetAccountsReadArtifacts", "Effect": "Allow",
                            "Action": "s3:GetObject", "Resource": objects}
    if organization_id:
        read["Principal"] = "*"
        read["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    else:
        read["Principal"] = {"AWS": [f"arn:{partition}:iam::{a}:root" for a in sorted(reader_accounts)]}
    deny_plain_http = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                       "Action": "s3:*", "Resource": [f"arn:{partition}:s3:::{bucket}", objects],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    readers = [read] if organization_id or reader_accounts else []
    return {"Version": "2012-10-17", "Statement": [*readers, deny_plain_http]}


class Artifacts:
    def __init__(self, s3: Any, bucket: str, region: str,
                 policy: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.region = region
        self._policy = policy

    @property
    def policy(self) -> dict[str, Any]:
        """The bucket policy, worked out only when needed (service-managed asks Organizations)."""
        if callable(self._policy):
            self._policy = self._policy()
        return self._policy

    def ensure_bucket(self) -> None:
        try:
            self.s3.head_bucket(Bucket=self.bucket)
        except Exception as err:  # botocore raises ClientError 404 for a missing bucket
            if error_code(err) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            extra = ({} if self.region == "us-east-1"
                     else {"CreateBucketConfiguration": {"LocationConstraint": self.region}})
            self.s3.create_bucket(Bucket=self.bucket, **extra)
            self.s3.put_public_access_block(Bucket=self.bucket, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True})
            self.s3.put_bucket_encryption(Bucket=self.bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        if self._current_policy() != self.policy:
            self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(self.policy))

    def _current_policy(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.s3.get_bucket_policy(Bucket=self.bucket)["Policy"])
        except Exception as err:
            if error_code(err) == "NoSuchBucketPolicy":
                return None
            raise

    def put(self, key: str, body: bytes) -> None:
        """Upload unless the content-addressed key is already there."""
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except Exception as err:
            if error_code(err) not in ("404", "NoSuchKey", "NotFound"):
                raise
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def upload_file(self, key: str, path: Path) -> None:
        self.put(key, path.read_bytes())

    def template_url(self, name: str, body: str) -> str:
        digest = hashlib.sha256(body.encode()).hexdigest()
        key = f"templates/{name}/{digest}.json"
        self.put(key, body.encode())
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{key}"

"""The AWS rules `payctl purge` depends on, each with the documentation it states; they run
unchanged against a real account (see conformance.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from stack_support import error_of, unique


def test_key_deletion_waits_between_seven_and_thirty_days(cloud: Any) -> None:
    """ScheduleKeyDeletion, PendingWindowInDays: "If you include a value, it must be between 7
    and 30, inclusive"; the response's DeletionDate is when the key will be deleted, and the key
    state becomes PendingDeletion."""
    kms = cloud.client("kms")
    key = kms.create_key(Description=unique("conformance"))["KeyMetadata"]["KeyId"]

    too_soon = error_of(kms.schedule_key_deletion, KeyId=key, PendingWindowInDays=6)
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

    assert too_soon["Code"] == "ValidationException"
    wait = scheduled["DeletionDate"] - datetime.now(scheduled["DeletionDate"].tzinfo)
    assert timedelta(days=6, hours=23) < wait <= timedelta(days=7, minutes=5)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_a_versioned_bucket_is_deleted_only_once_every_version_and_marker_is(cloud: Any) -> None:
    """S3 DeleteBucket: "All objects (including all object versions and delete markers) in the
    bucket must be deleted before the bucket itself can be deleted" (BucketNotEmpty, 409);
    DeleteObjects with VersionId removes a version (or a delete marker) for good."""
    s3 = cloud.client("s3")
    bucket = unique("conformance-versions")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket=bucket, Key="a", Body=body)
    s3.delete_object(Bucket=bucket, Key="a")  # a delete marker over two versions

    refused = error_of(s3.delete_bucket, Bucket=bucket)
    listed = s3.list_object_versions(Bucket=bucket)
    doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
              for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)

    assert (refused["Code"], refused["HTTPStatusCode"]) == ("BucketNotEmpty", 409)
    assert len(doomed) == 3
    assert error_of(s3.head_bucket, Bucket=bucket)["HTTPStatusCode"] == 404


def test_a_zone_with_records_besides_ns_and_soa_is_not_deleted(cloud: Any) -> None:
    """Route 53 DeleteHostedZone: "you must delete all resource record sets except the SOA and NS
    records" first, else HostedZoneNotEmpty."""
    route53 = cloud.client("route53")
    name = f"{unique('purge')}.example.org"
    zone = route53.create_hosted_zone(Name=name, CallerReference=unique("ref"))["HostedZone"]["Id"]
    record = {"Name": f"_check.{name}", "Type": "CNAME", "TTL": 300,
              "ResourceRecords": [{"Value": "target.example.org"}]}
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})

    refused = error_of(route53.delete_hosted_zone, Id=zone)
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
        "Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]})
    route53.delete_hosted_zone(Id=zone)

    assert refused["Code"] == "HostedZoneNotEmpty"
    assert error_of(route53.get_hosted_zone, Id=zone)["Code"] == "NoSuchHostedZone"


def test_a_table_with_deletion_protection_is_not_deleted(cloud: Any) -> None:
    """DynamoDB DeletionProtectionEnabled: "Indicates whether deletion protection is to be
    enabled (true) or disabled (false) on the table"; a protected table cannot be deleted until
    UpdateTable turns it off."""
    dynamodb = cloud.client("dynamodb")
    name = unique("conformance-protected")
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          DeletionProtectionEnabled=True)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={
        "Delay": max(1, int(cloud.poll_interval())), "MaxAttempts": 60})

    refused = error_of(dynamodb.delete_table, TableName=name)
    dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
    dynamodb.delete_table(TableName=name)

    assert refused["Code"] == "ValidationException"

"""The account quotas a first deploy meets: Lambda's concurrency, Elastic IPs and VPCs.

AWS keeps one concurrency quota per account and region, and a function's reserved concurrency
is taken from it (Lambda developer guide, "Configuring reserved concurrency for a function"):
"You can reserve up to the Unreserved account concurrency value minus 100. The remaining 100
units of concurrency are for functions that aren't using reserved concurrency." The quota is
1,000 by default and can be far lower in a new account ("Lambda quotas": "new accounts might
receive a reduced concurrency quota"), so the emulator models it: `QUOTA_VARIABLE` sets it for
every account (1,000 when unset, read at each request), and GetAccountSettings answers it,
which moto does not implement.

The rule holds wherever a reservation is made: PutFunctionConcurrency (whose own check moto
keeps off unless told) and a template's `ReservedConcurrentExecutions`, which moto applies
without looking. The refusal's words are moto's and AWS's ("Specified ReservedConcurrentExecutions
for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
as users report them); the reference documents no wording.

EC2 (quotas per Region, "Amazon VPC quotas"): "Elastic IP addresses per Region: 5" and "VPCs
per Region: 5", the default VPC among them. moto reports both (DescribeAccountAttributes'
vpc-max-elastic-ips, Service Quotas' L-F678F1CE) but enforces neither; here AllocateAddress and
CreateVpc, by API or template, past them fail with the codes of the EC2 error reference
("AddressLimitExceeded: You've reached the limit on the number of Elastic IP addresses that you
can allocate"; "VpcLimitExceeded: You've reached the limit on the number of VPCs").
"""

from __future__ import annotations

import json
import os
from typing import Any

QUOTA_VARIABLE = "PAYCTL_EMULATOR_LAMBDA_CONCURRENCY"
DEFAULT_QUOTA = 1000
UNRESERVED_MINIMUM = 100  # "The remaining 100 units of concurrency"
ELASTIC_IPS = 5
VPCS = 5


def quota() -> int:
    return int(os.environ.get(QUOTA_VARIABLE) or DEFAULT_QUOTA)


def apply() -> None:
    from moto.awslambda.models import LambdaBackend

    put = LambdaBackend.put_function_concurrency

    def put_function_concurrency(self: Any, function_name: str, reserved: str) -> str:
        name = self.get_function(function_name).function_name
        refuse_over_quota(self.account_id, self.region_name, name, int(reserved))
        return put(self, function_name, reserved)

    LambdaBackend.put_function_concurrency = put_function_concurrency
    _templates_reserve_from_the_quota()
    _ec2_quotas_hold()
    _account_settings_answer()


def _reserved_elsewhere(account: str, region: str, function_name: str) -> int:
    from moto.awslambda.models import lambda_backends

    return sum(int(f.reserved_concurrency) for f in
               lambda_backends[account][region].list_functions()
               if f.reserved_concurrency and f.function_name != function_name)


def refuse_over_quota(account: str, region: str, function_name: str, reserved: int) -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException

    if quota() - _reserved_elsewhere(account, region, function_name) - reserved \
            < UNRESERVED_MINIMUM:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}].")


def _templates_reserve_from_the_quota() -> None:
    """Checked before moto creates or updates the function, so a refused one leaves nothing."""
    from moto.awslambda.models import LambdaFunction

    create = LambdaFunction.create_from_cloudformation_json.__func__
    update = LambdaFunction.update_from_cloudformation_json.__func__

    def checked(props: dict[str, Any], name: str, account: str, region: str) -> None:
        reserved = props.get("ReservedConcurrentExecutions")
        if reserved is not None:
            refuse_over_quota(account, region, props.get("FunctionName", name), int(reserved))

    def created(cls: type, resource_name: str, cloudformation_json: dict[str, Any],
                account_id: str, region_name: str, **kwargs: Any) -> Any:
        checked(cloudformation_json.get("Properties", {}), resource_name, account_id, region_name)
        return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    def updated(cls: type, original_resource: Any, new_resource_name: str,
                cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        checked({**cloudformation_json.get("Properties", {}),
                 "FunctionName": original_resource.function_name},
                new_resource_name, account_id, region_name)
        return update(cls, original_resource, new_resource_name, cloudformation_json,
                      account_id, region_name)

    LambdaFunction.create_from_cloudformation_json = classmethod(created)
    LambdaFunction.update_from_cloudformation_json = classmethod(updated)


def _account_settings_answer() -> None:
    """GET /2016-08-19/account-settings/: the quota and what reservations leave of it. The
    trailing slash is the model's requestUri, and Flask matches a rule's slash exactly."""
    import moto.awslambda.urls
    from moto.awslambda.models import lambda_backends
    from moto.awslambda.responses import LambdaResponse

    def get_account_settings(self: LambdaResponse) -> tuple[int, dict[str, str], str]:
        backend = lambda_backends[self.current_account][self.region]
        functions = backend.list_functions()
        reserved = sum(int(f.reserved_concurrency) for f in functions if f.reserved_concurrency)
        code = sum(int(f.code_size) for f in functions)
        return 200, {}, json.dumps({
            "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                             "CodeSizeZipped": 52428800, "ConcurrentExecutions": quota(),
                             "UnreservedConcurrentExecutions": quota() - reserved},
            "AccountUsage": {"TotalCodeSize": code, "FunctionCount": len(functions)}})

    LambdaResponse.get_account_settings = get_account_settings
    moto.awslambda.urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/$"] = \
        LambdaResponse.dispatch


def _ec2_quotas_hold() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.vpcs import VPCBackend

    allocate = ElasticAddressBackend.allocate_address
    create_vpc = VPCBackend.create_vpc

    def allocate_address(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(self.addresses) >= ELASTIC_IPS:
            raise EC2ClientError("AddressLimitExceeded",
                                 "The maximum number of addresses has been reached.")
        return allocate(self, *args, **kwargs)

    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(self.vpcs) >= VPCS:
            raise EC2ClientError("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
        return create_vpc(self, *args, **kwargs)

    ElasticAddressBackend.allocate_address = allocate_address
    VPCBackend.create_vpc = create

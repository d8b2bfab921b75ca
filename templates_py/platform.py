"""The platform StackSet's template: every part composed, in dependency order."""

from __future__ import annotations

from templates_py.api import add_api
from templates_py.blueprint import Blueprint
from templates_py.compute import add_compute
from templates_py.data import add_data
from templates_py.kms import add_key
from templates_py.monitoring import add_monitoring
from templates_py.network import add_network
from templates_py.parameters import PLATFORM_SETTINGS


def build_platform() -> Blueprint:
    bp = Blueprint("Payment platform: KMS key, VPC with flow logs, DynamoDB tables, audit and "
                   "access-log buckets, Lambda functions, REST API and alarms for one environment.",
                   PLATFORM_SETTINGS)
    key = add_key(bp)
    network = add_network(bp, key)
    data = add_data(bp, key)
    functions = add_compute(bp, network, data)
    add_api(bp, functions, key)
    add_monitoring(bp, functions, data)
    bp.create_nothing_when_unassigned()
    return bp

"""The platform StackSet's template: every part composed, in dependency order."""

from __future__ import annotations

from templates_py.api import add_api
from templates_py.blueprint import Blueprint
from templates_py.compute import add_compute
from templates_py.data import add_data
from templates_py.monitoring import add_monitoring
from templates_py.network import add_network
from templates_py.parameters import PLATFORM_SETTINGS


def build_platform() -> Blueprint:
    bp = Blueprint("Payment platform: VPC, DynamoDB tables, audit-log bucket, Lambda functions, "
                   "REST API and alarms for one environment.", PLATFORM_SETTINGS)
    network = add_network(bp)
    data = add_data(bp)
    functions = add_compute(bp, network, data)
    add_api(bp, functions)
    add_monitoring(bp, functions, data)
    return bp

"""troposphere modules that build the payment platform's CloudFormation, one per part.

`STACKSET_TEMPLATES` are the templates rolled out with StackSets (each a `Blueprint` whose
parameters the environments override); the bootstrap templates (`templates_py.bootstrap`) are the
plain stacks that create the StackSet roles.
"""

from __future__ import annotations

from collections.abc import Callable

from templates_py.blueprint import Blueprint
from templates_py.edge import build_edge
from templates_py.platform import build_platform

STACKSET_TEMPLATES: dict[str, Callable[[], Blueprint]] = {
    "payment-platform": build_platform,
    "payment-platform-edge": build_edge,
}

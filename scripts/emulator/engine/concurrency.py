"""How many accounts of a Region an operation works on at once, and when it must stop.

From StackSetOperationPreferences in the CloudFormation API reference:
- FailureToleranceCount / FailureTolerancePercentage: "The number [percentage] of accounts per
  Region this operation can fail in before CloudFormation stops the operation in that Region";
  for a percentage "CloudFormation rounds down to the next whole number". By default, 0.
- MaxConcurrentCount / MaxConcurrentPercentage: "The maximum number [percentage] of accounts in
  which to perform this operation at one time"; a percentage rounds down, "except in cases where
  rounding down would result is zero. In this case, CloudFormation sets the number as one
  instead." By default, 1.
- ConcurrencyMode STRICT_FAILURE_TOLERANCE (the default): "The initial actual concurrency is set
  to the lower of either the value of the MaxConcurrentCount, or the value of
  FailureToleranceCount +1. The actual concurrency is then reduced proportionally by the number
  of failures." SOFT_FAILURE_TOLERANCE: "run at the concurrency level set by the
  MaxConcurrentCount value, or MaxConcurrentPercentage, regardless of the number of failures."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RegionPolicy:
    tolerance: int
    max_concurrent: int
    strict: bool

    def concurrency(self, failed: int) -> int:
        """Accounts that may run at once after `failed` failures in this Region."""
        if not self.strict:
            return self.max_concurrent
        # "reduced proportionally by the number of failures" so that the failures can never
        # exceed FailureToleranceCount + 1; always at least one while the operation goes on.
        return max(1, min(self.max_concurrent, self.tolerance + 1 - failed))

    def exceeded(self, failed: int) -> bool:
        return failed > self.tolerance


def region_policy(preferences: dict[str, Any], accounts: int) -> RegionPolicy:
    if "FailureTolerancePercentage" in preferences:
        tolerance = accounts * int(preferences["FailureTolerancePercentage"]) // 100
    else:
        tolerance = int(preferences.get("FailureToleranceCount", 0))
    if "MaxConcurrentPercentage" in preferences:
        maximum = max(1, accounts * int(preferences["MaxConcurrentPercentage"]) // 100)
    else:
        maximum = int(preferences.get("MaxConcurrentCount", 1))
    strict = preferences.get("ConcurrencyMode", "STRICT_FAILURE_TOLERANCE") != "SOFT_FAILURE_TOLERANCE"
    return RegionPolicy(tolerance, maximum, strict)


def region_batches(preferences: dict[str, Any], regions: list[str]) -> list[list[str]]:
    """Regions in the order they run: one at a time in RegionOrder (then request order) when
    RegionConcurrencyType is SEQUENTIAL, the default; all together when PARALLEL."""
    order = [r for r in preferences.get("RegionOrder", []) if r in regions]
    ordered = order + [r for r in regions if r not in order]
    if preferences.get("RegionConcurrencyType") == "PARALLEL":
        return [ordered]
    return [[region] for region in ordered]

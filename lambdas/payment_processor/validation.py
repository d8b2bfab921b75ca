"""Turn an untrusted POST /transactions body into a Transaction, or say which field is wrong.

Pure functions with no AWS dependency, so every rule can be tested directly and the handler
only ever sees values that are safe to store.

Amounts are accepted as JSON numbers (parsed as Decimal, never float) and as plain decimal
strings such as "10.00", which many payment clients send to dodge float rounding. Either way
the value must be finite, positive, have at most two decimal places and not exceed the
configured maximum. Strings must be digits with an optional dot and one or two decimals: no
sign, exponent, whitespace or thousands separators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from apigw import bad_request, identifier

CENT = Decimal("0.01")
# Beyond this an amount in cents is no longer exactly representable as a double, which is how
# many downstream consumers (JavaScript, spreadsheets) will read it.
AMOUNT_CEILING = Decimal(10) ** 13
AMOUNT_STRING = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class Transaction:
    """What the client asked for; equality (amounts compared numerically) decides replay vs conflict."""

    transaction_id: str
    customer_id: str
    amount: Decimal


def decimal_places(value: Decimal) -> int:
    """Significant decimal places of a finite Decimal, exactly: 10.10 has 1, 1E+2 has 0.

    Computed from the digits rather than with quantize or normalize, which round to the context
    precision and raise on extreme exponents.
    """
    _, digits, exponent = value.as_tuple()
    trailing_zeros = 0
    for digit in reversed(digits[1:]):
        if digit:
            break
        trailing_zeros += 1
    return max(0, -(int(exponent) + trailing_zeros))


def format_amount(amount: Decimal) -> str:
    """Two-decimal string for responses and audit records, so clients never parse money as float."""
    return f"{amount.quantize(CENT):f}"


def parse_maximum(raw: str) -> Decimal:
    """The MAX_TRANSACTION_AMOUNT setting: a positive two-decimal amount no larger than the ceiling."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not value.is_finite() or value <= 0 or value > AMOUNT_CEILING or decimal_places(value) > 2:
        raise ValueError(f"must be a positive amount of at most {AMOUNT_CEILING} with two decimal places")
    return value


def parse_amount(value: Any, maximum: Decimal) -> Decimal:
    if value is None:
        raise bad_request("amount", "amount is required")
    if isinstance(value, str):
        if not AMOUNT_STRING.fullmatch(value):
            raise bad_request("amount", "amount strings must look like 10 or 10.50")
        value = Decimal(value)
    # bool is checked by type, not value: JSON true must never become an amount of 1.
    if not isinstance(value, Decimal):
        raise bad_request("amount", "amount must be a number or a decimal string")
    if not value.is_finite():
        raise bad_request("amount", "amount must be finite")
    if value <= 0:
        raise bad_request("amount", "amount must be greater than zero")
    if value > maximum:
        raise bad_request("amount", f"amount must not exceed {format_amount(maximum)}")
    if decimal_places(value) > 2:
        raise bad_request("amount", "amount must have at most two decimal places")
    return value.quantize(CENT)


def parse_transaction(payload: Mapping[str, Any], maximum: Decimal) -> Transaction:
    """Validate the fields the processor needs; other fields are ignored, not stored."""
    return Transaction(
        transaction_id=identifier(payload, "transactionId"),
        customer_id=identifier(payload, "customerId"),
        amount=parse_amount(payload.get("amount"), maximum),
    )

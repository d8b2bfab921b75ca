"""Exactly one stored record per transaction id, in a table whose sort key is a timestamp.

The table's key is (transaction_id, timestamp) so the customer-index GSI can list a customer's
payments in time order. A conditional put on that key alone cannot stop a replay: the replay
carries a new timestamp, hence a new key. So each transaction is written as two items in one
DynamoDB transaction, both with `attribute_not_exists(transaction_id)`:

* an idempotency marker at (transaction_id, timestamp=0) that remembers the record's timestamp.
  Only one can ever exist per id, which is what makes the pair unique. It has no customer_id, so
  the GSI (sparse: it only holds items that have its key attributes) never sees it, and the
  customer's timeline holds real payments only;
* the transaction record at (transaction_id, <epoch milliseconds>), the item the GSI indexes.

The transaction commits both or neither, so there is never a marker without its record. A
replay fails the marker's condition, gets the marker back (ReturnValuesOnConditionCheckFailure)
and reads the original record. Readers of the base table that query by transaction id should
filter `item_type = "transaction"` (or `timestamp > 0`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from validation import Transaction, format_amount

MARKER_TIMESTAMP = 0
RECORD = "transaction"
MARKER = "idempotency_marker"
STATUS = "completed"
NOT_EXISTS = "attribute_not_exists(transaction_id)"
# Concurrent transactions on one marker make DynamoDB cancel all but one with TransactionConflict;
# after a short pause the retry sees the winner's marker and turns into a replay. Throttling
# inside a transaction also arrives as a cancellation, which the SDK does not retry by itself.
RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
WRITE_ATTEMPTS = 4
BACKOFF_SECONDS = 0.025


class LedgerBusy(Exception):
    """The write kept being cancelled by contention or throttling; the request is safe to retry."""


@dataclass(frozen=True)
class Record:
    """A stored transaction; responses and audit documents derive from it alone, so replays match."""

    transaction: Transaction
    timestamp: int
    request_id: str | None

    @property
    def processed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp // 1000, UTC).replace(microsecond=self.timestamp % 1000 * 1000)

    @property
    def processed_at_text(self) -> str:
        return self.processed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def body(self) -> dict[str, Any]:
        return {
            "transactionId": self.transaction.transaction_id,
            "customerId": self.transaction.customer_id,
            "amount": format_amount(self.transaction.amount),
            "status": STATUS,
            "timestamp": self.timestamp,
            "processedAt": self.processed_at_text,
        }

    def audit_key(self) -> str:
        """Fixed by the first write's date, so every replay, even days later, maps to the same key."""
        return f"transactions/{self.processed_at:%Y/%m/%d}/{self.transaction.transaction_id}.json"

    def item(self) -> dict[str, Any]:
        item = {
            "transaction_id": {"S": self.transaction.transaction_id},
            "timestamp": {"N": str(self.timestamp)},
            "item_type": {"S": RECORD},
            "customer_id": {"S": self.transaction.customer_id},
            "amount": {"N": format_amount(self.transaction.amount)},
            "status": {"S": STATUS},
            "processed_at": {"S": self.processed_at_text},
        }
        if self.request_id is not None:
            item["request_id"] = {"S": self.request_id}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Record:
        return cls(
            transaction=Transaction(
                transaction_id=item["transaction_id"]["S"],
                customer_id=item["customer_id"]["S"],
                amount=Decimal(item["amount"]["N"]),
            ),
            timestamp=int(item["timestamp"]["N"]),
            request_id=item.get("request_id", {}).get("S"),
        )


class Ledger:
    """The transactions table, written only through `record_once`."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def record_once(self, record: Record) -> tuple[Record, bool]:
        """Store `record` unless its transaction id exists: (stored record, whether it was new).

        The stored record may differ from `record`; telling a replay from a conflict is the
        caller's business.
        """
        marker = {
            "transaction_id": {"S": record.transaction.transaction_id},
            "timestamp": {"N": str(MARKER_TIMESTAMP)},
            "item_type": {"S": MARKER},
            "record_timestamp": {"N": str(record.timestamp)},
        }
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
            try:
                self._client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": self._table, "Item": marker, "ConditionExpression": NOT_EXISTS,
                             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                    {"Put": {"TableName": self._table, "Item": record.item(), "ConditionExpression": NOT_EXISTS}},
                ])
                return record, True
            except self._client.exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons", [])
                codes = [reason.get("Code") for reason in reasons]
                if codes and codes[0] == "ConditionalCheckFailed" and "Item" in reasons[0]:
                    return self._stored(record.transaction.transaction_id, reasons[0]["Item"]), False
                if RETRYABLE_CANCELLATIONS.isdisjoint(codes):
                    raise
        raise LedgerBusy(record.transaction.transaction_id)

    def _stored(self, transaction_id: str, marker: dict[str, Any]) -> Record:
        response = self._client.get_item(
            TableName=self._table,
            Key={"transaction_id": {"S": transaction_id}, "timestamp": marker["record_timestamp"]},
            ConsistentRead=True,
        )
        # The marker and its record commit together, so a missing record means someone deleted
        # it by hand: a fault for the operators, not a new payment to write.
        if "Item" not in response:
            raise LookupError(f"transaction {transaction_id} has an idempotency marker but no record")
        return Record.from_item(response["Item"])

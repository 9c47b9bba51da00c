"""Transaction rules: StartTransaction, StopTransaction and the MeterValues in between.

| rule | severity | what it demands |
|---|---|---|
| transaction.start_fields | violation | StartTransaction: connectorId > 0, integer meterStart |
| transaction.stop_id | violation | StopTransaction uses a transactionId the bench gave |
| transaction.meter_stop | violation | meterStop >= meterStart of the same transaction |
| transaction.meter_values_id | warning | MeterValues during a transaction carry its transactionId |
| transaction.meter_values_wrong_id | violation | ... and not another one |

A transaction runs on its connector from its StartTransaction CALL to the
StopTransaction CALL that names its id (or to the next StartTransaction on that
connector, for a transaction the station never stopped).

The checks see one run: a StopTransaction for a transaction started before it cannot be
judged against the ids of this run. One whose own times (its timestamp, the timestamps
of its transactionData) lie before the journal's first entry (less ``clock_tolerance_s``)
reports a transaction from before the run (a station delivering a StopTransaction it
queued while offline) and is not judged. Any other StopTransaction for an id this run
never gave is a ``transaction.stop_id`` finding, with the transactionId in the message to
look up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.conformance.values import parse_time, timestamps

V, W = Severity.VIOLATION, Severity.WARNING


@dataclass(slots=True)
class Transaction:
    """A transaction as the trace shows it: its start, the id the bench gave, its stop."""

    start: Exchange
    transaction_id: int | None
    stop: Exchange | None = None
    superseded_by: Exchange | None = None

    @property
    def connector_id(self) -> int:
        return int(self.start.payload["connectorId"])

    @property
    def meter_start(self) -> int:
        return int(self.start.payload["meterStart"])

    def active_at(self, entry_id: int) -> bool:
        """Whether the transaction runs at ``entry_id`` (after its start, before its end)."""
        if entry_id <= self.start.call.id:
            return False
        end = self.stop or self.superseded_by
        return end is None or entry_id < end.call.id

    @property
    def label(self) -> str:
        known = self.transaction_id if self.transaction_id is not None else "without id"
        return f"transaction {known} on connector {self.connector_id}"


def transactions(trace: StationTrace) -> list[Transaction]:
    """The transactions of a trace, from its schema-valid Start/StopTransaction CALLs."""
    found: list[Transaction] = []
    for exchange in trace.station_calls:
        if not exchange.valid:
            continue
        if exchange.action == "StartTransaction":
            for earlier in found:
                if (
                    earlier.connector_id == exchange.payload["connectorId"]
                    and earlier.stop is None
                    and earlier.superseded_by is None
                ):
                    earlier.superseded_by = exchange
            result = exchange.result or {}
            given = result.get("transactionId")
            found.append(Transaction(exchange, given if isinstance(given, int) else None))
        elif exchange.action == "StopTransaction":
            stopped = by_id(found, exchange.payload["transactionId"])
            if stopped is not None and stopped.stop is None:
                stopped.stop = exchange
    return found


def by_id(found: list[Transaction], transaction_id: object) -> Transaction | None:
    """The latest transaction the bench gave ``transaction_id``."""
    for transaction in reversed(found):
        if transaction.transaction_id == transaction_id:
            return transaction
    return None


def active(found: list[Transaction], connector_id: int, entry_id: int) -> Transaction | None:
    """The transaction running on ``connector_id`` at ``entry_id``, if any."""
    for transaction in reversed(found):
        if transaction.connector_id == connector_id and transaction.active_at(entry_id):
            return transaction
    return None


def meter_values_of(trace: StationTrace, transaction: Transaction) -> list[Exchange]:
    """The valid MeterValues CALLs of a transaction: those that carry its id, and those
    without an id sent for its connector while it ran."""
    found = []
    for exchange in trace.calls("MeterValues"):
        carried = exchange.payload.get("transactionId")
        if carried is None:
            ours = exchange.payload["connectorId"] == transaction.connector_id and (
                transaction.active_at(exchange.call.id)
            )
        else:
            ours = transaction.transaction_id is not None and carried == transaction.transaction_id
        if ours:
            found.append(exchange)
    return found


START_FIELDS = Rule(
    "transaction.start_fields",
    V,
    "OCPP 1.6 sections 4.8 and 6.45",
    "StartTransaction names the connector used (connectorId > 0) and the meter value in Wh "
    "at the start (meterStart, an integer)",
)
STOP_ID = Rule(
    "transaction.stop_id",
    V,
    "OCPP 1.6 sections 4.10 and 6.49",
    "StopTransaction carries the transactionId as received in a StartTransaction.conf",
)
METER_STOP = Rule(
    "transaction.meter_stop",
    V,
    "OCPP 1.6 sections 6.45 and 6.49",
    "meterStop (the energy meter in Wh at the stop) is not below the transaction's meterStart",
)
METER_VALUES_ID = Rule(
    "transaction.meter_values_id",
    W,
    "OCPP 1.6 sections 4.7 and 6.31",
    "MeterValues sent for a connector during its transaction carry that transactionId "
    '("the transaction to which these meter samples are related")',
)
METER_VALUES_WRONG_ID = Rule(
    "transaction.meter_values_wrong_id",
    V,
    "OCPP 1.6 sections 4.7 and 6.31",
    "The transactionId of MeterValues is the id of the transaction running on that connector",
)


def _start_fields(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.calls("StartTransaction", valid=False):
        payload = exchange.payload
        connector, meter = payload.get("connectorId"), payload.get("meterStart")
        problems = []
        if not isinstance(connector, int) or isinstance(connector, bool) or connector <= 0:
            problems.append(f"connectorId {connector!r} is not a connector > 0")
        if not isinstance(meter, int) or isinstance(meter, bool):
            problems.append(
                "meterStart is missing"
                if meter is None
                else f"meterStart {meter!r} is not an integer"
            )
        if problems:
            yield START_FIELDS.finding(
                trace.station, f"StartTransaction: {'; '.join(problems)}", exchange.call.id
            )


def _before_the_run(trace: StationTrace, stop: Exchange, settings: CheckSettings) -> bool:
    """Whether the StopTransaction reports a moment before the journal's first entry."""
    first = trace.entries[0] if trace.entries else None
    begun = parse_time(first.utc.replace("Z", "+00:00")) if first is not None else None
    moments = [parse_time(text) for _, text in timestamps(stop.payload)]
    known = [m for m in moments if m is not None]
    if begun is None or not known:
        return False
    return (begun - min(known)).total_seconds() > settings.clock_tolerance_s


def _stop_uses_given_id(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    given: set[int] = set()
    stops = {e.call.id for e in trace.calls("StopTransaction")}
    for exchange in trace.station_calls:
        if exchange.action == "StartTransaction" and exchange.result is not None:
            transaction_id = exchange.result.get("transactionId")
            if isinstance(transaction_id, int) and exchange.reply_id is not None:
                given.add(transaction_id)
        elif exchange.call.id in stops:
            transaction_id = exchange.payload["transactionId"]
            if transaction_id not in given and not _before_the_run(trace, exchange, settings):
                yield STOP_ID.finding(
                    trace.station,
                    f"StopTransaction for transactionId {transaction_id}, which no "
                    f"StartTransaction.conf gave (given so far: {sorted(given) or 'none'})",
                    exchange.call.id,
                )


def _meter_stop_not_below_start(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for transaction in transactions(trace):
        if transaction.stop is None:
            continue
        meter_stop = transaction.stop.payload["meterStop"]
        if meter_stop < transaction.meter_start:
            yield METER_STOP.finding(
                trace.station,
                f"{transaction.label}: meterStop {meter_stop} Wh is below meterStart "
                f"{transaction.meter_start} Wh",
                transaction.start.call.id,
                transaction.stop.call.id,
            )


def _meter_values_during(trace: StationTrace) -> Iterator[tuple[Exchange, Transaction]]:
    found = transactions(trace)
    for exchange in trace.calls("MeterValues"):
        running = active(found, exchange.payload["connectorId"], exchange.call.id)
        if running is not None:
            yield exchange, running


def _meter_values_carry_id(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, running in _meter_values_during(trace):
        if "transactionId" not in exchange.payload:
            yield METER_VALUES_ID.finding(
                trace.station,
                f"MeterValues during {running.label} without a transactionId",
                running.start.call.id,
                exchange.call.id,
            )


def _meter_values_right_id(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, running in _meter_values_during(trace):
        carried = exchange.payload.get("transactionId")
        known = running.transaction_id
        if carried is not None and known is not None and carried != known:
            yield METER_VALUES_WRONG_ID.finding(
                trace.station,
                f"MeterValues during {running.label} carry transactionId {carried}",
                running.start.call.id,
                exchange.call.id,
            )


def duration_s(transaction: Transaction) -> float | None:
    """Seconds between the start and stop timestamps the station gave, if both parse."""
    if transaction.stop is None:
        return None
    begin = parse_time(transaction.start.payload.get("timestamp"))
    end = parse_time(transaction.stop.payload.get("timestamp"))
    if begin is None or end is None:
        return None
    return (end - begin).total_seconds()


CHECKS = (
    Check(START_FIELDS, _start_fields),
    Check(STOP_ID, _stop_uses_given_id),
    Check(METER_STOP, _meter_stop_not_below_start),
    Check(METER_VALUES_ID, _meter_values_carry_id),
    Check(METER_VALUES_WRONG_ID, _meter_values_right_id),
)

"""Metering rules: the energy register and the reading contexts of sampled values.

| rule | severity | what it demands |
|---|---|---|
| meter.energy_register | violation | the energy register never goes back per connector |
| meter.context_transaction | violation | Transaction.Begin / End only at a start / a stop |
| meter.context_periodic | warning | Sample.Periodic on a connector > 0 only during a transaction |
| meter.context_clock | warning | Sample.Clock timestamps sit on the ClockAlignedDataInterval grid |
| meter.context_trigger | warning | Trigger samples only after a TriggerMessage for MeterValues |

Energy readings come from meterStart / meterStop (Wh, OCPP 1.6 sections 6.45 and 6.49),
MeterValues and StopTransaction.transactionData (Wh or kWh per the ``unit`` of each
sampled value). They are compared in the order of their timestamps, so the samples a
StopTransaction repeats from earlier in the transaction are not taken for a step back.

Sample.Clock values are kept out of the comparisons with other readings: section 3.16.2
has clock-aligned data sent at the end of an interval "bearing the interval start time
timestamp", so its timestamp is not when it was read. Clock-aligned register readings
are compared among themselves, and they are not held to the Begin / End order.

meterStart and meterStop are integers (sections 6.45 and 6.49: "meterStart: integer",
"meterStop: integer", in Wh), while a sampled value may have decimals (section 7,
SampledValue: a string; 81.26 Wh). A station that samples 81.26 Wh and stops with
meterStop 81 rounds (or truncates) to the integer the field demands: a step down of less
than 1 Wh between such an integer and a sampled value, either way round, is not the
register going back. A step of 1 Wh or more is.

A MeterValues without a transactionId belongs to a transaction of its connector when it
arrives while the transaction runs, or when its sample was taken (timestamp) between the
transaction's start and stop timestamps, within ``clock_tolerance_s``: a station may send
the last samples of a transaction just after its StopTransaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.conformance.transactions import (
    Transaction,
    active,
    by_id,
    meter_values_of,
    transactions,
)
from chargecheck.conformance.values import (
    CLOCK,
    PERIODIC,
    TRIGGER,
    TX_BEGIN,
    TX_END,
    KeyHistory,
    Sample,
    parse_time,
    samples,
)

V, W = Severity.VIOLATION, Severity.WARNING

ENERGY_REGISTER = Rule(
    "meter.energy_register",
    V,
    "OCPP 1.6 section 7 (Measurand); sections 6.45, 6.49",
    "The Energy.Active.Import.Register reading of a connector never decreases over time "
    "(meterStart, MeterValues, transactionData, meterStop; Wh and kWh converted)",
)
CONTEXT_TRANSACTION = Rule(
    "meter.context_transaction",
    V,
    "OCPP 1.6 section 7 (ReadingContext)",
    "Transaction.Begin is a value taken at the start of a transaction and Transaction.End "
    "one taken at its end: no such sample outside a transaction, none of the transaction's "
    "other samples before its Begin or after its End",
)
CONTEXT_PERIODIC = Rule(
    "meter.context_periodic",
    W,
    "OCPP 1.6 sections 3.16.1 and 9.1 (MeterValueSampleInterval)",
    "Sample.Periodic data of a connector > 0 is charging-session data, sampled from the "
    "start of a transaction",
)
CONTEXT_CLOCK = Rule(
    "meter.context_clock",
    W,
    "OCPP 1.6 sections 3.16.2 and 9.1 (ClockAlignedDataInterval)",
    "Sample.Clock values bear the start time of an interval of ClockAlignedDataInterval "
    "seconds counted from midnight; none is sent when that interval is 0",
)
CONTEXT_TRIGGER = Rule(
    "meter.context_trigger",
    W,
    "OCPP 1.6 section 7 (ReadingContext); section 5.17",
    "A Trigger value is taken in response to a TriggerMessage.req for MeterValues",
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One energy register reading, with where it came from."""

    moment: datetime
    wh: float
    entry_id: int
    source: str

    @property
    def integer(self) -> bool:
        """Whether the reading comes from an integer field (meterStart, meterStop)."""
        return self.source in _INTEGER_SOURCES


_INTEGER_SOURCES = frozenset({"meterStart", "meterStop"})


def went_back(before: Reading, after: Reading) -> bool:
    """Whether ``after`` is a step back from ``before``: any decrease between two sampled
    values, but a decrease of 1 Wh or more when either is an integer field (rounding)."""
    if before.integer != after.integer:
        return before.wh - after.wh >= 1.0
    return after.wh < before.wh


# connector, phase, location (None: the outlet), clock-aligned or not
_Key = tuple[int, str | None, str | None, bool]


def _energy_readings(trace: StationTrace) -> dict[_Key, list[Reading]]:
    """Energy register readings per connector, phase and location, in journal order."""
    found = transactions(trace)
    readings: dict[_Key, list[Reading]] = {}
    for exchange in trace.station_calls:
        if not exchange.valid:
            continue
        payload, entry_id = exchange.payload, exchange.call.id
        moment = parse_time(payload.get("timestamp"))
        if exchange.action == "StartTransaction" and moment is not None:
            reading = Reading(moment, payload["meterStart"], entry_id, "meterStart")
            readings.setdefault((payload["connectorId"], None, None, False), []).append(reading)
        elif exchange.action == "StopTransaction":
            stopped = by_id(found, payload["transactionId"])
            if stopped is None:
                continue
            for sample in samples(payload.get("transactionData")):
                _add_sample(readings, stopped.connector_id, sample, entry_id, "transactionData")
            if moment is not None:
                reading = Reading(moment, payload["meterStop"], entry_id, "meterStop")
                readings.setdefault((stopped.connector_id, None, None, False), []).append(reading)
        elif exchange.action == "MeterValues":
            for sample in samples(payload["meterValue"]):
                _add_sample(readings, payload["connectorId"], sample, entry_id, "MeterValues")
    return readings


def _add_sample(
    readings: dict[_Key, list[Reading]],
    connector: int,
    sample: Sample,
    entry_id: int,
    source: str,
) -> None:
    wh = sample.energy_wh
    if wh is not None and sample.timestamp is not None:
        location = sample.location if sample.location != "Outlet" else None
        key = (connector, sample.phase, location, sample.context == CLOCK)
        readings.setdefault(key, []).append(Reading(sample.timestamp, wh, entry_id, source))


def _register_never_decreases(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for (connector, phase, location, clock), readings in _energy_readings(trace).items():
        ordered = sorted(readings, key=lambda r: r.moment)  # stable: journal order on ties
        for before, after in itertools.pairwise(ordered):
            if went_back(before, after):
                kind = "Sample.Clock " if clock else ""
                where = "".join(f" {part}" for part in (phase, location) if part)
                yield ENERGY_REGISTER.finding(
                    trace.station,
                    f"connector {connector}{where}: {kind}energy register went back from "
                    f"{before.wh:g} Wh ({before.source} at {before.moment.isoformat()}) to "
                    f"{after.wh:g} Wh ({after.source} at {after.moment.isoformat()})",
                    before.entry_id,
                    after.entry_id,
                )


def _transaction_samples(
    trace: StationTrace, transaction: Transaction
) -> Iterator[tuple[Sample, int]]:
    """The samples of one transaction with their entry ids: its MeterValues and transactionData."""
    for exchange in meter_values_of(trace, transaction):
        for sample in samples(exchange.payload["meterValue"]):
            yield sample, exchange.call.id
    if transaction.stop is not None:
        for sample in samples(transaction.stop.payload.get("transactionData")):
            yield sample, transaction.stop.call.id


def _meter_values_outside(
    trace: StationTrace, settings: CheckSettings
) -> Iterator[tuple[Exchange, Sample]]:
    """Samples of MeterValues that belong to no transaction: without a transactionId,
    sent while none ran on the connector, and taken outside the span of each of them."""
    found = transactions(trace)
    for exchange in trace.calls("MeterValues"):
        payload = exchange.payload
        connector = payload["connectorId"]
        if "transactionId" in payload or active(found, connector, exchange.call.id):
            continue
        for sample in samples(payload["meterValue"]):
            if not any(
                t.connector_id == connector and _taken_during(t, sample, settings) for t in found
            ):
                yield exchange, sample


def _taken_during(transaction: Transaction, sample: Sample, settings: CheckSettings) -> bool:
    """Whether the sample's timestamp lies between the transaction's start and stop
    timestamps (within the clock tolerance)."""
    if transaction.stop is None or sample.timestamp is None:
        return False
    begin = parse_time(transaction.start.payload.get("timestamp"))
    end = parse_time(transaction.stop.payload.get("timestamp"))
    if begin is None or end is None:
        return False
    slack = timedelta(seconds=settings.clock_tolerance_s)
    return begin - slack <= sample.timestamp <= end + slack


def _begin_end_in_place(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, sample in _meter_values_outside(trace, settings):
        if sample.context in (TX_BEGIN, TX_END):
            yield CONTEXT_TRANSACTION.finding(
                trace.station,
                f"MeterValues on connector {exchange.payload['connectorId']} outside any "
                f"transaction has a {sample.context} sample",
                exchange.call.id,
            )
    for transaction in transactions(trace):
        yield from _begin_end_of(trace, transaction)


def _begin_end_of(trace: StationTrace, transaction: Transaction) -> Iterator[Finding]:
    timed = [
        (s.timestamp, s, e) for s, e in _transaction_samples(trace, transaction) if s.timestamp
    ]
    others = [(at, s, e) for at, s, e in timed if s.context not in (TX_BEGIN, TX_END, CLOCK)]
    for moment, sample, entry_id in timed:
        if sample.context == TX_BEGIN:
            wrong = [(s, e) for at, s, e in others if at < moment]
        elif sample.context == TX_END:
            wrong = [(s, e) for at, s, e in others if at > moment]
        else:
            continue
        if wrong:
            other, other_id = wrong[0]
            order = "before" if sample.context == TX_BEGIN else "after"
            yield CONTEXT_TRANSACTION.finding(
                trace.station,
                f"{transaction.label}: a {other.context} sample is {order} its "
                f"{sample.context} sample ({moment.isoformat()})",
                entry_id,
                other_id,
            )
            return


def _periodic_in_transactions(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    reported: set[int] = set()
    for exchange, sample in _meter_values_outside(trace, settings):
        connector = exchange.payload["connectorId"]
        if sample.context == PERIODIC and connector > 0 and exchange.call.id not in reported:
            reported.add(exchange.call.id)
            yield CONTEXT_PERIODIC.finding(
                trace.station,
                f"Sample.Periodic MeterValues on connector {connector} outside any transaction",
                exchange.call.id,
            )


def _clock_samples_aligned(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    history = KeyHistory(trace, "ClockAlignedDataInterval")
    for exchange in trace.calls("MeterValues"):
        interval = history.int_at(exchange.call.id)
        if interval is None:
            continue
        for sample in samples(exchange.payload["meterValue"]):
            if sample.context != CLOCK or sample.timestamp is None:
                continue
            problem = _off_grid(sample.timestamp, interval, settings.clock_tolerance_s)
            if problem:
                yield CONTEXT_CLOCK.finding(
                    trace.station,
                    f"Sample.Clock at {sample.timestamp.isoformat()} on connector "
                    f"{exchange.payload['connectorId']}: {problem}",
                    exchange.call.id,
                )
                break


def _off_grid(moment: datetime, interval: int, tolerance: float) -> str | None:
    if interval <= 0:
        return "ClockAlignedDataInterval is 0, so no clock-aligned data is due"
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (moment - midnight).total_seconds() % interval
    if min(offset, interval - offset) > tolerance:
        return f"{offset:.1f} s past a {interval} s boundary counted from midnight"
    return None


def trigger_requests(trace: StationTrace) -> list[Exchange]:
    """The bench's TriggerMessage(MeterValues) CALLs the station Accepted, in order."""
    return [
        e
        for e in trace.commands("TriggerMessage")
        if e.payload.get("requestedMessage") == "MeterValues"
        and (e.result or {}).get("status") == "Accepted"
    ]


def triggered_meter_values(trace: StationTrace) -> Iterator[Exchange]:
    """Valid MeterValues CALLs with at least one Trigger sample."""
    for exchange in trace.calls("MeterValues"):
        if any(s.context == TRIGGER for s in samples(exchange.payload["meterValue"])):
            yield exchange


def asked_before(requests: list[Exchange], exchange: Exchange, after_id: int = 0) -> list[Exchange]:
    """The requests that may have asked for MeterValues ``exchange``: sent before it (and
    after entry ``after_id``) on its connection, for its connector or for every one."""
    connector = exchange.payload["connectorId"]
    return [
        r
        for r in requests
        if r.call.connection == exchange.call.connection
        and after_id < r.call.id < exchange.call.id
        and r.payload.get("connectorId", connector) == connector
    ]


def _trigger_after_request(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    requests = trigger_requests(trace)
    for exchange in triggered_meter_values(trace):
        connector = exchange.payload["connectorId"]
        if not asked_before(requests, exchange):
            yield CONTEXT_TRIGGER.finding(
                trace.station,
                f"Trigger MeterValues on connector {connector} without an accepted "
                f"TriggerMessage for MeterValues before it",
                exchange.call.id,
            )


CHECKS = (
    Check(ENERGY_REGISTER, _register_never_decreases),
    Check(CONTEXT_TRANSACTION, _begin_end_in_place),
    Check(CONTEXT_PERIODIC, _periodic_in_transactions),
    Check(CONTEXT_CLOCK, _clock_samples_aligned),
    Check(CONTEXT_TRIGGER, _trigger_after_request),
)

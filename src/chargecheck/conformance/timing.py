"""Timing rules: heartbeats, sampled meter intervals, timestamps and the station's clock.

| rule | severity | what it demands |
|---|---|---|
| timing.heartbeat_late | warning | the station is never silent longer than HeartbeatInterval |
| timing.heartbeat_early | note | Heartbeats not much more often than HeartbeatInterval |
| timing.meter_interval | warning | Sample.Periodic MeterValues every MeterValueSampleInterval |
| timing.timestamp_utc | warning | timestamps in UTC (``Z`` or ``+00:00``) |
| timing.clock_future | warning | no timestamp ahead of the bench's clock beyond the tolerance |
| timing.clock_behind | warning | a Trigger sample not stamped before the request for it |

What counts as "alive". OCPP 1.6 section 4.6: "The Charge Point MAY skip sending a
Heartbeat.req PDU when another PDU has been sent to the Central System within the
configured heartbeat interval. This implies that a Central System SHOULD assume
availability of a Charge Point whenever a PDU has been received", and section 9.1
defines HeartbeatInterval as the "interval of inactivity (no OCPP exchanges) with
central system after which the Charge Point should send a Heartbeat.req". So every
message from the station (a CALL or a reply) restarts the count; traffic from the bench
alone does not. Section 4.6 also says that over JSON "sending heartbeats is not
mandatory", hence a warning, not a violation. The interval in force is the larger of
the values at the start and at the end of a silence (a BootNotification result, an
Accepted ChangeConfiguration or a GetConfiguration report), so a change in mid-silence
never makes a station late. A silence ends with the next station message, the close of
the connection, or the last entry of the journal. A silence after a BootNotification
answered Pending or Rejected is not judged: section 4.2 has the station then send no
request unasked ("SHALL NOT send request messages", Pending; "SHALL NOT send any OCPP
message ... until the retry interval expires", Rejected) until it boots again.

Sampled intervals are measured on the timestamps the station put on its samples, not
on arrival times, so that a batch sent after an offline period is judged by when it
was sampled; they are held to the MeterValueSampleInterval in force during the
transaction (any value it had from the start to the stop, when the bench changed it in
between). How long a transaction ran is measured the same way, from the timestamp of its
StartTransaction to that of its StopTransaction (sections 6.45 and 6.49): a StopTransaction
queued offline and sent after a reconnect arrives long after the stop it reports. A
transaction shorter than two intervals (and the tolerance) has no missing sample to show.

The clock. OCPP 1.6 has no clock-accuracy requirement (the Central System hands out its
time in BootNotification and Heartbeat results, section 4.2 "RECOMMENDED to synchronize"),
so clock findings are warnings. A timestamp later than its receipt (``clock_future``) is
always a clock fault: no message reports a moment that has not come yet. A timestamp
earlier than its receipt proves nothing by itself, because no timestamp of a 1.6 station
message is the time of sending: StatusNotification.timestamp is "the time for which the
status is reported" (section 6.47; a status that took effect while offline, or was held
back for MinimumStatusDuration, is reported later with its own time), StartTransaction,
StopTransaction and MeterValues carry the times of the start, the stop and the samples
and may be queued offline, Sample.Clock values bear their interval's start (3.16.2), and
Heartbeat and BootNotification carry no time (the Central System's currentTime is in their
answers). The one lower bound the trace gives is a Trigger sample: section 7 defines it as
a "value taken in response to a TriggerMessage.req", so it was taken after the bench sent
that request; ``clock_behind`` judges those samples against the send time of the earliest
Accepted TriggerMessage(MeterValues) they may answer.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator
from datetime import datetime

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.metering import (
    asked_before,
    trigger_requests,
    triggered_meter_values,
)
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import CLOSE, CONNECT, StationTrace
from chargecheck.conformance.transactions import (
    Transaction,
    duration_s,
    meter_values_of,
    transactions,
)
from chargecheck.conformance.values import (
    PERIODIC,
    TRIGGER,
    KeyHistory,
    is_utc,
    parse_time,
    samples,
    timestamps,
)
from chargecheck.journal.store import FRAME_IN, Entry

W, N = Severity.WARNING, Severity.NOTE

HEARTBEAT_LATE = Rule(
    "timing.heartbeat_late",
    W,
    "OCPP 1.6 sections 4.6 and 9.1 (HeartbeatInterval)",
    "After HeartbeatInterval seconds without a message, the Charge Point sends a Heartbeat",
)
HEARTBEAT_EARLY = Rule(
    "timing.heartbeat_early",
    N,
    "OCPP 1.6 sections 4.6 and 9.1 (HeartbeatInterval)",
    "Heartbeats come about every HeartbeatInterval seconds, not much more often",
)
METER_INTERVAL = Rule(
    "timing.meter_interval",
    W,
    "OCPP 1.6 sections 3.16.1 and 9.1 (MeterValueSampleInterval)",
    "During a transaction, Sample.Periodic values are sampled every MeterValueSampleInterval "
    "seconds; none when it is 0",
)
TIMESTAMP_UTC = Rule(
    "timing.timestamp_utc",
    W,
    "OCPP 1.6 section 3.14",
    'Time values are in UTC: "it is strongly recommended to use UTC for all time values"',
)
CLOCK_FUTURE = Rule(
    "timing.clock_future",
    W,
    "OCPP 1.6 sections 3.14, 4.2 and 4.6",
    "No timestamp is later than the Central System's time of receipt, within the tolerance",
)
CLOCK_BEHIND = Rule(
    "timing.clock_behind",
    W,
    "OCPP 1.6 sections 4.2, 5.17 and 7 (ReadingContext Trigger)",
    "A value taken in response to a TriggerMessage is not stamped earlier than the Central "
    "System sent that TriggerMessage, within the tolerance",
)


def _silences(trace: StationTrace) -> Iterator[tuple[int, Entry, Entry]]:
    """(connection, last station message, what ended the silence) for every gap."""
    connection, last = 0, None
    for entry in trace.entries:
        if entry.kind == CONNECT:
            connection, last = connection + 1, None
        elif entry.kind == FRAME_IN:
            if last is not None:
                yield connection, last, entry
            last = entry
        elif entry.kind == CLOSE and last is not None:
            yield connection, last, entry
            last = None
    end = trace.last_entry
    if last is not None and end is not None and end is not last:
        yield connection, last, end


def _unregistered(trace: StationTrace) -> set[int]:
    """Ids of the station frames sent while its last BootNotification on the connection was
    answered Pending or Rejected (section 4.2: no request unasked then)."""
    refused = {
        e.call.id: (e.result or {}).get("status") != "Accepted"
        for e in trace.calls("BootNotification", valid=False)
        if e.result is not None
    }
    quiet, found = False, set()
    for entry in trace.entries:
        if entry.kind == CONNECT:
            quiet = False
        elif entry.kind == FRAME_IN:
            quiet = refused.get(entry.id, quiet)
            if quiet:
                found.add(entry.id)
    return found


def _heartbeat_not_late(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    history = KeyHistory(trace, "HeartbeatInterval")
    unregistered = _unregistered(trace)
    late: dict[int, list[tuple[float, int, Entry, Entry]]] = {}
    for connection, start, end in _silences(trace):
        if start.id in unregistered:
            continue
        known = [v for v in (history.int_at(start.id + 1), history.int_at(end.id)) if v]
        interval = max(known, default=0)
        silence = end.mono - start.mono
        if interval > 0 and silence > interval * (1 + settings.heartbeat_tolerance):
            late.setdefault(connection, []).append((silence, interval, start, end))
    for connection, gaps in late.items():
        silence, interval, start, end = max(gaps, key=lambda gap: gap[0])
        yield HEARTBEAT_LATE.finding(
            trace.station,
            f"connection {connection}: {len(gaps)} silence(s) longer than HeartbeatInterval "
            f"{interval} s (+{settings.heartbeat_tolerance:.0%}), worst {silence:.1f} s",
            start.id,
            end.id,
        )


def _heartbeat_not_early(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    history = KeyHistory(trace, "HeartbeatInterval")
    triggers = [
        e.call.id
        for e in trace.commands("TriggerMessage")
        if e.payload.get("requestedMessage") == "Heartbeat"
    ]
    beats = trace.calls("Heartbeat", valid=False)
    early: dict[int, list[tuple[float, int, int, int]]] = {}
    measured: dict[int, list[float]] = {}
    for before, after in itertools.pairwise(beats):
        connection = after.call.connection
        if before.call.connection != connection:
            continue
        if any(before.call.id < t < after.call.id for t in triggers):
            continue
        gap = after.call.mono - before.call.mono
        measured.setdefault(connection, []).append(gap)
        known = [v for v in (history.int_at(before.call.id), history.int_at(after.call.id)) if v]
        interval = min(known, default=0)
        if interval > 0 and gap < interval * (1 - settings.heartbeat_tolerance):
            early.setdefault(connection, []).append((gap, interval, before.call.id, after.call.id))
    for connection, gaps in early.items():
        gap, interval, first, second = min(gaps)
        mean = statistics.fmean(measured[connection])
        yield HEARTBEAT_EARLY.finding(
            trace.station,
            f"connection {connection}: {len(gaps)} Heartbeat(s) sooner than HeartbeatInterval "
            f"{interval} s (-{settings.heartbeat_tolerance:.0%}); shortest {gap:.1f} s, "
            f"mean of all Heartbeat intervals {mean:.1f} s",
            first,
            second,
        )


def _periodic_moments(trace: StationTrace, transaction: Transaction) -> list[tuple[datetime, int]]:
    """Distinct Sample.Periodic timestamps of one transaction's MeterValues, sorted."""
    moments: dict[datetime, int] = {}
    for exchange in meter_values_of(trace, transaction):
        for sample in samples(exchange.payload["meterValue"]):
            if sample.context == PERIODIC and sample.timestamp is not None:
                moments.setdefault(sample.timestamp, exchange.call.id)
    return sorted(moments.items())


def _meter_interval_kept(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    history = KeyHistory(trace, "MeterValueSampleInterval")
    sampled_data = KeyHistory(trace, "MeterValuesSampledData")
    last = trace.last_entry.id + 1 if trace.last_entry else 0
    for transaction in transactions(trace):
        start = transaction.start.call.id
        if history.int_at(start) is None:
            continue
        end = transaction.stop.call.id if transaction.stop else last
        intervals = sorted(set(history.ints_between(start, end)))
        moments = _periodic_moments(trace, transaction)
        if intervals == [0]:
            if moments:
                yield METER_INTERVAL.finding(
                    trace.station,
                    f"{transaction.label}: {len(moments)} Sample.Periodic value(s) although "
                    f"MeterValueSampleInterval is 0",
                    start,
                    moments[0][1],
                )
            continue
        if 0 in intervals:
            continue  # sampling switched on or off during the transaction
        if moments:
            yield from _gaps_off(trace, transaction, moments, intervals, settings)
        elif sampled_data.value_at(start) != "":
            yield from _none_sampled(trace, transaction, intervals, settings)


def _interval_text(intervals: list[int]) -> str:
    return " / ".join(f"{i} s" for i in intervals)


def _gaps_off(
    trace: StationTrace,
    transaction: Transaction,
    moments: list[tuple[datetime, int]],
    intervals: list[int],
    settings: CheckSettings,
) -> Iterator[Finding]:
    """A finding if a gap between samples is off every interval in force (a gap that
    spans a change of interval may be anything between them)."""
    tolerance = settings.meter_interval_tolerance
    low, high = intervals[0] * (1 - tolerance), intervals[-1] * (1 + tolerance)
    gaps = [
        ((b - a).total_seconds(), a_id, b_id)
        for (a, a_id), (b, b_id) in itertools.pairwise(moments)
    ]
    if all(low <= gap <= high for gap, _, _ in gaps):
        return
    values = [gap for gap, _, _ in gaps]
    worst, a_id, b_id = max(gaps, key=lambda g: max(low - g[0], g[0] - high))
    yield METER_INTERVAL.finding(
        trace.station,
        f"{transaction.label}: {len(values)} Sample.Periodic intervals against "
        f"MeterValueSampleInterval {_interval_text(intervals)} (±{tolerance:.0%}): mean "
        f"{statistics.fmean(values):.1f} s, jitter {statistics.pstdev(values):.1f} s, "
        f"worst {worst:.1f} s",
        a_id,
        b_id,
    )


def _none_sampled(
    trace: StationTrace, transaction: Transaction, intervals: list[int], settings: CheckSettings
) -> Iterator[Finding]:
    lasted = _lasted(trace, transaction)
    if lasted > 2 * intervals[-1] * (1 + settings.meter_interval_tolerance):
        yield METER_INTERVAL.finding(
            trace.station,
            f"{transaction.label}: no Sample.Periodic MeterValues in {lasted:.0f} s "
            f"(MeterValueSampleInterval {_interval_text(intervals)})",
            transaction.start.call.id,
            transaction.stop.call.id if transaction.stop else None,
        )


def _lasted(trace: StationTrace, transaction: Transaction) -> float:
    """Seconds the transaction ran: from its start to its stop timestamp (the station's own
    times: either message may have been queued offline); for one not stopped in the
    journal, from its StartTransaction to the station's last message."""
    if transaction.stop is not None:
        span = duration_s(transaction)
        if span is not None:
            return span
        end: Entry | None = transaction.stop.call.entry
    else:
        end = next((e for e in reversed(trace.entries) if e.kind == FRAME_IN), None)
    return end.mono - transaction.start.call.mono if end is not None else 0.0


def _stamped(trace: StationTrace) -> Iterator[tuple[Entry, str, str, datetime]]:
    """(frame entry, action, path, parsed time) of every timestamp in valid station CALLs."""
    for exchange in trace.station_calls:
        if not exchange.valid:
            continue
        for path, text in timestamps(exchange.payload):
            moment = parse_time(text)
            if moment is not None:
                yield exchange.call.entry, exchange.action, path, moment


def _timestamps_in_utc(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    offenders: dict[int, tuple[str, str, datetime]] = {}
    for entry, action, path, moment in _stamped(trace):
        if not is_utc(moment):
            offenders.setdefault(entry.id, (action, path, moment))
    if offenders:
        action, path, moment = next(iter(offenders.values()))
        yield TIMESTAMP_UTC.finding(
            trace.station,
            f"{len(offenders)} message(s) with timestamps not in UTC, first {action} "
            f"{path} = {moment.isoformat()}",
            *offenders,
        )


def _offsets(trace: StationTrace) -> Iterator[tuple[Entry, str, float]]:
    """(frame entry, action, newest timestamp minus the bench's time of receipt in s)."""
    newest: dict[int, tuple[Entry, str, datetime]] = {}
    for entry, action, _, moment in _stamped(trace):
        kept = newest.get(entry.id)
        if kept is None or moment > kept[2]:
            newest[entry.id] = (entry, action, moment)
    for entry, action, moment in newest.values():
        received = parse_time(entry.utc.replace("Z", "+00:00"))
        if received is not None:
            yield entry, action, (moment - received).total_seconds()


def _clock_not_ahead(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    ahead = [(e, a, o) for e, a, o in _offsets(trace) if o > settings.clock_tolerance_s]
    if ahead:
        entry, action, offset = max(ahead, key=lambda found: found[2])
        yield CLOCK_FUTURE.finding(
            trace.station,
            f"{len(ahead)} message(s) stamped ahead of the bench's clock by more than "
            f"{settings.clock_tolerance_s:g} s, worst {action} by {offset:.1f} s",
            entry.id,
            *(e.id for e, _, _ in ahead),
        )


def _trigger_offsets(trace: StationTrace) -> Iterator[tuple[Entry, Entry, float]]:
    """(MeterValues entry, TriggerMessage entry, earliest Trigger sample time minus the time
    the bench sent the earliest request it may answer, in s) per triggered MeterValues.

    A request is one it may answer if it came after the previous triggered MeterValues of
    the same connector: that one answered an earlier request.
    """
    requests = trigger_requests(trace)
    answered: dict[tuple[int, int], int] = {}  # (connection, connector) -> last MeterValues id
    for exchange in triggered_meter_values(trace):
        key = (exchange.call.connection, exchange.payload["connectorId"])
        asked = asked_before(requests, exchange, answered.get(key, 0))
        answered[key] = exchange.call.id
        sent = parse_time(asked[0].call.entry.utc.replace("Z", "+00:00")) if asked else None
        taken = [
            s.timestamp
            for s in samples(exchange.payload["meterValue"])
            if s.context == TRIGGER and s.timestamp is not None
        ]
        if sent is not None and taken:
            yield exchange.call.entry, asked[0].call.entry, (min(taken) - sent).total_seconds()


def _clock_not_behind(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    behind = [(e, t, o) for e, t, o in _trigger_offsets(trace) if o < -settings.clock_tolerance_s]
    if behind:
        entry, trigger, offset = min(behind, key=lambda found: found[2])
        yield CLOCK_BEHIND.finding(
            trace.station,
            f"{len(behind)} Trigger MeterValues stamped earlier than the TriggerMessage "
            f"that asked for them by more than {settings.clock_tolerance_s:g} s, worst by "
            f"{-offset:.1f} s",
            trigger.id,
            entry.id,
            *(e.id for e, _, _ in behind),
        )


CHECKS = (
    Check(HEARTBEAT_LATE, _heartbeat_not_late),
    Check(HEARTBEAT_EARLY, _heartbeat_not_early),
    Check(METER_INTERVAL, _meter_interval_kept),
    Check(TIMESTAMP_UTC, _timestamps_in_utc),
    Check(CLOCK_FUTURE, _clock_not_ahead),
    Check(CLOCK_BEHIND, _clock_not_behind),
)

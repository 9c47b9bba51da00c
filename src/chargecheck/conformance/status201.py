"""Connector status rules of OCPP 2.0.1: the status model of part 2, block G (G01) and the
boot (B01), over a station's trace.

| rule | severity | what it demands |
|---|---|---|
| status201.after_boot | violation | after an Accepted boot every connector's state is reported |

A connector's state is reported by a StatusNotification (evseId, connectorId) or by a
NotifyEvent of the component Connector (its evse.id and connectorId), variable
AvailabilityState (G01.FR.03 and the others allow either). The connectors judged are those
the station reports anywhere in the trace. A boot, for this rule, is a BootNotification the
station sent of its own accord and the bench Accepted (not one a TriggerMessage asked for);
it is judged only when its connection lasted ``CheckSettings.call_timeout`` seconds after
it (or a later boot came): a connection that ended sooner gave the station no time.
"""

from __future__ import annotations

from collections.abc import Iterator

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.status import triggered_boots
from chargecheck.conformance.trace import Exchange, StationTrace

AFTER_BOOT = Rule(
    "status201.after_boot",
    Severity.VIOLATION,
    "OCPP 2.0.1 part 2, B01.FR.05; G01",
    "After a BootNotification answered Accepted the station reports the state of every "
    "connector (StatusNotification, or NotifyEvent of Connector.AvailabilityState)",
)

Connector = tuple[int, int]


def connectors_reported(exchange: Exchange) -> set[Connector]:
    """The (evseId, connectorId) pairs a station CALL reports the state of."""
    if not exchange.valid:
        return set()
    payload = exchange.payload
    if exchange.action == "StatusNotification":
        return {(payload["evseId"], payload["connectorId"])}
    found: set[Connector] = set()
    if exchange.action == "NotifyEvent":
        for event in payload.get("eventData") or []:
            component = event.get("component") or {}
            evse = component.get("evse") or {}
            variable = (event.get("variable") or {}).get("name")
            if (
                str(component.get("name", "")).lower() == "connector"
                and variable == "AvailabilityState"
                and "id" in evse
                and "connectorId" in evse
            ):
                found.add((evse["id"], evse["connectorId"]))
    return found


def _after_boot(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    if trace.version != "2.0.1":  # a 1.6 StatusNotification names no EVSE
        return
    every: set[Connector] = set()
    for exchange in trace.station_calls:
        every |= connectors_reported(exchange)
    if not every:
        return
    triggered = triggered_boots(trace, settings)
    boots = [
        e
        for e in trace.calls("BootNotification")
        if e.call.id not in triggered and (e.result or {}).get("status") == "Accepted"
    ]
    last_mono = trace.last_entry.mono if trace.last_entry is not None else 0.0
    for n, boot in enumerate(boots):
        later = boots[n + 1] if n + 1 < len(boots) else None
        same = [
            e
            for e in trace.station_calls
            if e.call.connection == boot.call.connection
            and e.call.id > boot.call.id
            and (later is None or e.call.id < later.call.id)
        ]
        window_end = boot.call.mono + settings.call_timeout
        closed = _closed_at(trace, boot)
        lasted = (closed if closed is not None else last_mono) >= window_end or (
            later is not None and later.call.connection == boot.call.connection
        )
        if not lasted:
            continue
        seen: set[Connector] = set()
        for exchange in same:
            if exchange.call.mono <= window_end:
                seen |= connectors_reported(exchange)
        missing = sorted(every - seen)
        if missing:
            shown = ", ".join(f"EVSE {e} connector {c}" for e, c in missing)
            yield AFTER_BOOT.finding(
                trace.station,
                f"{shown}: not reported within {settings.call_timeout:g} s of the boot",
                boot.call.id,
            )


def _closed_at(trace: StationTrace, boot: Exchange) -> float | None:
    """When the boot's connection closed (the bench's clock), None if it did not."""
    for entry in trace.events("close"):
        if entry.id > boot.call.id and entry.detail.get("connection") in (
            None,
            boot.call.connection,
        ):
            return entry.mono
    return None


CHECKS = (Check(AFTER_BOOT, _after_boot, frozenset({"2.0.1"})),)

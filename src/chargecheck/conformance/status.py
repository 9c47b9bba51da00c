"""Status rules: StatusNotification per OCPP 1.6 section 4.9.

| rule | severity | what it demands |
|---|---|---|
| status.transition | violation | connectors > 0 change status only along the 4.9 table |
| status.connector_zero | violation | connector 0 reports only Available, Unavailable, Faulted |
| status.error_code | warning | errorCode is NoError unless the status is Faulted |
| status.faulted_no_error | warning | a Faulted status names its error (errorCode not NoError) |
| status.after_boot | warning | after a boot, each connector reports its status before it is asked |

``status.after_boot`` is a warning, never a violation: OCPP 1.6 has no SHALL that a station
reports every connector after a BootNotification (section 4.2 says nothing of it, section
4.9 has it report changes); the acceptance script expects those statuses (rows 3 and 9),
and a Central System that sees none must ask with TriggerMessage (section 5.17).

The first status of a connector after a (re)connect or a BootNotification is not a
transition: the station reports where it is, whatever it was before. Only StatusNotifications
that passed the schema are judged here (the others are ``wire.schema`` findings).
"""

from __future__ import annotations

from collections.abc import Iterator

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.protocol.status_table import (
    CONNECTOR_ZERO_STATUSES,
    allowed,
    transition_name,
)

V, W = Severity.VIOLATION, Severity.WARNING

TRANSITION = Rule(
    "status.transition",
    V,
    "OCPP 1.6 section 4.9",
    "A connector's status changes only along the transitions of the table of section 4.9",
)
CONNECTOR_ZERO = Rule(
    "status.connector_zero",
    V,
    "OCPP 1.6 section 4.9",
    "ConnectorId 0 (the Charge Point as a whole) reports only Available, Unavailable or Faulted",
)
ERROR_CODE = Rule(
    "status.error_code",
    W,
    "OCPP 1.6 section 4.9",
    "errorCode is NoError unless the status is Faulted; an error reported with another "
    'status is allowed but "should be reported as a warning instead of an error"',
)
FAULTED_NO_ERROR = Rule(
    "status.faulted_no_error",
    W,
    "OCPP 1.6 sections 4.9 and 7 (ChargePointErrorCode)",
    "A Faulted status says which error it reports: errorCode is not NoError",
)
AFTER_BOOT = Rule(
    "status.after_boot",
    W,
    "OCPP 1.6 sections 4.2, 4.9 and 5.17 (no SHALL); the seed's rows 3 and 9",
    "After a BootNotification the station reports the status of connector 0 and of each "
    "connector without being asked; OCPP 1.6 does not require it, the acceptance script "
    "expects it",
)


def _status_sequences(trace: StationTrace) -> Iterator[tuple[Exchange | None, Exchange]]:
    """(previous status of the same connector or None, this status), in journal order.

    The previous status is forgotten at every (re)connect and every BootNotification.
    """
    last: dict[int, Exchange] = {}
    connection = None
    for exchange in trace.station_calls:
        if exchange.call.connection != connection:
            connection = exchange.call.connection
            last.clear()
        if exchange.action == "BootNotification":
            last.clear()
        elif exchange.action == "StatusNotification" and exchange.valid:
            connector = exchange.payload["connectorId"]
            yield last.get(connector), exchange
            last[connector] = exchange


def _transitions_follow_table(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for previous, exchange in _status_sequences(trace):
        connector = exchange.payload["connectorId"]
        if previous is None or connector == 0:
            continue
        old, new = previous.payload["status"], exchange.payload["status"]
        if not allowed(connector, old, new):
            yield TRANSITION.finding(
                trace.station,
                f"connector {connector}: {old} -> {new} ({transition_name(old, new)}) is not "
                f"a transition of section 4.9",
                previous.call.id,
                exchange.call.id,
            )


def _connector_zero_statuses(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.calls("StatusNotification"):
        status = exchange.payload["status"]
        if exchange.payload["connectorId"] == 0 and status not in CONNECTOR_ZERO_STATUSES:
            yield CONNECTOR_ZERO.finding(
                trace.station, f"connector 0 reported {status}", exchange.call.id
            )


def _error_code_only_when_faulted(
    trace: StationTrace, settings: CheckSettings
) -> Iterator[Finding]:
    for exchange in trace.calls("StatusNotification"):
        status, code = exchange.payload["status"], exchange.payload["errorCode"]
        if code != "NoError" and status != "Faulted":
            yield ERROR_CODE.finding(
                trace.station,
                f"connector {exchange.payload['connectorId']}: errorCode {code} with status "
                f"{status}",
                exchange.call.id,
            )


def _faulted_names_error(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.calls("StatusNotification"):
        if exchange.payload["status"] == "Faulted" and exchange.payload["errorCode"] == "NoError":
            yield FAULTED_NO_ERROR.finding(
                trace.station,
                f"connector {exchange.payload['connectorId']}: Faulted with errorCode NoError",
                exchange.call.id,
            )


def _asked_for_status(exchange: Exchange) -> int | None:
    """The connector an Accepted TriggerMessage(StatusNotification) named, else None."""
    result = exchange.result or {}
    connector = exchange.payload.get("connectorId")
    if (
        exchange.payload.get("requestedMessage") != "StatusNotification"
        or result.get("status") != "Accepted"
        or not isinstance(connector, int)
    ):
        return None
    return connector


def _status_only_when_asked(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    """One finding per boot and connector the bench had to ask for its status: it sent no
    StatusNotification between the BootNotification and the bench's TriggerMessage."""
    calls = sorted(
        [*trace.station_calls, *trace.commands("TriggerMessage")], key=lambda e: e.call.id
    )
    boot: Exchange | None = None
    reported: set[int] = set()  # connectors that reported since the boot, or were flagged
    for exchange in calls:
        if exchange.call.inbound:
            if exchange.action == "BootNotification":
                boot, reported = exchange, set()
            elif exchange.action == "StatusNotification" and exchange.valid:
                reported.add(exchange.payload["connectorId"])
            continue
        connector = _asked_for_status(exchange)
        if boot is None or connector is None or connector in reported:
            continue
        reported.add(connector)
        yield AFTER_BOOT.finding(
            trace.station,
            f"connector {connector}: no StatusNotification between the BootNotification and "
            "the bench's TriggerMessage(StatusNotification)",
            boot.call.id,
            exchange.call.id,
        )


CHECKS = (
    Check(TRANSITION, _transitions_follow_table),
    Check(CONNECTOR_ZERO, _connector_zero_statuses),
    Check(ERROR_CODE, _error_code_only_when_faulted),
    Check(FAULTED_NO_ERROR, _faulted_names_error),
    Check(AFTER_BOOT, _status_only_when_asked),
)

"""Status rules: StatusNotification per OCPP 1.6 section 4.9.

| rule | severity | what it demands |
|---|---|---|
| status.transition | violation | connectors > 0 change status only along the 4.9 table |
| status.transition_explained | note | a move the 4.9 table lacks that the trace explains |
| status.connector_zero | violation | connector 0 reports only Available, Unavailable, Faulted |
| status.error_code | note | a status other than Faulted that reports an error condition |
| status.faulted_no_error | warning | a Faulted status names its error (errorCode not NoError) |
| status.after_boot | warning | after a boot, each connector reports its status before it is asked |

Moves the bench commanded. The table of section 4.9 has no cell for some moves the
station must make when the Central System tells it to: Preparing -> Unavailable (B8) after
a ChangeAvailability(Inoperative) the station Accepted, on a connector with a car and no
transaction. Section 5.2 has the station change its availability ("The response PDU SHALL
indicate whether the Charge Point is able to change to the requested availability";
connectorId 0 "applies to the Charge Point and all Connectors"; a change answered
Scheduled happens "after the transaction has finished") and report it ("SHALL inform
Central System of its new availability status with a StatusNotification.req"). So a move
outside the table is a note, not a violation, when the command in force for that connector
(or connector 0) explains it: Inoperative (Accepted or Scheduled) and the move goes to
Unavailable, or Operative and the move leaves Unavailable (Unavailable -> Finishing, H6,
for a cable still plugged in after the transaction); or an Accepted Reset on the same
connection and the move goes to Unavailable (section 5.14: the station stops its
transactions and reboots, so no connector allows charging, section 5.2's "unavailable").
The other moves a command causes are cells of the table (C8, D8, E8, F8, G8 and I8 to
Unavailable; G1 after CancelReservation; C1 / C6 after RemoteStop or UnlockConnector).

Statuses held back. With MinimumStatusDuration above 0 (section 9.1, "The minimum duration
that a Charge Point or Connector status is stable before a status notification is sent")
a status shorter than that is never reported, so a reported move may be two moves of the
table joined (Finishing -> Preparing -> Charging shows as Finishing -> Charging). While
the key is known to be above 0, a move that two cells of the table make is a note naming
the status that may have been held back, not a violation: the trace cannot prove it.
(Through Available or Faulted almost every move is two cells, so with that key set the
table is hardly judged at all; the note keeps each such move in view.)

``status.error_code`` is a note: section 4.9 allows an error code with another status
("When the 'status' field is not Faulted, the condition should be reported as a warning
instead of an error"), so the station breaks nothing; the note says which condition it
reported.

``status.after_boot`` is a warning, never a violation: OCPP 1.6 has no SHALL that a station
reports every connector after a BootNotification (section 4.2 says nothing of it, section
4.9 has it report changes); the acceptance script expects those statuses (rows 3 and 9),
and a Central System that sees none must ask with TriggerMessage (section 5.17). A boot,
for this rule, is a BootNotification the station sent of its own accord and the bench
Accepted: one sent within the answer window of an Accepted TriggerMessage(BootNotification)
on its connection is the requested message of section 5.17, not a reboot, and after one
answered Pending or Rejected the station "SHALL NOT send request messages" unasked (4.2).
Only connectors the station has are judged: 1 to its NumberOfConnectors (GetConfiguration
answers), or, if it never reported that key, those its StatusNotifications name; the
bench asking about another connector (a test of an unknown connector) proves nothing here.

The first status of a connector after a (re)connect or a boot is not a transition: the
station reports where it is, whatever it was before. A triggered BootNotification is no
boot and does not end the sequence. Only StatusNotifications that passed the schema are
judged here (the others are ``wire.schema`` findings).
"""

from __future__ import annotations

from collections.abc import Iterator

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.conformance.values import KeyHistory
from chargecheck.protocol.status_table import (
    CONNECTOR_ZERO_STATUSES,
    ChargePointStatus,
    allowed,
    transition_name,
)

V, W, N = Severity.VIOLATION, Severity.WARNING, Severity.NOTE

TRANSITION = Rule(
    "status.transition",
    V,
    "OCPP 1.6 section 4.9",
    "A connector's status changes only along the transitions of the table of section 4.9",
)
TRANSITION_EXPLAINED = Rule(
    "status.transition_explained",
    N,
    "OCPP 1.6 sections 4.9, 5.2, 5.14 and 9.1 (MinimumStatusDuration)",
    "A move the table of section 4.9 lacks (Preparing -> Unavailable, B8, ...) that the trace "
    "explains: the Central System commanded it (a ChangeAvailability the station took on, "
    "5.2 SHALL; an Accepted Reset, 5.14), or a status shorter than MinimumStatusDuration "
    "was not reported (9.1)",
)
CONNECTOR_ZERO = Rule(
    "status.connector_zero",
    V,
    "OCPP 1.6 section 4.9",
    "ConnectorId 0 (the Charge Point as a whole) reports only Available, Unavailable or Faulted",
)
ERROR_CODE = Rule(
    "status.error_code",
    N,
    "OCPP 1.6 section 4.9",
    "An errorCode other than NoError with a status other than Faulted reports a condition "
    'that "should be reported as a warning instead of an error": allowed, worth reading',
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

# ChangeAvailability answers by which the station takes the change on (section 5.2).
_TAKEN_ON = ("Accepted", "Scheduled")


def triggered_boots(trace: StationTrace, settings: CheckSettings) -> set[int]:
    """Entry ids of the BootNotifications the bench asked for (section 5.17).

    For each Accepted TriggerMessage(BootNotification), the first BootNotification on the
    same connection from the TriggerMessage CALL until ``call_timeout`` seconds after its
    answer. A reboot opens a new connection, so it is never taken for a triggered one.
    """
    boots = trace.calls("BootNotification", valid=False)
    found: set[int] = set()
    for trigger in trace.commands("TriggerMessage"):
        if (
            trigger.payload.get("requestedMessage") != "BootNotification"
            or (trigger.result or {}).get("status") != "Accepted"
        ):
            continue
        answered = trigger.reply.mono if trigger.reply is not None else trigger.call.mono
        for boot in boots:
            if (
                boot.call.id > trigger.call.id
                and boot.call.id not in found
                and boot.call.connection == trigger.call.connection
                and boot.call.mono <= answered + settings.call_timeout
            ):
                found.add(boot.call.id)
                break
    return found


def _status_sequences(
    trace: StationTrace, settings: CheckSettings
) -> Iterator[tuple[Exchange | None, Exchange]]:
    """(previous status of the same connector or None, this status), in journal order.

    The previous status is forgotten at every (re)connect and every BootNotification but
    a triggered one.
    """
    triggered = triggered_boots(trace, settings)
    last: dict[int, Exchange] = {}
    connection = None
    for exchange in trace.station_calls:
        if exchange.call.connection != connection:
            connection = exchange.call.connection
            last.clear()
        if exchange.action == "BootNotification" and exchange.call.id not in triggered:
            last.clear()
        elif exchange.action == "StatusNotification" and exchange.valid:
            connector = exchange.payload["connectorId"]
            yield last.get(connector), exchange
            last[connector] = exchange


def _commanded_by(
    trace: StationTrace, connector: int, old: str, new: str, at: Exchange
) -> Exchange | None:
    """The bench command that explains ``old`` -> ``new`` on ``connector`` (see the module
    docstring), or None."""
    in_force = None
    for command in trace.commands("ChangeAvailability"):
        if command.call.id > at.call.id:
            break
        if (
            command.payload.get("connectorId") in (0, connector)
            and (command.result or {}).get("status") in _TAKEN_ON
        ):
            in_force = command
    if in_force is not None:
        kind = in_force.payload.get("type")
        if (kind == "Inoperative" and new == "Unavailable") or (
            kind == "Operative" and old == "Unavailable"
        ):
            return in_force
    if new == "Unavailable":
        for reset in trace.commands("Reset"):
            if (
                reset.call.id < at.call.id
                and reset.call.connection == at.call.connection
                and (reset.result or {}).get("status") == "Accepted"
            ):
                return reset
    return None


def _held_back(connector: int, old: str, new: str) -> list[str]:
    """The statuses that two cells of the table pass through from ``old`` to ``new``."""
    return [
        middle.value
        for middle in ChargePointStatus
        if allowed(connector, old, middle) and allowed(connector, middle, new)
    ]


def _explained(
    trace: StationTrace, settings: CheckSettings
) -> Iterator[tuple[Exchange, Exchange, str, str | None, int | None]]:
    """(previous, this, the move, what explains it or None, the command's entry id or None)
    for every move of a connector > 0 that the table of section 4.9 lacks."""
    minimum = KeyHistory(trace, "MinimumStatusDuration")
    for previous, exchange in _status_sequences(trace, settings):
        connector = exchange.payload["connectorId"]
        if previous is None or connector == 0:
            continue
        old, new = previous.payload["status"], exchange.payload["status"]
        if allowed(connector, old, new):
            continue
        move = f"connector {connector}: {old} -> {new} ({transition_name(old, new)})"
        why: str | None = None
        command = _commanded_by(trace, connector, old, new, exchange)
        seconds = minimum.int_at(exchange.call.id) or 0
        middles = " or ".join(_held_back(connector, old, new) if seconds > 0 else [])
        if command is not None:
            why = (
                f"it carried out the bench's {command.action}({command.payload.get('type', '')}),"
                f" answered {(command.result or {}).get('status')}"
            )
        elif middles:
            why = (
                f"with MinimumStatusDuration {seconds} s it may be {old} -> {middles} -> {new}, "
                "the status between too short to be reported"
            )
        yield previous, exchange, move, why, command.call.id if command else None


def _transitions_follow_table(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for previous, exchange, move, why, _ in _explained(trace, settings):
        if why is None:
            yield TRANSITION.finding(
                trace.station,
                f"{move} is not a transition of section 4.9",
                previous.call.id,
                exchange.call.id,
            )


def _explained_transitions(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for previous, exchange, move, why, command in _explained(trace, settings):
        if why is not None:
            yield TRANSITION_EXPLAINED.finding(
                trace.station,
                f"{move} is not in the table of section 4.9; {why}",
                previous.call.id,
                command,
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


def station_connectors(trace: StationTrace) -> frozenset[int]:
    """Connector 0 and the connectors the station says it has: 1 to the NumberOfConnectors
    it last reported (section 9.1), else those its StatusNotifications name."""
    last = trace.last_entry
    count = KeyHistory(trace, "NumberOfConnectors").int_at(last.id + 1) if last else None
    if count is not None and count >= 0:
        return frozenset(range(count + 1))
    return frozenset({0, *(e.payload["connectorId"] for e in trace.calls("StatusNotification"))})


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
    triggered = triggered_boots(trace, settings)
    connectors = station_connectors(trace)
    calls = sorted(
        [*trace.station_calls, *trace.commands("TriggerMessage")], key=lambda e: e.call.id
    )
    boot: Exchange | None = None
    reported: set[int] = set()  # connectors that reported since the boot, or were flagged
    for exchange in calls:
        if exchange.call.inbound:
            if exchange.action == "BootNotification" and exchange.call.id not in triggered:
                accepted = (exchange.result or {}).get("status") == "Accepted"
                boot, reported = (exchange if accepted else None), set()
            elif exchange.action == "StatusNotification" and exchange.valid:
                reported.add(exchange.payload["connectorId"])
            continue
        connector = _asked_for_status(exchange)
        if boot is None or connector is None or connector in reported:
            continue
        if connector not in connectors:
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
    Check(TRANSITION_EXPLAINED, _explained_transitions),
    Check(CONNECTOR_ZERO, _connector_zero_statuses),
    Check(ERROR_CODE, _error_code_only_when_faulted),
    Check(FAULTED_NO_ERROR, _faulted_names_error),
    Check(AFTER_BOOT, _status_only_when_asked),
)

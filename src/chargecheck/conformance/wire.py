"""Wire rules: the station speaks OCPP-J 1.6 (framing, schemas, unique ids, replies).

| rule | severity | what it demands |
|---|---|---|
| wire.frame | violation | every station message is an OCPP-J array in a text frame |
| wire.action | violation | station CALLs name a Charge Point-initiated 1.6 action |
| wire.schema | violation | station CALL payloads match the 1.6 JSON schema |
| wire.result_schema | violation | station CALLRESULT payloads match the response schema |
| wire.unique_id_in_flight | violation | no CALL reuses the id of a CALL still in flight |
| wire.unique_id_reused | warning | no CALL reuses an id used earlier on the connection |
| wire.one_call_at_a_time | warning | no CALL before the previous one is answered |
| wire.unanswered | violation | every bench CALL gets a reply before the connection ends |
| wire.late_reply | warning | ... within ``CheckSettings.call_timeout`` |
| wire.unknown_reply | violation | replies only to bench CALLs in flight |
| wire.call_error | note | each CALLERROR the station chose to send |

On a station that speaks OCPP 2.0.1 the same checks run under rules ``wire201.*`` (the
same ids after the prefix, ``CHECKS_201``) that cite OCPP 2.0.1 part 4; there one CALL at
a time is a SHALL NOT, so ``wire201.one_call_at_a_time`` is a violation.

A schema finding stays even when the bench went on with the run: the station's
message was answered with a CALLERROR and the run continued, but the station still
sent it.

OCPP-J 1.6 sets no time within which a CALL must be answered (section 4.1.1 speaks of
CALLs that "have timed out", the timeout being the implementation's), so a reply later
than the bench's ``call_timeout`` is a warning: a tolerance the bench sets. For the same
reason a CALL still unanswered when the journal ends is judged only if the journal went
on for ``call_timeout`` seconds after it: a journal that ends sooner gave no time to answer.

A station CALL the bench chose not to answer (a case's ``NoAnswer``: journal ``no_answer``,
e.g. OCPP 2.0.1 E13's retries) is not held open by ``one_call_at_a_time``: how long the
station waits for that answer before giving up is its own message timeout, which the journal
does not hold; the case that withheld the answer judges what the station does next.
"""

from __future__ import annotations

from collections.abc import Iterator

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.protocol.frames import CallError, CallResult

V, W, N = Severity.VIOLATION, Severity.WARNING, Severity.NOTE

FRAME = Rule(
    "wire.frame",
    V,
    "OCPP-J 1.6 sections 3 and 4",
    "Every message from the station is an OCPP-J message: a JSON array [MessageTypeId, "
    "UniqueId, ...] of the right length, sent in a WebSocket text frame",
)
ACTION = Rule(
    "wire.action",
    V,
    "OCPP 1.6 chapter 4; OCPP-J 1.6 section 4.2.3",
    "A station CALL names an operation the Charge Point initiates in OCPP 1.6",
)
SCHEMA = Rule(
    "wire.schema",
    V,
    "OCPP 1.6 chapter 6; OCPP-J 1.6 section 4.2.1",
    "Every station CALL payload validates against the OCPP 1.6 JSON schema of its action",
)
RESULT_SCHEMA = Rule(
    "wire.result_schema",
    V,
    "OCPP 1.6 chapter 6; OCPP-J 1.6 section 4.2.2",
    "Every CALLRESULT the station sends validates against the response schema of the action",
)
ID_IN_FLIGHT = Rule(
    "wire.unique_id_in_flight",
    V,
    "OCPP-J 1.6 sections 4.1.3 and 4.1.4",
    "A CALL never reuses the UniqueId of a CALL of the same sender still awaiting its reply: "
    "replies are matched to CALLs by UniqueId only",
)
ID_REUSED = Rule(
    "wire.unique_id_reused",
    W,
    "OCPP-J 1.6 section 4.1.4",
    "A CALL's UniqueId differs from the ids the sender used for earlier CALLs on the same "
    "WebSocket connection",
)
ONE_CALL = Rule(
    "wire.one_call_at_a_time",
    W,
    "OCPP-J 1.6 section 4.1.1",
    "A Charge Point SHOULD NOT send a CALL unless all the CALLs it sent before have been "
    "responded to or have timed out",
)
UNANSWERED = Rule(
    "wire.unanswered",
    V,
    "OCPP-J 1.6 sections 4.1.3 and 4.2",
    "Every CALL of the Central System is answered with a CALLRESULT or a CALLERROR",
)
LATE_REPLY = Rule(
    "wire.late_reply",
    W,
    "OCPP-J 1.6 section 4.1.1 (no time set)",
    "The station answers a CALL of the Central System within the bench's call timeout",
)
UNKNOWN_REPLY = Rule(
    "wire.unknown_reply",
    V,
    "OCPP-J 1.6 sections 4.1.3 and 4.1.4",
    "A CALLRESULT or CALLERROR carries the UniqueId of a CALL of the Central System that is "
    "still awaiting its reply on the same connection",
)
CALL_ERROR = Rule(
    "wire.call_error",
    N,
    "OCPP-J 1.6 section 4.2.3",
    "CALLERRORs the station sent in answer to the Central System (allowed, but worth reading)",
)


def _frames_are_ocpp_j(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for item in trace.inbound:
        if item.error is not None:
            yield FRAME.finding(trace.station, f"not an OCPP-J message: {item.error}", item.id)
        elif item.binary:
            yield FRAME.finding(
                trace.station,
                "sent in a binary WebSocket frame; OCPP-J uses text frames",
                item.id,
            )


def _actions_are_station_actions(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.station_calls:
        if not exchange.action_known:
            yield ACTION.finding(
                trace.station,
                f"CALL {exchange.action!r} is not an operation a Charge Point initiates",
                exchange.call.id,
                exchange.reply_id,
            )


def _calls_match_schema(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.station_calls:
        if exchange.action_known and exchange.violation is not None:
            yield SCHEMA.finding(
                trace.station,
                f"{exchange.action} CALL breaks the {trace.version} schema: {exchange.violation}",
                exchange.call.id,
                exchange.reply_id,
            )


def _results_match_schema(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.bench_calls:
        if exchange.reply_violation is not None:
            yield RESULT_SCHEMA.finding(
                trace.station,
                f"CALLRESULT to {exchange.action} breaks the {trace.version} schema: "
                f"{exchange.reply_violation}",
                exchange.call.id,
                exchange.reply_id,
            )


def _earlier_same_id(trace: StationTrace) -> Iterator[tuple[Exchange, Exchange]]:
    """(earlier, later) pairs of station CALLs with one unique id on one connection."""
    seen: dict[tuple[int, str], Exchange] = {}
    for exchange in trace.station_calls:
        key = (exchange.call.connection, exchange.unique_id)
        earlier = seen.get(key)
        if earlier is not None:
            yield earlier, exchange
        seen[key] = exchange


def _ids_not_reused_in_flight(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for earlier, later in _earlier_same_id(trace):
        if earlier.pending_at(later.call.id):
            yield ID_IN_FLIGHT.finding(
                trace.station,
                f"{later.action} CALL reuses unique id {later.unique_id!r} of the "
                f"{earlier.action} CALL still awaiting its reply",
                earlier.call.id,
                later.call.id,
            )


def _ids_not_reused(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for earlier, later in _earlier_same_id(trace):
        if not earlier.pending_at(later.call.id):
            yield ID_REUSED.finding(
                trace.station,
                f"{later.action} CALL reuses unique id {later.unique_id!r} of an earlier "
                f"{earlier.action} CALL on connection {later.call.connection}",
                earlier.call.id,
                later.call.id,
            )


def _one_call_at_a_time(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    open_calls: list[Exchange] = []
    for exchange in trace.station_calls:
        at = exchange.call.id
        open_calls = [
            e
            for e in open_calls
            if e.pending_at(at)
            and exchange.call.mono - e.call.mono < settings.call_timeout
            and (e.withheld is None or e.withheld.id > at)
        ]
        if open_calls:
            first = open_calls[0]
            yield ONE_CALL.finding(
                trace.station,
                f"sent {exchange.action} while its {first.action} CALL of "
                f"{exchange.call.mono - first.call.mono:.1f} s before was still unanswered",
                first.call.id,
                exchange.call.id,
            )
        open_calls.append(exchange)


def _calls_answered(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.bench_calls:
        if exchange.reply is not None:
            continue
        if exchange.ended_by is not None:
            after = exchange.ended_by.mono - exchange.call.mono
            why = f"before the connection closed {after:.1f} s later"
            ended = exchange.ended_by.id
        else:
            end = trace.last_entry
            if end is None or end.mono - exchange.call.mono < settings.call_timeout:
                continue
            why, ended = "before the end of the journal", None
        yield UNANSWERED.finding(
            trace.station, f"no answer to {exchange.action} {why}", exchange.call.id, ended
        )


def _calls_answered_in_time(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.bench_calls:
        if exchange.reply is None:
            continue
        delay = exchange.reply.mono - exchange.call.mono
        if delay > settings.call_timeout:
            yield LATE_REPLY.finding(
                trace.station,
                f"answered {exchange.action} after {delay:.1f} s "
                f"(call timeout {settings.call_timeout:g} s)",
                exchange.call.id,
                exchange.reply.id,
            )


def _replies_match_calls(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for stray in trace.stray_replies:
        frame = stray.item.frame
        kind = "CALLERROR" if isinstance(frame, CallError) else "CALLRESULT"
        unique_id = frame.unique_id if isinstance(frame, CallResult | CallError) else "?"
        yield UNKNOWN_REPLY.finding(
            trace.station,
            f"{kind} for unique id {unique_id!r} matches no CALL in flight: {stray.reason}",
            stray.item.id,
        )


def _call_errors(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange in trace.bench_calls:
        reply = exchange.reply.frame if exchange.reply is not None else None
        if isinstance(reply, CallError):
            description = f": {reply.error_description}" if reply.error_description else ""
            yield CALL_ERROR.finding(
                trace.station,
                f"answered {exchange.action} with CALLERROR {reply.error_code}{description}",
                exchange.call.id,
                exchange.reply_id,
            )


CHECKS = (
    Check(FRAME, _frames_are_ocpp_j),
    Check(ACTION, _actions_are_station_actions),
    Check(SCHEMA, _calls_match_schema),
    Check(RESULT_SCHEMA, _results_match_schema),
    Check(ID_IN_FLIGHT, _ids_not_reused_in_flight),
    Check(ID_REUSED, _ids_not_reused),
    Check(ONE_CALL, _one_call_at_a_time),
    Check(UNANSWERED, _calls_answered),
    Check(LATE_REPLY, _calls_answered_in_time),
    Check(UNKNOWN_REPLY, _replies_match_calls),
    Check(CALL_ERROR, _call_errors),
)


# -- OCPP 2.0.1 -------------------------------------------------------------------------------
# The same checks on a 2.0.1 station's trace (its frames validated with the 2.0.1 schemas,
# its CALLs against the 2.0.1 station actions), each under a rule of its own that cites
# OCPP 2.0.1: part 2 (messages), part 3 (schemas), part 4 (OCPP-J: framing section 4, the
# one CALL at a time rule, the error codes).

_SECTIONS_201 = {
    FRAME.id: "OCPP 2.0.1 part 4, sections 3 and 4",
    ACTION.id: "OCPP 2.0.1 part 2 (messages); part 4, error codes",
    SCHEMA.id: "OCPP 2.0.1 part 3 (JSON schemas); part 4",
    RESULT_SCHEMA.id: "OCPP 2.0.1 part 3 (JSON schemas); part 4",
    ID_IN_FLIGHT.id: "OCPP 2.0.1 part 4, message id",
    ID_REUSED.id: "OCPP 2.0.1 part 4, message id",
    ONE_CALL.id: "OCPP 2.0.1 part 4 (one CALL at a time)",
    UNANSWERED.id: "OCPP 2.0.1 part 4",
    LATE_REPLY.id: "OCPP 2.0.1 part 4 (no time set)",
    UNKNOWN_REPLY.id: "OCPP 2.0.1 part 4, message id",
    CALL_ERROR.id: "OCPP 2.0.1 part 4, error codes",
}
_WORDS_201 = (
    ("OCPP 1.6", "OCPP 2.0.1"),
    ("A Charge Point SHOULD NOT", "A Charging Station SHALL NOT"),  # part 4: one at a time
    ("Charge Point", "Charging Station"),
    ("Central System", "CSMS"),
)


def _rule_201(rule: Rule) -> Rule:
    text = rule.text
    for old, new in _WORDS_201:
        text = text.replace(old, new)
    # OCPP 2.0.1 part 4 makes one CALL at a time a SHALL NOT (1.6: SHOULD NOT).
    severity = Severity.VIOLATION if rule.id == ONE_CALL.id else rule.severity
    return Rule(rule.id.replace("wire.", "wire201.", 1), severity, _SECTIONS_201[rule.id], text)


def _under(rule: Rule, check: Check) -> Check:
    """``check`` on a 2.0.1 trace, its findings made findings of ``rule``."""

    def run(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
        for found in check.run(trace, settings):
            yield rule.finding(found.station, found.message, *found.entries)

    return Check(rule, run, frozenset({"2.0.1"}))


CHECKS_201 = tuple(_under(_rule_201(c.rule), c) for c in CHECKS)

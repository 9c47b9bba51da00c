# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, transactions: the transaction status a station reports (use case E14) and a
transaction started remotely where the start point is the authorization (E01 with F01,
F02). Which events start a transaction is the station's configuration (TxCtrlr.
TxStartPoint, ReadOnly or ReadWrite at its choice): a case written for a start point the
station does not use is NOT TESTED naming it, never a FAIL.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested, outage
from chargecheck.script.catalogue201.base import (
    PART2,
    Variable,
    case201,
    evidence_of,
)
from chargecheck.script.catalogue201.sessions import connector_reported_later
from chargecheck.script.catalogue201.states import (
    REMOTE_TOKEN,
    charging,
    events_of,
    finish,
    running_transactions,
    start_point,
    stopped,
    variable_set,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind


@case201(
    "TC_E_28_CS",
    "Check Transaction status - TransactionId unknown",
    "E14.FR.01",
    """
GetTransactionStatus of a transactionId the station never used (random)
ongoingIndicator false and messagesInQueue false (E14.FR.01 SHALL); an absent ongoingIndicator FAILs (it SHALL be given, as false)""",
)
async def status_unknown(ctx: CaseContext) -> str:
    name = "ongoingIndicator false, messagesInQueue false"
    tid = f"cc-unknown-{secrets.token_hex(8)}"
    result = await ask(ctx, name, "GetTransactionStatus", {"transactionId": tid})
    if result is None:
        return ""
    ongoing, queued = result.get("ongoingIndicator"), result.get("messagesInQueue")
    ok = ongoing is False and queued is False
    rule = f"{PART2} E14.FR.01: for a transactionId it never used the station SHALL answer ongoingIndicator false and messagesInQueue false"
    ctx.check(
        ok,
        name,
        f"ongoingIndicator {ongoing}, messagesInQueue {queued}" + ("" if ok else f": {rule}"),
        evidence_of(result),
    )
    return "OK, unknown transaction" if ok else ""


@case201(
    "TC_E_34_CS",
    "Check Transaction status - Without transactionId - without message in queue",
    "E14.FR.06, E14.FR.07",
    """
The station is connected and has sent every message it queued (a TransactionEvent of its not yet answered: NOT TESTED)
GetTransactionStatus without a transactionId: no ongoingIndicator (E14.FR.06 SHALL NOT)
messagesInQueue false; true is NOT TESTED (the station may still hold a message, E14.FR.07)""",
)
async def status_without_id(ctx: CaseContext) -> str:
    result = await ask(ctx, "GetTransactionStatus is answered", "GetTransactionStatus", {})
    if result is None:
        return ""
    evidence = evidence_of(result)
    ongoing = "ongoingIndicator" in result
    ctx.check(
        not ongoing,
        "no ongoingIndicator without a transactionId",
        f"ongoingIndicator {result.get('ongoingIndicator')}: {PART2} E14.FR.06: without a transactionId it SHALL NOT be given"
        if ongoing
        else "not given",
        evidence,
    )
    queued = result.get("messagesInQueue")
    name = "messagesInQueue false"
    if queued is not False:
        not_tested(
            ctx,
            name,
            f"messagesInQueue {queued}: the station says it still holds transaction messages (E14.FR.07), none of which the bench can see",
            evidence,
        )
        return ""
    ctx.check(True, name, "false", evidence)
    return "OK, nothing queued" if not ongoing else ""


async def _started_remotely(
    ctx: CaseContext, remote_start_id: int, since: int
) -> tuple[Message | None, Message | None]:
    """The first TransactionEvent since ``since`` that carries ``remote_start_id`` and
    the Started event of that transaction (either may be None)."""
    carrying = None
    for m in ctx.session.inbox[since:]:
        if (
            m.action == "TransactionEvent"
            and m.valid
            and m.payload["transactionInfo"].get("remoteStartId") == remote_start_id
        ):
            carrying = m
            break
    if carrying is None:
        return None, None
    tid = carrying.payload["transactionInfo"]["transactionId"]
    started = next(
        (
            m
            for m in ctx.session.inbox[since:]
            if m.action == "TransactionEvent"
            and m.valid
            and m.payload["transactionInfo"]["transactionId"] == tid
            and m.payload["eventType"] == "Started"
        ),
        None,
    )
    return carrying, started


def seq_nos_counted(ctx: CaseContext, transaction_id: str) -> bool:
    """The seqNo of a transaction's TransactionEvents go up by one from its Started to
    its Ended (E01.FR.07; the same seqNo twice is a resend, counted once)."""
    events = events_of(ctx, transaction_id)
    seqs = sorted({m.payload["seqNo"] for m in events})
    ok = seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False
    rule = f"{PART2} E01.FR.07: the station SHALL add 1 to seqNo for every TransactionEvent"
    return ctx.check(
        ok,
        "the transaction's seqNo go up by one",
        f"seqNo {seqs}" + ("" if ok else f": {rule}"),
        tuple(m.entry_id for m in events),
    )


@case201(
    "TC_E_13_CS",
    "Start transaction options - Authorized - Remote",
    "E01.FR.03, E01.FR.07, E01.FR.15, F01.FR.13, F02.FR.01, F02.FR.21",
    """
TxCtrlr.TxStartPoint names Authorized, or the bench sets it to Authorized for the case and puts it back after (the case is for a station whose transaction starts at the authorization; a station that keeps another start point: NOT TESTED)
RequestStartTransaction with an idToken and EVSE 1 is Accepted (Rejected is NOT TESTED: the EVSE may be occupied, reserved or unavailable, F01.FR.21-24)
A TransactionEvent Started follows (E01.FR.03 SHALL), with triggerReason RemoteStart (F02.FR.21 SHALL) and the request's remoteStartId (F02.FR.01 SHALL) and idToken
The bench stops the transaction (RequestStopTransaction); from Started to Ended its seqNo go up by one (E01.FR.07 SHALL)""",
)
async def remote_start_authorized(ctx: CaseContext) -> str:
    name = "TransactionEvent Started with triggerReason RemoteStart and the remoteStartId"
    async with start_point(ctx, "Authorized") as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station that starts a transaction at Authorized",
            )
            return ""
        return await _remote_start(ctx, name)


async def _remote_start(ctx: CaseContext, name: str) -> str:
    if running_transactions(ctx):
        not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
        return ""
    remote_start_id = secrets.randbelow(1 << 30) + 1
    since = len(ctx.session.inbox)
    cursor = ctx.mark()
    request: dict[str, Any] = {
        "idToken": REMOTE_TOKEN,
        "remoteStartId": remote_start_id,
        "evseId": 1,
    }
    result = await ask(
        ctx, "RequestStartTransaction is Accepted", "RequestStartTransaction", request
    )
    if result is None:
        return ""
    evidence = evidence_of(result)
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            "RequestStartTransaction is Accepted",
            f"answered {result.get('status')}: F01.FR.21-24 let a station refuse (the EVSE reserved, unavailable or occupied)",
            evidence,
        )
        return ""
    ctx.check(True, "RequestStartTransaction is Accepted", "Accepted", evidence)
    try:
        await ctx.expect(
            "TransactionEvent",
            lambda p: p["transactionInfo"].get("remoteStartId") == remote_start_id,
            ctx.settings.timeouts.transaction,
            cursor,
            what="the TransactionEvent of the remote start",
        )
    except SessionError as exc:
        ctx.check(
            False,
            name,
            f"{exc}: {PART2} E01.FR.03: with TxStartPoint Authorized the station SHALL start the transaction once authorized",
            evidence,
        )
        return ""
    carrying, started = await _started_remotely(ctx, remote_start_id, since)
    assert carrying is not None
    payload = carrying.payload
    tid = payload["transactionInfo"]["transactionId"]
    problems = []
    if started is None or started.index > carrying.index:
        problems.append(
            f"the first TransactionEvent with the remoteStartId is {payload['eventType']}: {PART2} F02.FR.01: the first TransactionEvent of the transaction SHALL carry it"
        )
    if payload.get("triggerReason") != "RemoteStart":
        problems.append(
            f"triggerReason {payload.get('triggerReason')}: {PART2} F02.FR.21: the next TransactionEvent SHALL have triggerReason RemoteStart"
        )
    if (payload.get("idToken") or {}).get("idToken") != REMOTE_TOKEN["idToken"]:
        problems.append(
            f"idToken {payload.get('idToken')}: {PART2} E01.FR.10, F02.FR.05: the event after the authorization SHALL carry the idToken"
        )
    ok = ctx.check(
        not problems,
        name,
        "; ".join(problems)
        or f"{payload['eventType']} seqNo {payload['seqNo']}, transaction {tid}",
        (carrying.entry_id,),
    )
    if await stopped(ctx, tid):
        ok = seq_nos_counted(ctx, tid) and ok
    return f"OK, transaction {tid} started remotely" if ok else ""


# -- cases on a charging session -------------------------------------------------------------


@case201(
    "TC_E_09_CS",
    "Start transaction options - EVConnected",
    "E01.FR.02, E01.FR.15, E01.FR.16, E01.FR.18, G01.FR.03",
    """
TxCtrlr.TxStartPoint names EVConnected, or the bench sets it so for the case and puts it back after (a station that keeps another start point: NOT TESTED); no transaction runs
The car is plugged into EVSE 1 (the operator's step): the connector is reported Occupied, by StatusNotification or NotifyEvent (G01.FR.03 SHALL)
A TransactionEvent Started follows (E01.FR.02 SHALL) with a triggerReason (E01.FR.15 SHALL: CablePluggedIn, or ChargingStateChanged as OCTT accepts), chargingState EVConnected (E01.FR.18 SHALL) and the EVSE and connector (E01.FR.16 SHALL)
The car is unplugged afterwards""",
)
async def start_ev_connected(ctx: CaseContext) -> str:
    name = "TransactionEvent Started at the plug"
    evse = 1
    async with start_point(ctx, "EVConnected") as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station that starts a transaction when the EV connects",
            )
            return ""
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running")
            return ""
        since = len(ctx.session.inbox)
        cursor = ctx.mark()
        if not await ctx.physical(StepKind.PLUG_IN, evse, name):
            return ""
        try:
            started = await ctx.expect(
                "TransactionEvent",
                lambda p: p["eventType"] == "Started",
                ctx.settings.timeouts.transaction,
                cursor,
                what="the TransactionEvent Started of the plug",
            )
        except SessionError as exc:
            ctx.check(
                False,
                name,
                f"{exc}: {PART2} E01.FR.02: with TxStartPoint EVConnected the station SHALL start a transaction when the EV connects",
            )
            await ctx.physical(StepKind.UNPLUG, evse, "the car is unplugged", otherwise="clean-up")
            return ""
        occupied = await connector_reported_later(ctx, evse, since, "Occupied")
        ctx.check(
            occupied is not None,
            "the connector is reported Occupied",
            "reported"
            if occupied is not None
            else f"no StatusNotification or NotifyEvent says Occupied: {PART2} G01.FR.03: when an EV connects the station SHALL report the connector Occupied",
            (occupied.entry_id,) if occupied is not None else (),
        )
        payload = started.payload
        info = payload["transactionInfo"]
        problems = []
        if payload.get("triggerReason") not in ("CablePluggedIn", "ChargingStateChanged"):
            problems.append(
                f"triggerReason {payload.get('triggerReason')}, not CablePluggedIn (E02.FR.17: the reason of the event)"
            )
        if info.get("chargingState") != "EVConnected":
            problems.append(
                f"chargingState {info.get('chargingState')}: {PART2} E01.FR.18: the new chargingState SHALL be sent (EVConnected)"
            )
        evse_data = payload.get("evse") or {}
        if evse_data.get("id") != evse or "connectorId" not in evse_data:
            problems.append(
                f"evse {payload.get('evse')}: {PART2} E01.FR.16: after the EV connects the event SHALL name the EVSE and connector"
            )
        ok = (
            ctx.check(
                not problems,
                name,
                "; ".join(problems)
                or f"Started, {payload['triggerReason']}, EVConnected, EVSE {evse}",
                (started.entry_id,),
            )
            and occupied is not None
        )
        await finish(ctx, info["transactionId"], evse)
        return "OK, started at the plug" if ok else ""


@case201(
    "TC_E_30_CS",
    "Check Transaction status - Transaction with id ongoing - without message in queue",
    "E14.FR.02, E14.FR.05",
    """
A transaction charging on EVSE 1 (OCTT's EnergyTransferStarted: RequestStartTransaction and the car plugged in; not reached: NOT TESTED)
GetTransactionStatus with its transactionId: ongoingIndicator true (E14.FR.02 SHALL)
messagesInQueue false (E14.FR.05 SHALL); true is NOT TESTED (an event may be on its way)
The bench stops the transaction and the car is unplugged afterwards""",
)
async def status_ongoing(ctx: CaseContext) -> str:
    name = "ongoingIndicator true for the running transaction"
    session = await charging(ctx, name)
    if session is None:
        return ""
    try:
        return await _status_of(ctx, session.transaction_id, True, "E14.FR.02")
    finally:
        await finish(ctx, session.transaction_id, session.evse)


async def _status_of(ctx: CaseContext, tid: str, ongoing: bool, rule_id: str) -> str:
    name = f"ongoingIndicator {str(ongoing).lower()}"
    result = await ask(ctx, name, "GetTransactionStatus", {"transactionId": tid})
    if result is None:
        return ""
    evidence = evidence_of(result)
    got = result.get("ongoingIndicator")
    rule = f"{PART2} {rule_id}: the station SHALL say ongoingIndicator {str(ongoing).lower()} for a transaction {'still running' if ongoing else 'that ended'}"
    ok = ctx.check(
        got is ongoing,
        name,
        f"ongoingIndicator {got}" + ("" if got is ongoing else f": {rule}"),
        evidence,
    )
    queued = result.get("messagesInQueue")
    if queued is not False:
        not_tested(
            ctx,
            "messagesInQueue false",
            f"messagesInQueue {queued}: the station says a message of it is still queued (E14.FR.04)",
            evidence,
        )
        return ""
    ctx.check(True, "messagesInQueue false", "false (E14.FR.05)", evidence)
    return f"OK, ongoingIndicator {got}" if ok else ""


@case201(
    "TC_E_32_CS",
    "Check Transaction status - Transaction with id ended - without message in queue",
    "E14.FR.03, E14.FR.05",
    """
A transaction charging on EVSE 1 (as TC_E_30_CS; not reached: NOT TESTED), then stopped (RequestStopTransaction) and the car unplugged, its Ended received
GetTransactionStatus with its transactionId: ongoingIndicator false (E14.FR.03 SHALL)
messagesInQueue false (E14.FR.05 SHALL); true is NOT TESTED""",
)
async def status_ended(ctx: CaseContext) -> str:
    name = "ongoingIndicator false for the ended transaction"
    session = await charging(ctx, name)
    if session is None:
        return ""
    await finish(ctx, session.transaction_id, session.evse)
    if session.transaction_id in running_transactions(ctx):
        not_tested(
            ctx,
            name,
            "the transaction did not end (no TransactionEvent Ended after RequestStopTransaction and the unplug)",
        )
        return ""
    return await _status_of(ctx, session.transaction_id, False, "E14.FR.03")


TX_UPDATED_INTERVAL = Variable("SampledDataCtrlr", "TxUpdatedInterval")


CLOCK_MARGIN_S = 1.0  # a station's timestamps may have whole seconds only


def _offline_events(
    ctx: CaseContext, tid: str, before: int, back: float, last_before: Message | None
) -> list[Message]:
    """The transaction's events the station sent on a later connection than its last one
    before the outage, timed (by the station's clock, set against the bench's by that last
    event) before it came back, with ``CLOCK_MARGIN_S`` to spare: each happened while it
    was offline, or was still queued when it went (E11.FR.07: those are offline too)."""
    from datetime import datetime

    def at(m: Message) -> float:
        return datetime.fromisoformat(m.payload["timestamp"].replace("Z", "+00:00")).timestamp()

    if last_before is None:
        return []
    offset = at(last_before) - last_before.mono  # station clock - bench clock
    return [
        m
        for m in events_of(ctx, tid, before)
        if m.connection > last_before.connection and at(m) - offset <= back - CLOCK_MARGIN_S
    ]


@case201(
    "TC_E_40_CS",
    "Offline Behaviour - Connection loss during transaction",
    "E11.FR.01, E11.FR.02, E11.FR.03",
    """
SampledDataCtrlr.TxUpdatedInterval set short (a third of the outage) for the case when the station lets it be set, put back after; a transaction charging on EVSE 1 (as TC_E_30_CS; not reached: NOT TESTED)
The bench closes the connection and refuses reconnections for the outage (settings outage)
After it reconnects, the transaction's events of the outage arrive, each with offline true (E11.FR.01, E11.FR.02 SHALL) and its meter values (E11.FR.03 SHALL); none of the outage at all is NOT TESTED (with TxUpdatedInterval unset no event falls into it)
The bench stops the transaction and the car is unplugged afterwards""",
)
async def connection_loss(ctx: CaseContext) -> str:
    name = "the events of the outage are sent with offline true"
    interval = str(max(1, int(ctx.settings.outage / 3)))
    async with variable_set(ctx, TX_UPDATED_INTERVAL, interval) as problem:
        if problem is not None:
            ctx.say(f"  {problem}: the station's own interval is kept")
        session = await charging(ctx, name)
        if session is None:
            return ""
        try:
            return await _across_outage(ctx, session.transaction_id, name)
        finally:
            await finish(ctx, session.transaction_id, session.evse)


async def _across_outage(ctx: CaseContext, tid: str, name: str) -> str:
    before = len(ctx.session.inbox)
    earlier = events_of(ctx, tid)
    last_before = earlier[-1] if earlier else None
    clock = ctx.session.clock
    async with outage(ctx, name) as made:
        if not made:
            return ""
        gone = clock.mono()  # the socket is closed
    back = clock.mono()  # the station is back, or the wait gave up
    if not ctx.session.connected:
        return ""
    with suppress(SessionError):  # the queue comes first, then the events of now
        await ctx.expect(
            "TransactionEvent",
            lambda p: p["transactionInfo"]["transactionId"] == tid and not p.get("offline"),
            ctx.settings.timeouts.status,
            Cursor(before),
            what="the transaction's events after the outage",
            quiet=True,
        )
    offline = _offline_events(ctx, tid, before, back, last_before)
    if not offline:
        not_tested(
            ctx,
            name,
            f"no event of the transaction sent after the outage is timed more than "
            f"{CLOCK_MARGIN_S:g} s before the station came back (TxUpdatedInterval longer "
            f"than the outage of {back - gone:.1f} s, or not set)",
        )
        return ""
    missing = [m for m in offline if m.payload.get("offline") is not True]
    ctx.check(
        not missing,
        name,
        f"{len(offline)} event(s) of the outage"
        + (
            f", {len(missing)} without offline true: {PART2} E11.FR.02: the queued events SHALL be sent with offline true"
            if missing
            else ", each offline true"
        ),
        tuple(m.entry_id for m in offline),
    )
    bare = [
        m
        for m in offline
        if m.payload["eventType"] == "Updated" and not m.payload.get("meterValue")
    ]
    ctx.check(
        not bare,
        "with their meter values",
        f"{len(bare)} Updated event(s) without meterValue: {PART2} E11.FR.03: the configured measurands SHALL be in them"
        if bare
        else "meterValue in each",
        tuple(m.entry_id for m in offline),
    )
    return f"OK, {len(offline)} event(s) sent offline" if not missing and not bare else ""


CASES: list[CatalogueCase] = [
    start_ev_connected,
    remote_start_authorized,
    status_unknown,
    status_ongoing,
    status_ended,
    status_without_id,
    connection_loss,
]

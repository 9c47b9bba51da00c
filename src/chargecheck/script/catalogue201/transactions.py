# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, transactions: the transaction status a station reports (use case E14) and a
transaction started remotely where the start point is the authorization (E01 with F01,
F02). Which events start a transaction is the station's configuration (TxCtrlr.
TxStartPoint, ReadOnly or ReadWrite at its choice): a case written for a start point the
station does not use is NOT TESTED naming it, never a FAIL.
"""

from __future__ import annotations

import secrets
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_START_POINT,
    case201,
    evidence_of,
    get_quietly,
    set_quietly,
)
from chargecheck.script.context import CaseContext

REMOTE_TOKEN = {"idToken": "CCREMOTE201", "type": "Central"}


def running_transactions(ctx: CaseContext) -> dict[str, Message]:
    """The transactions the station has started and not ended, by transactionId: their
    last TransactionEvent."""
    running: dict[str, Message] = {}
    for m in ctx.session.inbox:
        if m.action == "TransactionEvent" and m.valid:
            tid = m.payload["transactionInfo"]["transactionId"]
            if m.payload["eventType"] == "Ended":
                running.pop(tid, None)
            else:
                running[tid] = m
    return running


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


def _points(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


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


async def stop_remotely(ctx: CaseContext, transaction_id: str) -> bool:
    """RequestStopTransaction and the Ended event, judged of nothing (clean-up): whether
    the Ended came."""
    cursor = ctx.mark()
    try:
        result = await ctx.session.call(
            "RequestStopTransaction", {"transactionId": transaction_id}, ctx.settings.timeouts.call
        )
        if result.get("status") == "Accepted":
            await ctx.session.expect(
                "TransactionEvent",
                lambda p: (
                    p["eventType"] == "Ended"
                    and p["transactionInfo"]["transactionId"] == transaction_id
                ),
                ctx.settings.timeouts.status,
                cursor,
            )
            return True
    except SessionError:
        pass
    ctx.say(f"  clean-up: transaction {transaction_id} was not stopped")
    return False


def seq_nos_counted(ctx: CaseContext, transaction_id: str) -> bool:
    """The seqNo of a transaction's TransactionEvents go up by one from its Started to
    its Ended (E01.FR.07; the same seqNo twice is a resend, counted once)."""
    events = [
        m
        for m in ctx.session.inbox
        if m.action == "TransactionEvent"
        and m.valid
        and m.payload["transactionInfo"]["transactionId"] == transaction_id
    ]
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
    before = await get_quietly(ctx, TX_START_POINT)
    points = _points(before)
    if "Authorized" not in points:
        # OCTT's condition: TxStartPoint settable to Authorized, or Authorized already
        status = await set_quietly(ctx, TX_START_POINT, "Authorized")
        if status != "Accepted":
            not_tested(
                ctx,
                name,
                f"TxCtrlr.TxStartPoint is {','.join(points) or 'not readable'} and setting it to "
                f"Authorized was answered {status}: this case is for a station that starts a "
                "transaction at Authorized",
            )
            return ""
        ctx.say(f"  TxCtrlr.TxStartPoint set to Authorized (was {before})")
    try:
        return await _remote_start(ctx, name)
    finally:
        if "Authorized" not in points and before is not None:
            await set_quietly(ctx, TX_START_POINT, before)


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
    if await stop_remotely(ctx, tid):
        ok = seq_nos_counted(ctx, tid) and ok
    return f"OK, transaction {tid} started remotely" if ok else ""


CASES: list[CatalogueCase] = [remote_start_authorized, status_unknown, status_without_id]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, a session the driver starts at the station (use cases E02 and E03 with C01):
the cable first or the card first, the cable that never comes (EVConnectionTimeOut), a
car not ready to charge, and a card the station must refuse without asking the CSMS
(AuthCtrlr.DisableRemoteAuthorization). The card is the bench's (settings valid_id_tag):
the station asks the bench about it (AuthorizeRequest, answered Accepted) or knows it
itself (cache, local list), either is legal.
"""

from __future__ import annotations

import asyncio
import secrets
from contextlib import nullcontext
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_START_POINT,
    TX_STOP_POINT,
    case201,
    get_quietly,
    read_variable,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    EV_CONNECTION_TIMEOUT,
    authorized_locally,
    authorized_remotely,
    carrying,
    charging_by_card,
    charging_state,
    check_reported_later,
    event_since,
    is_true,
    next_event,
    of,
    remote_started,
    settings_for_case,
)
from chargecheck.script.catalogue201.starts import (
    AUTH_CACHE_ENABLED,
    DISABLE_REMOTE_AUTHORIZATION,
    authorize_evidence,
    evse_named,
)
from chargecheck.script.catalogue201.states import (
    events_of,
    finish,
    points,
    running_transactions,
    variable_set,
)
from chargecheck.script.catalogue201.transactions import seq_nos_counted
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


@case201(
    "TC_E_03_CS",
    _title("TC_E_03_CS"),
    "E02.FR.01, E02.FR.05, E02.FR.06, E02.FR.07, E02.FR.13, E02.FR.15, E02.FR.17, E01.FR.16",
    """
No transaction runs; the car is plugged into EVSE 1 first (the operator's step; a cable lock that keeps the plug out is NOT TESTED): the connector is reported Occupied (E02.FR.05 SHALL); with EVConnected in TxStartPoint a TransactionEvent follows (E02.FR.06 SHALL)
Authorized (local): the bench's card is presented; the next TransactionEvent carries triggerReason Authorized and the card's idToken (E02.FR.01 SHALL)
The first TransactionEvent after the plug names the EVSE and its connector (E01.FR.16 SHALL); the transaction reaches chargingState Charging (E02.FR.13 SHALL: a new chargingState is sent)
The bench stops the transaction and the car is unplugged; the seqNo go up by one (E02.FR.07 SHALL)""",
)
async def cable_first(ctx: CaseContext) -> str:
    name = "the card after the cable starts charging"
    evse, tag = 1, ctx.settings.valid_id_tag
    if running_transactions(ctx):
        not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
        return ""
    since = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.PLUG_IN, evse, name):
        return ""
    ok = await check_reported_later(
        ctx,
        evse,
        since,
        "Occupied",
        f"{PART2} E02.FR.05: when the cable is plugged in the station SHALL report the connector Occupied",
    )
    starts = points(await get_quietly(ctx, TX_START_POINT))
    at_plug = None
    if "EVConnected" in starts:
        at_plug = await _first_tx_event(ctx, since, lambda p: evse_named(p, evse))
        ok = (
            ctx.check(
                at_plug is not None,
                "a TransactionEvent at the plug",
                "sent"
                if at_plug is not None
                else f"none: {PART2} E02.FR.06: with EVConnected in TxStartPoint the station SHALL send a TransactionEvent when the cable is plugged in",
                (at_plug.entry_id,) if at_plug is not None else (),
            )
            and ok
        )
    carded = await authorized_locally(ctx, name, evse, tag)
    if carded is None:
        await finish(ctx, _tid(at_plug), evse)
        return ""
    after = await _first_tx_event(ctx, carded, carrying(tag))
    if after is None:
        ctx.check(
            False,
            name,
            f"no TransactionEvent carrying the card: {PART2} E02.FR.01: once the driver is authorized the station SHALL send a TransactionEvent with triggerReason Authorized and the idToken",
            authorize_evidence(ctx, tag, carded),
        )
        await finish(ctx, _tid(at_plug), evse)
        return ""
    tid = after.payload["transactionInfo"]["transactionId"]
    first = at_plug or _first_of(ctx, tid, since) or after
    problems = []
    if after.payload["triggerReason"] != "Authorized":
        problems.append(
            f"triggerReason {after.payload['triggerReason']}, not Authorized: {PART2} E02.FR.01"
        )
    if not evse_named(first.payload, evse):
        problems.append(
            f"its first TransactionEvent names evse {first.payload.get('evse')}: {PART2} E01.FR.16: the first event after the EV connected SHALL name the EVSE and the connector"
        )
    charging = await next_event(
        ctx, tid, since, charging_state("Charging"), "chargingState Charging"
    )
    if charging is None:
        problems.append(
            f"no TransactionEvent says chargingState Charging: {PART2} E02.FR.13: the station SHALL send the new chargingState when it changes (a car charging once authorized)"
        )
    ok = (
        ctx.check(
            not problems,
            name,
            "; ".join(problems)
            or f"{after.payload['eventType']} with triggerReason Authorized and the idToken, then Charging",
            tuple(m.entry_id for m in (first, after, charging) if m is not None),
        )
        and ok
    )
    await finish(ctx, tid, evse)
    ok = seq_nos_counted(ctx, tid) and ok
    return "OK, cable first" if ok else ""


def _tid(message: Message | None) -> str | None:
    return message.payload["transactionInfo"]["transactionId"] if message is not None else None


def _first_of(ctx: CaseContext, tid: str, since: int) -> Message | None:
    return next(
        (
            m
            for m in ctx.session.inbox[since:]
            if m.action == "TransactionEvent" and m.valid and of(tid)(m.payload)
        ),
        None,
    )


async def _first_tx_event(ctx: CaseContext, since: int, where: Any) -> Message | None:
    return await event_since(ctx, since, where, "the TransactionEvent")


@case201(
    "TC_E_04_CS",
    _title("TC_E_04_CS"),
    "E03.FR.01, E03.FR.06, E03.FR.12, E01.FR.16",
    """
No transaction runs; Authorized (local): the bench's card is presented at EVSE 1, no car yet
The car is plugged in: the first TransactionEvent of the transaction carries the card's idToken (E03.FR.01 SHALL), the first one after the plug names the EVSE and its connector (E01.FR.16 SHALL) with a triggerReason (E03.FR.12), and the transaction reaches chargingState Charging
The bench stops the transaction and the car is unplugged; the seqNo go up by one (E03.FR.06 SHALL)""",
)
async def authorization_first(ctx: CaseContext) -> str:
    name = "the cable after the card starts charging"
    evse, tag = 1, ctx.settings.valid_id_tag
    session = await charging_by_card(ctx, name, evse)
    if session is None:
        return ""
    tid = session.transaction_id
    events = [
        m
        for m in ctx.session.inbox[session.since :]
        if m.action == "TransactionEvent" and m.valid and of(tid)(m.payload)
    ]
    first = events[0]
    named = next((m for m in events if (m.payload.get("evse") or {}).get("id") == evse), None)
    problems = []
    if not carrying(tag)(first.payload):
        problems.append(
            f"its first TransactionEvent ({first.payload['eventType']}, {first.payload['triggerReason']}) has idToken {first.payload.get('idToken')}: {PART2} E03.FR.01: once the idToken is known the next TransactionEvent SHALL carry it"
        )
    if named is None or not evse_named(named.payload, evse):
        problems.append(f"no event of it names EVSE {evse} with its connector: {PART2} E01.FR.16")
    ok = ctx.check(
        not problems,
        name,
        "; ".join(problems)
        or f"first event {first.payload['eventType']} with the idToken, EVSE named, then Charging",
        tuple(m.entry_id for m in events[:3]),
    )
    await finish(ctx, tid, evse)
    ok = seq_nos_counted(ctx, tid) and ok
    return "OK, card first" if ok else ""


@case201(
    "TC_E_05_CS",
    _title("TC_E_05_CS"),
    "E03.FR.01, E03.FR.05, E03.FR.06, E03.FR.12",
    """
TxCtrlr.EVConnectionTimeOut set short (half the status timeout, 2 s at least) and AuthCacheCtrlr.Enabled false (if the station has it) for the case, put back after
Authorized (local): the bench's card is presented at EVSE 1, and no car comes
If that started a transaction (a start point Authorized or ParkingBayOccupancy), once the timeout passes a TransactionEvent with triggerReason EVConnectTimeout follows: Ended with stoppedReason Timeout when TxStopPoint names Authorized, else Updated (E03.FR.05: a SHOULD, so none is NOT TESTED)
The EVSE is free again: the card and the car start a transaction that charges (Authorized, EnergyTransferStarted); none is NOT TESTED (E03.FR.05 is a SHOULD); the bench stops it after""",
)
async def plug_timeout(ctx: CaseContext) -> str:
    name = "the authorization lapses when no car comes"
    evse, tag = 1, ctx.settings.valid_id_tag
    timeout = max(2, int(ctx.settings.timeouts.status / 2))
    async with settings_for_case(
        ctx, (EV_CONNECTION_TIMEOUT, str(timeout)), (AUTH_CACHE_ENABLED, "false")
    ) as problems:
        kept = [p for p in problems if str(EV_CONNECTION_TIMEOUT) in p]
        if kept:
            ctx.say(f"  {kept[0]}: the station's own EVConnectionTimeOut is waited for")
            timeout = int(await get_quietly(ctx, EV_CONNECTION_TIMEOUT) or 60)
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
            return ""
        since = await authorized_locally(ctx, name, evse, tag)
        if since is None:
            return ""
        started = _first_carrying(ctx, since, tag) or await _maybe_started(ctx, since, tag)
        ok = True
        if started is not None:
            ok = await _lapsed(ctx, started, timeout)
        else:
            ctx.say("  no transaction started at the card: nothing to end at the timeout")
            await _sleep(ctx, timeout + 1)
        again = await charging_by_card(ctx, "the EVSE takes a new session after the timeout", evse)
        if again is None:
            return ""
        ctx.check(
            True,
            "the EVSE takes a new session after the timeout",
            f"transaction {again.transaction_id} charges",
            again.evidence,
        )
        await finish(ctx, again.transaction_id, evse)
        return "OK, the card lapsed and a new session charges" if ok else ""


def _first_carrying(ctx: CaseContext, since: int, tag: str) -> Message | None:
    return next(
        (
            m
            for m in ctx.session.inbox[since:]
            if m.action == "TransactionEvent" and m.valid and carrying(tag)(m.payload)
        ),
        None,
    )


async def _maybe_started(ctx: CaseContext, since: int, tag: str) -> Message | None:
    """A transaction the card starts by itself (start point Authorized): looked for a
    short while (timeouts.negative), nothing judged."""
    try:
        return await ctx.expect(
            "TransactionEvent",
            carrying(tag),
            ctx.settings.timeouts.negative,
            Cursor(since),
            what="a transaction started by the card",
            quiet=True,
        )
    except SessionError:
        return None


async def _sleep(ctx: CaseContext, seconds: float) -> None:
    async with ctx.waiting("EVConnectionTimeOut to pass", seconds, quiet=True):
        await asyncio.sleep(seconds)


async def _lapsed(ctx: CaseContext, started: Message, timeout: int) -> bool:
    """The transaction the card started meets EVConnectTimeout (E03.FR.05, SHOULD)."""
    tid = started.payload["transactionInfo"]["transactionId"]
    name = "TransactionEvent EVConnectTimeout after the timeout"
    event = await next_event(
        ctx,
        tid,
        started.index,
        lambda p: p["triggerReason"] == "EVConnectTimeout",
        "triggerReason EVConnectTimeout",
        timeout + ctx.settings.timeouts.status,
    )
    if event is None:
        not_tested(
            ctx,
            name,
            f"no TransactionEvent with triggerReason EVConnectTimeout within EVConnectionTimeOut ({timeout} s): E03.FR.05 asks it only as SHOULD",
            (started.entry_id,),
        )
        await finish(ctx, tid, 1)
        return False
    stops = points(await get_quietly(ctx, TX_STOP_POINT))
    payload = event.payload
    reason = payload["transactionInfo"].get("stoppedReason")
    shaped = "Authorized" not in stops or (payload["eventType"] == "Ended" and reason == "Timeout")
    if payload["eventType"] != "Ended":
        await finish(ctx, tid, 1)
    if not shaped:
        not_tested(
            ctx,
            name,
            f"{payload['eventType']}, stoppedReason {reason}: with Authorized in TxStopPoint an Ended with stoppedReason Timeout is what E03.FR.05 asks, only as SHOULD",
            (event.entry_id,),
        )
        return False
    return ctx.check(True, name, f"{payload['eventType']}, EVConnectTimeout", (event.entry_id,))


@case201(
    "TC_E_38_CS",
    _title("TC_E_38_CS"),
    "E01.FR.18, E01.FR.19, E01.FR.20",
    """
TxCtrlr.TxStartPoint starts a transaction before energy flows (a point besides EnergyTransfer and DataSigned), or the bench sets it to PowerPathClosed for the case (refused: NOT TESTED)
Authorized (remote) with no car; the car is made not ready to charge (the operator's step), then plugged in
The transaction reports chargingState SuspendedEV (E01.FR.19; the first state after EVConnected, waited for timeouts.status) or stays EVConnected (E01.FR.20): both SHOULD, another state is NOT TESTED
The car is made ready: a TransactionEvent with chargingState Charging follows (E01.FR.18 SHALL: a new chargingState is sent); the bench stops the transaction and the car is unplugged""",
)
async def ev_not_ready(ctx: CaseContext) -> str:
    name = "the pause of a car not ready is reported"
    evse = 1
    starts = points(await get_quietly(ctx, TX_START_POINT))
    late = not set(starts) - {"EnergyTransfer", "DataSigned"}
    async with (
        variable_set(ctx, TX_START_POINT, "PowerPathClosed") if late else nullcontext(None)
    ) as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station whose transaction starts before energy flows",
            )
            return ""
        authorized = await authorized_remotely(ctx, name, evse)
        if authorized is None:
            return ""
        remote_start_id, since = authorized
        if not await ctx.physical(StepKind.EV_SUSPEND, evse, name):
            await finish(ctx, None, evse)
            return ""
        try:
            return await _not_ready(ctx, name, evse, remote_start_id, since)
        finally:
            await ctx.physical(StepKind.EV_RESUME, evse, "the car draws", otherwise="clean-up")


async def _not_ready(
    ctx: CaseContext, name: str, evse: int, remote_start_id: int, since: int
) -> str:
    if not await ctx.physical(StepKind.PLUG_IN, evse, name):
        await finish(ctx, None, evse)
        return ""
    first = await _first_tx_event(ctx, since, remote_started(remote_start_id))
    if first is None:
        not_tested(ctx, name, "no transaction started after the remote start and the plug")
        await finish(ctx, None, evse)
        return ""
    tid = first.payload["transactionInfo"]["transactionId"]
    paused = await next_event(  # the state it moves to from EVConnected, if it moves
        ctx,
        tid,
        since,
        lambda p: p["transactionInfo"].get("chargingState") not in (None, "EVConnected"),
        "the transaction's chargingState after EVConnected",
        ctx.settings.timeouts.status,
    )
    if paused is None:  # it stays EVConnected (E01.FR.20), if it said so
        said = [
            m
            for m in events_of(ctx, tid, since)
            if m.payload["transactionInfo"].get("chargingState")
        ]
        paused = said[-1] if said else None
    state = paused.payload["transactionInfo"].get("chargingState") if paused else None
    ok = True
    if state in ("SuspendedEV", "EVConnected"):
        ctx.check(True, name, f"chargingState {state}", (paused.entry_id,) if paused else ())
    else:
        ok = False
        not_tested(
            ctx,
            name,
            f"chargingState {state}: a car not ready is reported SuspendedEV (E01.FR.19) or EVConnected (E01.FR.20), both only SHOULD",
            (paused.entry_id,) if paused else (),
        )
    resumed_at = len(ctx.session.inbox)
    if await ctx.physical(StepKind.EV_RESUME, evse, "chargingState Charging once the car is ready"):
        charging = await next_event(
            ctx, tid, resumed_at, charging_state("Charging"), "chargingState Charging"
        )
        ok = (
            ctx.check(
                charging is not None,
                "chargingState Charging once the car is ready",
                "reported"
                if charging is not None
                else f"no TransactionEvent says Charging: {PART2} E01.FR.18: the station SHALL send the new chargingState when it changes",
                (charging.entry_id,) if charging is not None else (),
            )
            and ok
        )
    await finish(ctx, tid, evse)
    return "OK, not ready then charging" if ok else ""


@case201(
    "TC_E_52_CS",
    _title("TC_E_52_CS"),
    "C01.FR.02, C01.FR.05, E03.FR.01",
    """
The station has AuthCtrlr.DisableRemoteAuthorization (none: NOT TESTED) and the bench sets it true for the case (and AuthCacheCtrlr.Enabled false, to keep the card out of the cache), putting both back after; refused: NOT TESTED
A card the station cannot know (a new random idToken, in neither its cache nor its local list) is presented at EVSE 1
No AuthorizeRequest for it comes (DisableRemoteAuthorization true overrides C01.FR.02 / C01.FR.05: the station only looks at its cache and local list) and no transaction carries it: the card is refused""",
)
async def remote_authorization_disabled(ctx: CaseContext) -> str:
    name = "no AuthorizeRequest for an unknown card"
    evse = 1
    if await is_true(ctx, DISABLE_REMOTE_AUTHORIZATION) is None:
        not_tested(
            ctx,
            name,
            f"the station reports no {DISABLE_REMOTE_AUTHORIZATION} (GetVariables): the variable is optional, and this case is for a station that has it",
        )
        return ""
    async with settings_for_case(
        ctx, (DISABLE_REMOTE_AUTHORIZATION, "true"), (AUTH_CACHE_ENABLED, "false")
    ) as problems:
        refused = [p for p in problems if str(DISABLE_REMOTE_AUTHORIZATION) in p]
        if refused:
            not_tested(ctx, name, f"{refused[0]}: this case needs it true")
            return ""
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
            return ""
        tag = f"CC{secrets.token_hex(6).upper()}"
        since = len(ctx.session.inbox)
        why = "the station should refuse it without asking the bench: it is in neither its cache nor its local list, and DisableRemoteAuthorization is true"
        if not await ctx.physical(StepKind.PRESENT_CARD, evse, name, tag, refused=why):
            return ""
        try:
            asked = await ctx.expect(
                "Authorize",
                carrying(tag),
                ctx.settings.timeouts.negative,
                Cursor(since),
                ends=[("TransactionEvent", carrying(tag))],
                what="no AuthorizeRequest",
                quiet=True,
            )
        except SessionError:
            asked = None
        rule = f"{PART2} AuthCtrlr.DisableRemoteAuthorization true: the station SHALL NOT ask the CSMS (it overrides C01.FR.02 / C01.FR.05) and starts nothing for a card it does not know"
        if asked is not None:
            ok = ctx.check(
                False, name, f"{asked.action} carrying the card: {rule}", (asked.entry_id,)
            )
        else:  # the evidence: the setting read back after the silence, still true
            value, read = await read_variable(ctx, DISABLE_REMOTE_AUTHORIZATION)
            said = f"none came in {ctx.settings.timeouts.negative:g} s; {DISABLE_REMOTE_AUTHORIZATION} reads {value!r} after"
            if (value or "").strip().lower() == "true":
                ok = ctx.check(True, name, said, read)
            else:  # the silence was not shown under the setting the case is about
                not_tested(ctx, name, f"{said}, not true: the case needs it true", read)
                ok = False
        await finish(
            ctx, _tid(asked) if asked and asked.action == "TransactionEvent" else None, evse
        )
        return "OK, the card was refused without asking" if ok else ""


CASES: list[CatalogueCase] = [
    cable_first,
    authorization_first,
    plug_timeout,
    ev_not_ready,
    remote_authorization_disabled,
]

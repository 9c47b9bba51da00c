# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, a transaction whose authorization ends without the driver: the remote start
that lapses when no car comes within EVConnectionTimeOut (F02.FR.07, TC_E_39) and the
idToken the bench refuses after an offline start (E06.FR.04 with E05, TC_E_16).
"""

from __future__ import annotations

import asyncio
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested, outage
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_STOP_POINT,
    case201,
    get_quietly,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    EV_CONNECTION_TIMEOUT,
    OFFLINE_TX_FOR_UNKNOWN_ID,
    STOP_TX_ON_INVALID_ID,
    authorized_remotely,
    carrying,
    charging_state,
    connector_reported,
    ended,
    ended_after,
    next_event,
    not_for_point,
    settings_for_case,
    tx_points,
)
from chargecheck.script.catalogue201.states import (
    finish,
    points,
    running_transactions,
    start_point,
)
from chargecheck.script.catalogue201.stops import check_ended
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


# -- the timeout ------------------------------------------------------------------------------------


@case201(
    "TC_E_39_CS",
    _title("TC_E_39_CS"),
    "E06.FR.04, E06.FR.15, F02.FR.07",
    """
TxCtrlr.TxStopPoint names Authorized and not ParkingBayOccupancy (with it F02.FR.08 applies), or the bench sets it so for the case (a station that keeps another stop point: NOT TESTED); TxCtrlr.EVConnectionTimeOut set short (half the status timeout, 2 s at least); TxStartPoint set to Authorized where the station lets it be, so that the authorization starts a transaction; all put back after
Authorized (remote): RequestStartTransaction for EVSE 1 with no car Accepted (Rejected is NOT TESTED)
If that started a transaction: once the timeout passes it ends, TransactionEvent Ended with triggerReason EVConnectTimeout and stoppedReason Timeout (F02.FR.07 SHALL, E06.FR.04)
The car is plugged in late (the operator's step): no TransactionEvent says chargingState Charging (the authorization lapsed, F02.FR.07); a TransactionEvent for the plug alone (CablePluggedIn) is legal; shown by the station's report of the plug (Occupied, or a TransactionEvent for the cable), none: NOT TESTED
The car is unplugged afterwards""",
)
async def deauthorized_timeout(ctx: CaseContext) -> str:
    name = "the remote start lapses when no car comes"
    evse = 1
    timeout = max(2, int(ctx.settings.timeouts.status / 2))
    async with (
        tx_points(ctx, TX_STOP_POINT, "Authorized", ("ParkingBayOccupancy",)) as problem,
        settings_for_case(ctx, (EV_CONNECTION_TIMEOUT, str(timeout))) as kept,
        start_point(ctx, "Authorized") as start_problem,
    ):
        if problem is not None:
            return not_for_point(ctx, name, problem, "Authorized")
        if kept:
            ctx.say(f"  {kept[0]}: the station's own EVConnectionTimeOut is waited for")
            timeout = int(await get_quietly(ctx, EV_CONNECTION_TIMEOUT) or 60)
        if start_problem is not None:
            ctx.say(f"  {start_problem}: the station's own start point is kept")
        authorized = await authorized_remotely(ctx, name, evse)
        if authorized is None:
            return ""
        remote_start_id, since = authorized
        ok = await _timed_out(ctx, name, remote_start_id, since, timeout)
        plugged_at = len(ctx.session.inbox)
        if not await ctx.physical(StepKind.PLUG_IN, evse, "no charging after a late plug"):
            return ""
        try:
            charged = await ctx.expect(
                "TransactionEvent",
                charging_state("Charging"),
                ctx.settings.timeouts.status,
                Cursor(plugged_at),
                what="no chargingState Charging",
                quiet=True,
            )
        except SessionError:
            charged = None
        ok = _no_charging(ctx, charged, evse, plugged_at) and ok
        late = running_transactions(ctx)
        await finish(ctx, next(iter(late), None), evse)
        return "OK, the remote start lapsed" if ok else ""


def _no_charging(ctx: CaseContext, charged: Message | None, evse: int, plugged_at: int) -> bool:
    """The late plug brought no chargingState Charging: shown by the station's own report
    of the plug (the connector Occupied, or a TransactionEvent for the cable), else NOT
    TESTED (nothing shows the station saw the car)."""
    name = "no charging after a late plug"
    if charged is not None:
        return ctx.check(
            False,
            name,
            f"a TransactionEvent says Charging: {PART2} F02.FR.07: the authorization SHALL end with EVConnectionTimeOut, so no energy flows for it",
            (charged.entry_id,),
        )
    seen = connector_reported(ctx, evse, plugged_at, "Occupied") or next(
        (
            m
            for m in ctx.session.inbox[plugged_at:]
            if m.valid and m.action == "TransactionEvent" and plugged(m.payload)
        ),
        None,
    )
    if seen is None:
        not_tested(
            ctx,
            name,
            "the station sent nothing after the plug (no Occupied, no TransactionEvent for the cable): nothing shows it saw the car",
        )
        return True
    return ctx.check(
        True,
        name,
        f"the plug reported ({seen.action}), no TransactionEvent says Charging",
        (seen.entry_id,),
    )


def plugged(payload: dict[str, Any]) -> bool:
    """A TransactionEvent for the cable: triggerReason CablePluggedIn or EVDetected, or
    chargingState EVConnected."""
    info = payload.get("transactionInfo") or {}
    return payload.get("triggerReason") in ("CablePluggedIn", "EVDetected") or (
        info.get("chargingState") == "EVConnected"
    )


async def _timed_out(
    ctx: CaseContext, name: str, remote_start_id: int, since: int, timeout: int
) -> bool:
    """The transaction the remote start began, if it began one, ends EVConnectTimeout."""
    try:
        first = await ctx.expect(
            "TransactionEvent",
            lambda p: p["transactionInfo"].get("remoteStartId") == remote_start_id,
            ctx.settings.timeouts.negative,
            Cursor(since),
            what="a transaction started by the authorization",
            quiet=True,
        )
    except SessionError:
        ctx.say("  no transaction started at the authorization: nothing to end at the timeout")
        await _wait(ctx, timeout + 1.0)
        return True
    tid = first.payload["transactionInfo"]["transactionId"]
    end = await next_event(
        ctx, tid, since, ended, "the Ended of the timeout", timeout + ctx.settings.timeouts.status
    )
    return check_ended(
        ctx,
        name,
        end,
        f"{PART2} F02.FR.07: when no cable is plugged in within EVConnectionTimeOut the station SHALL end the transaction",
        trigger="EVConnectTimeout",
        reason="Timeout",
        rule_values=f"{PART2} F02.FR.07: it SHALL end with triggerReason EVConnectTimeout and stoppedReason Timeout",
    )


async def _wait(ctx: CaseContext, seconds: float) -> None:
    async with ctx.waiting("EVConnectionTimeOut to pass", seconds, quiet=True):
        await asyncio.sleep(seconds)


# -- E06.FR.04: the bench refuses the idToken of an offline start -----------------------------------


@case201(
    "TC_E_16_CS",
    _title("TC_E_16_CS"),
    "E06.FR.04, E06.FR.15, E05.FR.10, C15.FR.04",
    """
TxCtrlr.TxStopPoint names Authorized or PowerPathClosed (not EnergyTransfer, DataSigned), or the bench sets it to Authorized (else NOT TESTED); TxCtrlr.StopTxOnInvalidId true (refused: NOT TESTED) and AuthCtrlr.OfflineTxForUnknownIdEnabled true where the station has it, all for the case, put back after
StartOfflineTransaction: the bench closes the connection and refuses reconnections; meanwhile the bench's card is presented at EVSE 1 and the car plugged in (no transaction offline is NOT TESTED: the station may refuse an unknown card offline)
Once back, the station sends the queued events with offline true (E04.FR.03 SHALL); the bench answers the one carrying the card with idTokenInfo Invalid
The station ends the transaction: TransactionEvent Ended (E06.FR.04 SHALL) with triggerReason Deauthorized and stoppedReason DeAuthorized (E05.FR.10 SHALL)
The car is unplugged afterwards""",
)
async def invalid_after_offline_start(ctx: CaseContext) -> str:
    name = "the refused card ends the transaction"
    evse, tag = 1, ctx.settings.valid_id_tag
    now = points(await get_quietly(ctx, TX_STOP_POINT))
    wanted = (
        "PowerPathClosed" if "PowerPathClosed" in now and "Authorized" not in now else "Authorized"
    )
    unwanted = ("EnergyTransfer", "DataSigned")
    async with (
        tx_points(ctx, TX_STOP_POINT, wanted, unwanted) as problem,
        settings_for_case(
            ctx, (STOP_TX_ON_INVALID_ID, "true"), (OFFLINE_TX_FOR_UNKNOWN_ID, "true")
        ) as kept,
    ):
        if problem is not None:
            return not_for_point(ctx, name, problem, "Authorized or PowerPathClosed")
        refused = [p for p in kept if str(STOP_TX_ON_INVALID_ID) in p]
        if refused:
            not_tested(
                ctx,
                name,
                f"{refused[0]}: this case is for a station that stops on an invalid idToken",
            )
            return ""
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
            return ""

        def invalid(payload: dict[str, Any]) -> dict[str, Any]:
            token = payload.get("idToken")
            return {"idTokenInfo": {"status": "Invalid"}} if token else {}

        since = len(ctx.session.inbox)
        with ctx.session.answers.override("TransactionEvent", invalid):
            async with outage(ctx, name) as made:
                if not made:
                    return ""
                if not await ctx.physical(StepKind.PRESENT_CARD, evse, name, tag):
                    return ""
                if not await ctx.physical(StepKind.PLUG, evse, name):
                    return ""
            if not ctx.session.connected:
                await finish(ctx, None, evse)
                return ""
            return await _deauthorized(ctx, name, evse, tag, since)


async def _deauthorized(ctx: CaseContext, name: str, evse: int, tag: str, since: int) -> str:
    try:
        carried = await ctx.expect(
            "TransactionEvent",
            carrying(tag),
            ctx.settings.timeouts.transaction,
            Cursor(since),
            what="the queued TransactionEvent with the card",
        )
    except SessionError:
        not_tested(
            ctx,
            name,
            "no TransactionEvent carries the card after the outage: the station started no transaction offline (it may refuse a card it does not know offline)",
        )
        await finish(ctx, None, evse)
        return ""
    tid = carried.payload["transactionInfo"]["transactionId"]
    ok = ctx.check(
        carried.payload.get("offline") is True,
        "the offline events say offline true",
        "offline true"
        if carried.payload.get("offline") is True
        else f"offline {carried.payload.get('offline')}: {PART2} E04.FR.03: an event that happened offline SHALL be sent with offline true",
        (carried.entry_id,),
    )
    end = await ended_after(ctx, tid, carried.index, "the Ended of the refused card")
    ok = (
        check_ended(
            ctx,
            name,
            end,
            f"{PART2} E06.FR.04: with Authorized or PowerPathClosed in TxStopPoint an idTokenInfo that is not valid SHALL end the transaction (StopTxOnInvalidId true)",
            trigger="Deauthorized",
            reason="DeAuthorized",
            rule_values=f"{PART2} E05.FR.10: it SHALL end with triggerReason Deauthorized and stoppedReason DeAuthorized",
        )
        and ok
    )
    await finish(ctx, None if end is not None else tid, evse)
    return "OK, the refused card ended it" if ok else ""


CASES: list[CatalogueCase] = [deauthorized_timeout, invalid_after_offline_start]

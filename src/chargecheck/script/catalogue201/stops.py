# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, how a transaction stops: the stop points of TxCtrlr.TxStopPoint (use case
E06: Authorized, PowerPathClosed, EnergyTransfer, EVConnected), the driver's own stop with
the card (E07) and the bench's (F03). An authorization that ends without either (a
timeout, a refused idToken) is in ``deauthorized``; the cable pulled at the car in
``ev_side``.

Which event ends a transaction is the station's configuration: a case written for a stop
point the station does not use, and cannot be given, is NOT TESTED naming it. Where
OCPP allows two shapes (a single Ended with StopAuthorized, or an Updated with it then
an Ended), both pass.
"""

from __future__ import annotations

from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_STOP_POINT,
    case201,
    get_quietly,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    EV_LEFT_AVAILABLE,
    carrying,
    charging_by_card,
    check_reported_later,
    ended_after,
    next_event,
    not_for_point,
    resume,
    stop_authorized,
    stopped_reason_present,
    tx_points,
)
from chargecheck.script.catalogue201.states import (
    Charging,
    charging,
    finish,
    points,
    running_transactions,
)
from chargecheck.script.catalogue201.transactions import seq_nos_counted
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


def check_ended(
    ctx: CaseContext,
    name: str,
    end: Message | None,
    rule: str,
    *,
    trigger: str | None = None,
    reason: str | None = None,
    rule_values: str = "",
) -> bool:
    """The Ended event came (else FAIL quoting ``rule``), with ``trigger`` and ``reason``
    when given (else FAIL quoting ``rule_values``)."""
    if end is None:
        return ctx.check(False, name, f"no TransactionEvent Ended: {rule}")
    payload, info = end.payload, end.payload["transactionInfo"]
    problems = []
    if trigger is not None and payload["triggerReason"] != trigger:
        problems.append(f"triggerReason {payload['triggerReason']}, not {trigger}")
    if reason is not None and info.get("stoppedReason") != reason:
        problems.append(f"stoppedReason {info.get('stoppedReason')}, not {reason}")
    said = f"Ended, triggerReason {payload['triggerReason']}, stoppedReason {info.get('stoppedReason', '-')}"
    return ctx.check(
        not problems,
        name,
        f"{'; '.join(problems)}: {rule_values}" if problems else said,
        (end.entry_id,),
    )


# -- stopped by the driver or the bench ------------------------------------------------------


@case201(
    "TC_E_06_CS",
    _title("TC_E_06_CS"),
    "E07.FR.01, E07.FR.02, E07.FR.04, E06.FR.15, C01.FR.03",
    """
EnergyTransferStarted with the bench's card: presented at EVSE 1, the car plugged in, until chargingState Charging (not reached: NOT TESTED)
StopAuthorized (local): the same card presented again: a TransactionEvent with triggerReason StopAuthorized follows (E07.FR.02 SHALL), without asking the bench (no AuthorizeRequest for it: E07.FR.01 SHALL)
The transaction ends where its TxStopPoint says: at the card (Authorized, PowerPathClosed, EnergyTransfer: E06.FR.03/06/07) or when the car is unplugged (EVConnected: E06.FR.02); the car is unplugged and the connector reported Available (G01.FR.04 SHALL)
An Ended at the card gives stoppedReason Local or none (E07.FR.04 MAY omit it; another reason is NOT TESTED: E07.FR.05 is a SHOULD)""",
)
async def local_stop(ctx: CaseContext) -> str:
    name = "the card ends the transaction"
    session = await charging_by_card(ctx, name)
    if session is None:
        return ""
    stops = points(await get_quietly(ctx, TX_STOP_POINT))
    asked_since = len(ctx.session.inbox)
    stop = await stop_authorized(ctx, session, name, local=True)
    if stop is None:
        await finish(ctx, session.transaction_id, session.evse)
        return ""
    tid = session.transaction_id
    asked = next(
        (
            m
            for m in ctx.session.inbox[asked_since:]
            if m.action == "Authorize" and carrying(ctx.settings.valid_id_tag)(m.payload)
        ),
        None,
    )
    ok = ctx.check(
        asked is None,
        "the stop needs no AuthorizeRequest",
        f"an AuthorizeRequest for the card that started it: {PART2} E07.FR.01: for the idToken that started the transaction the station SHALL end the authorization without asking the CSMS"
        if asked is not None
        else f"triggerReason StopAuthorized ({stop.payload['eventType']})",
        (stop.entry_id, *((asked.entry_id,) if asked else ())),
    )
    at_card = {"Authorized", "PowerPathClosed", "EnergyTransfer"} & set(stops)
    end = await ended_after(ctx, tid, session.since, "the Ended at the card") if at_card else None
    if at_card:
        ok = (
            check_ended(
                ctx,
                "the transaction ends at the card",
                end,
                f"{PART2} E06.FR.03/06/07: with {', '.join(sorted(at_card))} in TxStopPoint the end of the authorization SHALL end the transaction",
            )
            and ok
        )
        if end is not None:
            ok = _local_reason(ctx, end) and ok
    unplugged_at = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.UNPLUG, session.evse, "the car is unplugged"):
        return ""
    if end is None and "EVConnected" in stops:
        end = await ended_after(ctx, tid, unplugged_at, "the Ended at the unplug")
        ok = (
            check_ended(
                ctx,
                "the transaction ends at the unplug",
                end,
                f"{PART2} E06.FR.02: with EVConnected in TxStopPoint the EV leaving SHALL end the transaction",
            )
            and ok
        )
    ok = (
        await check_reported_later(ctx, session.evse, unplugged_at, "Available", EV_LEFT_AVAILABLE)
        and ok
    )
    if tid in running_transactions(ctx):
        await finish(ctx, tid, session.evse)
    return "OK, stopped with the card" if ok else ""


def _local_reason(ctx: CaseContext, end: Message) -> bool:
    reason = end.payload["transactionInfo"].get("stoppedReason")
    name = "stoppedReason Local or none"
    if reason not in (None, "Local"):
        not_tested(
            ctx,
            name,
            f"stoppedReason {reason}: for a stop by the driver E07.FR.05 asks Local only as SHOULD",
            (end.entry_id,),
        )
        return False
    return ctx.check(
        True, name, f"stoppedReason {reason or 'omitted (E07.FR.04)'}", (end.entry_id,)
    )


async def _ended_by_stop(
    ctx: CaseContext,
    name: str,
    session: Charging,
    *,
    local: bool,
    rule: str,
    trigger: str | None = None,
    reason: str | None = None,
    rule_values: str = "",
) -> str:
    """StopAuthorized (local or remote) on ``session``, then its Ended: judged by
    ``rule`` (and ``trigger`` / ``reason`` quoting ``rule_values``); the car unplugged
    after, the seqNo counted."""
    tid = session.transaction_id
    stop = await stop_authorized(ctx, session, name, local=local)
    ok = stop is not None
    if stop is not None:
        end = stop if stop.payload["eventType"] == "Ended" else None
        end = end or await ended_after(ctx, tid, stop.index, "the Ended of the stop")
        ok = check_ended(
            ctx, name, end, rule, trigger=trigger, reason=reason, rule_values=rule_values
        )
        if ok and end is not None and local:
            ok = _local_reason(ctx, end)
        elif ok and end is not None:
            ok = stopped_reason_present(ctx, end)
    await finish(ctx, tid if tid in running_transactions(ctx) else None, session.evse)
    if stop is not None:
        ok = seq_nos_counted(ctx, tid) and ok
    return "OK, ended at the stop" if ok else ""


async def _stop_at_point(
    ctx: CaseContext,
    name: str,
    point: str,
    unwanted: tuple[str, ...],
    *,
    local: bool,
    rule: str,
    trigger: str | None = None,
    reason: str | None = None,
    rule_values: str = "",
) -> str:
    """With TxStopPoint naming ``point`` and none of ``unwanted`` (else NOT TESTED), a
    transaction started with the bench's card (``local``) or remotely, ended by
    ``_ended_by_stop``."""
    async with tx_points(ctx, TX_STOP_POINT, point, unwanted) as problem:
        if problem is not None:
            return not_for_point(ctx, name, problem, point)
        session = await (charging_by_card if local else charging)(ctx, name)
        if session is None:
            return ""
        return await _ended_by_stop(
            ctx,
            name,
            session,
            local=local,
            rule=rule,
            trigger=trigger,
            reason=reason,
            rule_values=rule_values,
        )


@case201(
    "TC_E_07_CS",
    _title("TC_E_07_CS"),
    "E06.FR.06, E06.FR.15, E07.FR.02",
    """
TxCtrlr.TxStopPoint names PowerPathClosed and not Authorized, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted with the bench's card (not reached: NOT TESTED); the same card presented again: a TransactionEvent with triggerReason StopAuthorized (E07.FR.02 SHALL) and the transaction's Ended, before the car leaves (E06.FR.06 SHALL: the authorization ended), with stoppedReason Local or none (another is NOT TESTED, E07.FR.05 SHOULD)
The car is unplugged afterwards; the seqNo go up by one (E06.FR.14)""",
)
async def power_path_local_stop(ctx: CaseContext) -> str:
    return await _stop_at_point(
        ctx,
        "the card ends the transaction",
        "PowerPathClosed",
        ("Authorized",),
        local=True,
        rule=f"{PART2} E06.FR.06: with PowerPathClosed in TxStopPoint the end of the authorization SHALL end the transaction",
    )


@case201(
    "TC_E_35_CS",
    _title("TC_E_35_CS"),
    "E06.FR.06, E06.FR.15, F03.FR.03, F03.FR.07",
    """
TxCtrlr.TxStopPoint names PowerPathClosed and not Authorized, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted (remote start and the car plugged in; not reached: NOT TESTED); RequestStopTransaction with its transactionId is Accepted (F03.FR.07 SHALL)
A TransactionEvent Ended follows with triggerReason RemoteStop and stoppedReason Remote (E06.FR.06, F03.FR.03 SHALL)
The car is unplugged afterwards; the seqNo go up by one""",
)
async def power_path_remote_stop(ctx: CaseContext) -> str:
    return await _remote_stop_case(ctx, "PowerPathClosed", ("Authorized",), "E06.FR.06")


async def _remote_stop_case(
    ctx: CaseContext, point: str, unwanted: tuple[str, ...], rule_id: str
) -> str:
    return await _stop_at_point(
        ctx,
        "RequestStopTransaction ends the transaction",
        point,
        unwanted,
        local=False,
        rule=f"{PART2} {rule_id}, F03.FR.03: with {point} in TxStopPoint a remote stop SHALL end the transaction",
        trigger="RemoteStop",
        reason="Remote",
        rule_values=f"{PART2} F03.FR.03: the Ended SHALL have triggerReason RemoteStop and stoppedReason Remote",
    )


@case201(
    "TC_E_21_CS",
    _title("TC_E_21_CS"),
    "E06.FR.03, E06.FR.15, F03.FR.03, F03.FR.07, F03.FR.09",
    """
TxCtrlr.TxStopPoint names Authorized and not PowerPathClosed, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted (remote start and the car plugged in; not reached: NOT TESTED); RequestStopTransaction with its transactionId is Accepted (F03.FR.07 SHALL)
A TransactionEvent Ended follows with triggerReason RemoteStop (F03.FR.09) and stoppedReason Remote (E06.FR.03, F03.FR.03 SHALL)
The car is unplugged afterwards; the seqNo go up by one""",
)
async def authorized_remote_stop(ctx: CaseContext) -> str:
    return await _remote_stop_case(ctx, "Authorized", ("PowerPathClosed",), "E06.FR.03")


@case201(
    "TC_E_15_CS",
    _title("TC_E_15_CS"),
    "E06.FR.03, E06.FR.15, E07.FR.02, E07.FR.04",
    """
TxCtrlr.TxStopPoint names Authorized and not PowerPathClosed, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted with the bench's card (not reached: NOT TESTED); the same card presented again: a TransactionEvent with triggerReason StopAuthorized (E07.FR.02 SHALL) and the transaction's Ended before the car leaves (E06.FR.03 SHALL), with stoppedReason Local or none (E07.FR.04 MAY omit it; another is NOT TESTED, E07.FR.05 SHOULD)
The car is unplugged afterwards; the seqNo go up by one""",
)
async def authorized_local_stop(ctx: CaseContext) -> str:
    return await _stop_at_point(
        ctx,
        "the card ends the transaction",
        "Authorized",
        ("PowerPathClosed",),
        local=True,
        rule=f"{PART2} E06.FR.03: with Authorized in TxStopPoint the driver's stop SHALL end the transaction",
    )


@case201(
    "TC_E_08_CS",
    _title("TC_E_08_CS"),
    "E06.FR.07, E06.FR.08, E06.FR.15",
    """
TxCtrlr.TxStopPoint names EnergyTransfer and neither Authorized nor PowerPathClosed, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted (remote start and the car plugged in; not reached: NOT TESTED); StopAuthorized (remote): RequestStopTransaction Accepted (F03.FR.07 SHALL) and a TransactionEvent with triggerReason RemoteStop (F03.FR.02/03 SHALL)
The energy stops, so the transaction ends: TransactionEvent Ended (E06.FR.07 SHALL) with a stoppedReason (E06.FR.08 SHALL)
The car is unplugged afterwards; the seqNo go up by one""",
)
async def energy_transfer_stop(ctx: CaseContext) -> str:
    return await _stop_at_point(
        ctx,
        "the end of the energy transfer ends the transaction",
        "EnergyTransfer",
        ("Authorized", "PowerPathClosed"),
        local=False,
        rule=f"{PART2} E06.FR.07: with EnergyTransfer in TxStopPoint the end of the energy transfer SHALL end the transaction",
    )


@case201(
    "TC_E_22_CS",
    _title("TC_E_22_CS"),
    "E06.FR.07, E06.FR.08, E06.FR.15, E01.FR.18",
    """
TxCtrlr.TxStopPoint names EnergyTransfer, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EnergyTransferStarted (remote start and the car plugged in; not reached: NOT TESTED); the car stops drawing energy (the operator's step)
The transaction ends: TransactionEvent Ended (E06.FR.07 SHALL) with a stoppedReason (E06.FR.08 SHALL; StoppedByEV fits); an Updated with chargingState SuspendedEV and no end is NOT TESTED (OCTT accepts it: the station may count a pause as energy transfer); no TransactionEvent at all FAILs (E01.FR.18: the new chargingState SHALL be sent)
The car draws again and is unplugged afterwards""",
)
async def suspended_ev_stop(ctx: CaseContext) -> str:
    name = "the car's pause ends the transaction"
    async with tx_points(ctx, TX_STOP_POINT, "EnergyTransfer") as problem:
        if problem is not None:
            return not_for_point(ctx, name, problem, "EnergyTransfer")
        session = await charging(ctx, name)
        if session is None:
            return ""
        try:
            return await _paused(ctx, name, session)
        finally:
            await resume(ctx, session.evse)
            await finish(ctx, None, session.evse)


async def _paused(ctx: CaseContext, name: str, session: Charging) -> str:
    tid, since = session.transaction_id, len(ctx.session.inbox)
    if not await ctx.physical(StepKind.EV_SUSPEND, session.evse, name):
        await finish(ctx, tid, session.evse)
        return ""
    said = await next_event(ctx, tid, since, None, "the transaction's event of the pause")
    if said is None:
        ctx.check(
            False,
            name,
            f"no TransactionEvent after the car stopped drawing: {PART2} E06.FR.07: with EnergyTransfer in TxStopPoint the end of the energy transfer SHALL end the transaction (E01.FR.18: at least its new chargingState SHALL be sent)",
        )
        await finish(ctx, tid, session.evse)
        return ""
    end = said if said.payload["eventType"] == "Ended" else None
    end = end or await ended_after(ctx, tid, said.index, "the Ended of the pause")
    if end is None:
        state = said.payload["transactionInfo"].get("chargingState")
        not_tested(
            ctx,
            name,
            f"the transaction goes on with chargingState {state}: a station may count the car's pause as energy transfer (OCTT accepts an Updated with SuspendedEV)",
            (said.entry_id,),
        )
        await finish(ctx, tid, session.evse)
        return ""
    ok = check_ended(ctx, name, end, "")
    ok = stopped_reason_present(ctx, end) and ok
    return "OK, ended at the car's pause" if ok else ""


@case201(
    "TC_E_14_CS",
    _title("TC_E_14_CS"),
    "E06.FR.02, E06.FR.15, E01.FR.18, G01.FR.04",
    """
TxCtrlr.TxStopPoint names EVConnected and none of EnergyTransfer, PowerPathClosed, DataSigned, Authorized, or the bench sets it so for the case and puts it back after (else NOT TESTED)
EVConnectedPostSession: EnergyTransferStarted (remote; not reached: NOT TESTED), then RequestStopTransaction Accepted (F03.FR.07) and a TransactionEvent with triggerReason RemoteStop (F03.FR.02 SHALL); the transaction goes on with the car connected
The car is unplugged at the station (the operator's step): the connector is reported Available (G01.FR.04 SHALL) and the transaction ends: TransactionEvent Ended (E06.FR.02 SHALL) with triggerReason EVCommunicationLost (E06.FR.15) and chargingState Idle (E01.FR.18 SHALL: the new chargingState); the stoppedReason is not judged (Remote, Local, EVDisconnected or none are all met)""",
)
async def ev_disconnected_station_side(ctx: CaseContext) -> str:
    name = "the unplug ends the transaction"
    unwanted = ("EnergyTransfer", "PowerPathClosed", "DataSigned", "Authorized")
    async with tx_points(ctx, TX_STOP_POINT, "EVConnected", unwanted) as problem:
        if problem is not None:
            return not_for_point(ctx, name, problem, "EVConnected")
        session = await charging(ctx, name)
        if session is None:
            return ""
        tid = session.transaction_id
        stop = await stop_authorized(ctx, session, name, local=False)
        if stop is None or stop.payload["eventType"] == "Ended":
            if stop is not None:
                not_tested(
                    ctx,
                    name,
                    "the remote stop ended the transaction already, so the unplug ends nothing",
                    (stop.entry_id,),
                )
            await finish(ctx, None if stop else tid, session.evse)
            return ""
        unplugged_at = len(ctx.session.inbox)
        if not await ctx.physical(StepKind.UNPLUG, session.evse, name):
            await finish(ctx, tid, session.evse)
            return ""
        end = await ended_after(ctx, tid, unplugged_at, "the Ended at the unplug")
        ok = check_ended(
            ctx,
            name,
            end,
            f"{PART2} E06.FR.02: with EVConnected in TxStopPoint the EV leaving SHALL end the transaction",
            trigger="EVCommunicationLost",
            rule_values=f"{PART2} E06.FR.15, E02.FR.17: the event SHALL give the reason it is sent for (the EV is gone)",
        )
        if end is not None:
            ok = _idle(ctx, end) and ok
        ok = (
            await check_reported_later(
                ctx, session.evse, unplugged_at, "Available", EV_LEFT_AVAILABLE
            )
            and ok
        )
        if end is None:
            await finish(ctx, tid, session.evse)
        return "OK, ended at the unplug" if ok else ""


def _idle(ctx: CaseContext, event: Message) -> bool:
    state = event.payload["transactionInfo"].get("chargingState")
    return ctx.check(
        state == "Idle",
        "chargingState Idle once the car is gone",
        f"chargingState {state}"
        + (
            ""
            if state == "Idle"
            else f": {PART2} E01.FR.18: the new chargingState (Idle: no EV connected) SHALL be sent"
        ),
        (event.entry_id,),
    )


CASES: list[CatalogueCase] = [
    local_stop,
    power_path_local_stop,
    power_path_remote_stop,
    energy_transfer_stop,
    suspended_ev_stop,
    ev_disconnected_station_side,
    authorized_local_stop,
    authorized_remote_stop,
]

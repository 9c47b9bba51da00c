# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, the cable pulled at the car (the EV side) while the car pauses: the stop
points it ends (E06: Authorized or PowerPathClosed through a deauthorization, EVConnected,
PowerPathClosed), and what TxCtrlr.StopTxOnEVSideDisconnect asks: deauthorize (E09) or
suspend until the car comes back, or EVConnectionTimeOut passes for a cable attached to
the station (E10).

What kind of cable the station has is read, never assumed: Connector.ConnectorType
("cType2": a cable attached to the station, "sType2": a socket for a detachable cable;
the DC types charge no IEC 61851-1 car). A case written for the other kind is NOT TESTED
naming the type. A station with an attached cable has only one side to pull it from:
the operator's step "at the car" is then the plain unplug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_STOP_POINT,
    Variable,
    case201,
    get_quietly,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    DC_ONLY,
    EV_CONNECTION_TIMEOUT,
    EV_LEFT_AVAILABLE,
    STOP_TX_ON_EV_SIDE_DISCONNECT,
    UNLOCK_ON_EV_SIDE_DISCONNECT,
    cable_attached,
    charging_by_card,
    charging_state,
    check_reported_later,
    connector_type,
    ended,
    energy_suspended,
    next_event,
    not_for_point,
    resume,
    settings_for_case,
    stopped_reason_present,
    tx_points,
)
from chargecheck.script.catalogue201.states import (
    Charging,
    charging,
    finish,
    running_transactions,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


async def _suspended_session(ctx: CaseContext, name: str, *, card: bool) -> Charging | None:
    """EnergyTransferSuspended on EVSE 1: charging (with the bench's card when ``card``,
    else a remote start), then the car pauses. None: not reached (NOT TESTED recorded)."""
    session = await (charging_by_card(ctx, name) if card else charging(ctx, name))
    if session is None:
        return None
    if await energy_suspended(ctx, session, name) is None:
        await resume(ctx, session.evse)
        await finish(ctx, session.transaction_id, session.evse)
        return None
    return session


async def _pulled_at_car(ctx: CaseContext, session: Charging, name: str) -> int | None:
    """The cable pulled at the car (the operator's step): the inbox index from before."""
    since = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.EV_SIDE_UNPLUG, session.evse, name):
        return None
    return since


def _lost(
    ctx: CaseContext, name: str, event: Message | None, *, ended_wanted: bool | None, rule: str
) -> bool:
    """The TransactionEvent of the EV-side disconnect: triggerReason EVCommunicationLost
    (E02.FR.17: the event's own reason), chargingState Idle (E01.FR.18: no EV connected);
    Ended when ``ended_wanted`` (else FAIL quoting ``rule``)."""
    if event is None:
        what = "TransactionEvent Ended" if ended_wanted else "TransactionEvent"
        return ctx.check(False, name, f"no {what} after the cable left the car: {rule}")
    payload, info = event.payload, event.payload["transactionInfo"]
    problems = []
    if ended_wanted and payload["eventType"] != "Ended":
        problems.append(f"{payload['eventType']}, not Ended: {rule}")
    if payload["triggerReason"] != "EVCommunicationLost":
        problems.append(
            f"triggerReason {payload['triggerReason']}, not EVCommunicationLost: {PART2} E02.FR.17: an event during the transaction SHALL carry its own triggerReason"
        )
    if info.get("chargingState") != "Idle":
        problems.append(
            f"chargingState {info.get('chargingState')}, not Idle: {PART2} E01.FR.18: the new chargingState (no EV connected) SHALL be sent"
        )
    return ctx.check(
        not problems,
        name,
        "; ".join(problems)
        or f"{payload['eventType']}, EVCommunicationLost, chargingState Idle, stoppedReason {info.get('stoppedReason', '-')}",
        (event.entry_id,),
    )


async def _disconnect_event(
    ctx: CaseContext, session: Charging, since: int, *, want_end: bool
) -> Message | None:
    """The first TransactionEvent after the disconnect (the Ended when ``want_end``)."""
    where = ended if want_end else None
    return await next_event(
        ctx, session.transaction_id, since, where, "the TransactionEvent of the disconnect"
    )


async def _pulled_while_suspended(
    ctx: CaseContext,
    name: str,
    judge: Callable[[Charging, int], Awaitable[str]],
    *,
    card: bool,
) -> str:
    """A ``_suspended_session``, the cable pulled at the car, then ``judge(session, since)``
    (``since``: the inbox index from before the pull); the session cleaned up after."""
    session = await _suspended_session(ctx, name, card=card)
    if session is None:
        return ""
    try:
        since = await _pulled_at_car(ctx, session, name)
        if since is None:
            return ""
        return await judge(session, since)
    finally:
        await _clean_up(ctx, session)


async def _ended_at_car(
    ctx: CaseContext, name: str, session: Charging, since: int, rule: str
) -> bool:
    """The pull at the car ends the transaction: its Ended judged by ``_lost`` (quoting
    ``rule``), with a stoppedReason (E06.FR.08)."""
    end = await _disconnect_event(ctx, session, since, want_end=True)
    ok = _lost(ctx, name, end, ended_wanted=True, rule=rule)
    if end is not None:
        ok = stopped_reason_present(ctx, end) and ok
    return ok


def _stop_tx_refused(ctx: CaseContext, name: str, kept: list[str], value: str) -> bool:
    """Whether the station refused StopTxOnEVSideDisconnect ``value`` (``kept``: what
    ``settings_for_case`` could not set): then ``name`` is NOT TESTED."""
    refused = [p for p in kept if str(STOP_TX_ON_EV_SIDE_DISCONNECT) in p]
    if refused:
        not_tested(ctx, name, f"{refused[0]}: this case needs it {value}")
    return bool(refused)


async def _available_after(ctx: CaseContext, session: Charging, since: int, attached: bool) -> bool:
    """The connector is reported Available once the EV is gone (G01.FR.04): at once for
    an attached cable; for a detachable one after the card unlocks it and the cable is
    taken out at the station (the operator's steps)."""
    if not attached:
        tag = ctx.settings.valid_id_tag
        step = "the connector is reported Available"
        if not await ctx.physical(StepKind.PRESENT_CARD, session.evse, step, tag):
            return False
        since = len(ctx.session.inbox)
        if not await ctx.physical(StepKind.UNPLUG, session.evse, step):
            return False
    return await check_reported_later(ctx, session.evse, since, "Available", EV_LEFT_AVAILABLE)


async def _clean_up(ctx: CaseContext, session: Charging) -> None:
    await resume(ctx, session.evse)
    tid = session.transaction_id
    await finish(ctx, tid if tid in running_transactions(ctx) else None, session.evse)


async def _cable(ctx: CaseContext, name: str) -> tuple[str, bool] | None:
    """The connector's type and whether its cable is attached; None (NOT TESTED) if the
    station does not say."""
    kind = await connector_type(ctx)
    attached = cable_attached(kind)
    if kind is None or attached is None:
        not_tested(
            ctx,
            name,
            f"Connector.ConnectorType of EVSE 1 is {kind!r}: the bench cannot tell whether its cable is attached to the station or detachable",
        )
        return None
    return kind, attached


@case201(
    "TC_E_17_CS",
    _title("TC_E_17_CS"),
    "E06.FR.04, E06.FR.15, E09.FR.01, E06.FR.08",
    """
TxCtrlr.TxStopPoint names Authorized (or PowerPathClosed) and none of EnergyTransfer, DataSigned, EVConnected, or the bench sets it to Authorized (else NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect true (refused: NOT TESTED) and OCPPCommCtrlr.UnlockOnEVSideDisconnect false where it can be set; all put back after
EnergyTransferSuspended: charging (with the bench's card for a detachable cable, else a remote start), then the car pauses (reported SuspendedEV or EVConnected; none: NOT TESTED)
The cable is pulled at the car: the transaction is deauthorized (E09.FR.01 SHALL), so it ends: TransactionEvent Ended (E06.FR.04) with triggerReason EVCommunicationLost (E02.FR.17), chargingState Idle (E01.FR.18) and a stoppedReason (E06.FR.08 SHALL; EVDisconnected fits)
The connector is reported Available once the EV is gone (G01.FR.04 SHALL): at once for a cable attached to the station; for a detachable one after the card is presented and the cable taken out""",
)
async def deauthorized_ev_side(ctx: CaseContext) -> str:
    name = "the cable pulled at the car ends the transaction"
    cable = await _cable(ctx, name)
    if cable is None:
        return ""
    _, attached = cable
    now = await get_quietly(ctx, TX_STOP_POINT)
    wanted = (
        "PowerPathClosed"
        if "PowerPathClosed" in (now or "") and "Authorized" not in (now or "")
        else "Authorized"
    )
    async with (
        tx_points(
            ctx, TX_STOP_POINT, wanted, ("EnergyTransfer", "DataSigned", "EVConnected")
        ) as problem,
        settings_for_case(
            ctx,
            (STOP_TX_ON_EV_SIDE_DISCONNECT, "true"),
            (UNLOCK_ON_EV_SIDE_DISCONNECT, "false"),
        ) as kept,
    ):
        if problem is not None:
            return not_for_point(ctx, name, problem, "Authorized or PowerPathClosed")
        if _stop_tx_refused(ctx, name, kept, "true"):
            return ""

        async def judge(session: Charging, since: int) -> str:
            rule = f"{PART2} E09.FR.01, E06.FR.04: with StopTxOnEVSideDisconnect true the transaction SHALL be deauthorized when the cable leaves the car, and with Authorized / PowerPathClosed in TxStopPoint that ends it"
            ok = await _ended_at_car(ctx, name, session, since, rule)
            ok = await _available_after(ctx, session, since, attached) and ok
            return "OK, deauthorized at the car's side" if ok else ""

        return await _pulled_while_suspended(ctx, name, judge, card=not attached)


async def _ends_at_car(
    ctx: CaseContext, name: str, point: str, unwanted: tuple[str, ...], rule: str
) -> str:
    """E_20 / E_54 / E_37: the stop point ``point`` ends the transaction when the cable
    leaves the car (StopTxOnEVSideDisconnect false where it can be set)."""
    async with (
        tx_points(ctx, TX_STOP_POINT, point, unwanted) as problem,
        settings_for_case(ctx, (STOP_TX_ON_EV_SIDE_DISCONNECT, "false")),
    ):
        if problem is not None:
            return not_for_point(ctx, name, problem, point)

        async def judge(session: Charging, since: int) -> str:
            ok = await _ended_at_car(ctx, name, session, since, rule)
            return "OK, ended when the cable left the car" if ok else ""

        return await _pulled_while_suspended(ctx, name, judge, card=False)


async def _ev_disconnected(ctx: CaseContext, case_id: str, *, dc: bool) -> str:
    name = "the cable pulled at the car ends the transaction"
    kind = await connector_type(ctx)
    if kind is None or (kind in DC_ONLY) != dc:
        what = (
            "charges only cars with high-level communication (a DC connector)"
            if dc
            else "can charge an IEC 61851-1 car (basic signalling)"
        )
        not_tested(
            ctx,
            name,
            f"Connector.ConnectorType of EVSE 1 is {kind!r}: this case is for a station that {what}",
        )
        return ""
    return await _ends_at_car(
        ctx,
        name,
        "EVConnected",
        ("EnergyTransfer", "PowerPathClosed"),
        f"{PART2} E06.FR.02: with EVConnected in TxStopPoint the EV leaving SHALL end the transaction",
    )


@case201(
    "TC_E_20_CS",
    _title("TC_E_20_CS"),
    "E06.FR.02, E06.FR.15, E06.FR.08, E01.FR.18",
    """
The station charges IEC 61851-1 cars (its Connector.ConnectorType is no DC-only type; else NOT TESTED)
TxCtrlr.TxStopPoint names EVConnected and neither EnergyTransfer nor PowerPathClosed, or the bench sets it so (else NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect false where it can be set; both put back after
EnergyTransferSuspended: a remote start, the car plugged in and charging, then pausing (reported SuspendedEV or EVConnected; none: NOT TESTED)
The cable is pulled at the car: TransactionEvent Ended (E06.FR.02 SHALL) with triggerReason EVCommunicationLost (E02.FR.17), chargingState Idle (E01.FR.18) and a stoppedReason (E06.FR.08 SHALL; EVDisconnected fits)""",
)
async def ev_disconnected_ev_side(ctx: CaseContext) -> str:
    return await _ev_disconnected(ctx, "TC_E_20_CS", dc=False)


@case201(
    "TC_E_54_CS",
    _title("TC_E_54_CS"),
    "E06.FR.02, E06.FR.15, E06.FR.08, E01.FR.18",
    """
The station charges only cars with high-level communication: its Connector.ConnectorType is a DC one (cCCS1, cCCS2, cG105, cChaoJi); else NOT TESTED
TxCtrlr.TxStopPoint names EVConnected and neither EnergyTransfer nor PowerPathClosed, or the bench sets it so (else NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect false where it can be set; both put back after
EnergyTransferSuspended: a remote start, the car plugged in and charging, then pausing (none reported: NOT TESTED)
The cable is pulled at the car: TransactionEvent Ended (E06.FR.02 SHALL) with triggerReason EVCommunicationLost (E02.FR.17), chargingState Idle (E01.FR.18) and a stoppedReason (E06.FR.08 SHALL; StoppedByEV or EVDisconnected fit)""",
)
async def ev_disconnected_hlc(ctx: CaseContext) -> str:
    return await _ev_disconnected(ctx, "TC_E_54_CS", dc=True)


@case201(
    "TC_E_37_CS",
    _title("TC_E_37_CS"),
    "E06.FR.06, E06.FR.15, E06.FR.08, E01.FR.18",
    """
TxCtrlr.TxStopPoint names PowerPathClosed and none of EnergyTransfer, EVConnected, DataSigned, or the bench sets it so (else NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect false where it can be set; both put back after
EnergyTransferSuspended: a remote start, the car plugged in and charging, then pausing (none reported: NOT TESTED)
The cable is pulled at the car: the power path opens, so TransactionEvent Ended (E06.FR.06 SHALL) with triggerReason EVCommunicationLost (E02.FR.17), chargingState Idle (E01.FR.18) and a stoppedReason (E06.FR.08 SHALL; EVDisconnected or StoppedByEV fit)""",
)
async def power_path_ev_side(ctx: CaseContext) -> str:
    return await _ends_at_car(
        ctx,
        "the cable pulled at the car ends the transaction",
        "PowerPathClosed",
        ("EnergyTransfer", "EVConnected", "DataSigned"),
        f"{PART2} E06.FR.06: with PowerPathClosed in TxStopPoint the EV leaving SHALL end the transaction",
    )


async def _deauthorize_case(
    ctx: CaseContext, name: str, *, unlock: str, detachable_only: bool
) -> str:
    """E_24 / E_25: StopTxOnEVSideDisconnect true and UnlockOnEVSideDisconnect ``unlock``."""
    cable = await _cable(ctx, name)
    if cable is None:
        return ""
    kind, attached = cable
    if detachable_only and attached:
        not_tested(
            ctx,
            name,
            f"Connector.ConnectorType of EVSE 1 is {kind}, a cable attached to the station: this case is for a detachable cable, which the station unlocks",
        )
        return ""
    async with settings_for_case(
        ctx,
        (STOP_TX_ON_EV_SIDE_DISCONNECT, "true"),
        (UNLOCK_ON_EV_SIDE_DISCONNECT, unlock),
    ) as kept:
        if kept and (detachable_only or str(STOP_TX_ON_EV_SIDE_DISCONNECT) in kept[0]):
            not_tested(
                ctx,
                name,
                f"{kept[0]}: this case needs StopTxOnEVSideDisconnect true and UnlockOnEVSideDisconnect {unlock}",
            )
            return ""

        async def judge(session: Charging, since: int) -> str:
            event = await _disconnect_event(ctx, session, since, want_end=False)
            rule = f"{PART2} E09.FR.01: with StopTxOnEVSideDisconnect true the transaction SHALL be deauthorized when the cable leaves the car, which the station SHALL report (E02.FR.17)"
            ok = _lost(ctx, name, event, ended_wanted=None, rule=rule)
            if attached or unlock == "false":
                ok = await _available_after(ctx, session, since, attached) and ok
            else:  # unlocked at once (E09.FR.02): the cable comes out at the station
                step = "the connector is reported Available"
                out_at = len(ctx.session.inbox)
                if await ctx.physical(StepKind.UNPLUG, session.evse, step):
                    ok = await _available_after(ctx, session, out_at, True) and ok
                else:
                    ok = False
            return "OK, deauthorized at the car's side" if ok else ""

        card = not attached and unlock == "false"
        return await _pulled_while_suspended(ctx, name, judge, card=card)


@case201(
    "TC_E_24_CS",
    _title("TC_E_24_CS"),
    "E09.FR.01, E09.FR.02, E09.FR.04",
    """
The cable is detachable (Connector.ConnectorType "s..."; an attached cable "c...": NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect and OCPPCommCtrlr.UnlockOnEVSideDisconnect set true for the case (refused: NOT TESTED), put back after
EnergyTransferSuspended: a remote start, the car plugged in and charging, then pausing (none reported: NOT TESTED)
The cable is pulled at the car: the transaction is deauthorized (E09.FR.01 SHALL): a TransactionEvent with triggerReason EVCommunicationLost (E02.FR.17) and chargingState Idle (E01.FR.18)
The cable, unlocked (E09.FR.02), is taken out at the station (the operator's step; a locked cable is NOT TESTED): the connector is reported Available (G01.FR.04 SHALL)""",
)
async def ev_side_unlocked(ctx: CaseContext) -> str:
    return await _deauthorize_case(
        ctx, "the cable pulled at the car deauthorizes", unlock="true", detachable_only=True
    )


@case201(
    "TC_E_25_CS",
    _title("TC_E_25_CS"),
    "E09.FR.01, E09.FR.03, E09.FR.04",
    """
TxCtrlr.StopTxOnEVSideDisconnect true and OCPPCommCtrlr.UnlockOnEVSideDisconnect false for the case (StopTxOnEVSideDisconnect refused: NOT TESTED; the unlock setting matters only for a detachable cable), put back after
EnergyTransferSuspended: charging (with the bench's card for a detachable cable, else a remote start), then the car pauses (none reported: NOT TESTED)
The cable is pulled at the car: the transaction is deauthorized (E09.FR.01 SHALL): a TransactionEvent with triggerReason EVCommunicationLost (E02.FR.17) and chargingState Idle (E01.FR.18)
The connector is reported Available once the EV is gone (G01.FR.04 SHALL): at once for a cable attached to the station; for a detachable one after the card unlocks it (E09.FR.03) and it is taken out""",
)
async def ev_side_locked(ctx: CaseContext) -> str:
    return await _deauthorize_case(
        ctx, "the cable pulled at the car deauthorizes", unlock="false", detachable_only=False
    )


async def _suspend_case(ctx: CaseContext, name: str, *, replug: bool) -> str:
    """E_26 / E_27: StopTxOnEVSideDisconnect false: the transaction waits for the car."""
    cable = await _cable(ctx, name)
    if cable is None:
        return ""
    kind, attached = cable
    if not replug and not attached:
        not_tested(
            ctx,
            name,
            f"Connector.ConnectorType of EVSE 1 is {kind}, a detachable cable: this case is for a cable attached to the station, which waits EVConnectionTimeOut for the car",
        )
        return ""
    timeout = max(2, int(ctx.settings.timeouts.status / 2))
    wanted: list[tuple[Variable, str]] = [
        (STOP_TX_ON_EV_SIDE_DISCONNECT, "false"),
        (UNLOCK_ON_EV_SIDE_DISCONNECT, "false"),
    ]
    if not replug:
        wanted.append((EV_CONNECTION_TIMEOUT, str(timeout)))
    unwanted = ("EnergyTransfer", "PowerPathClosed", "DataSigned", "EVConnected")
    async with (
        tx_points(ctx, TX_STOP_POINT, "Authorized", unwanted) as problem,
        settings_for_case(ctx, *wanted) as kept,
    ):
        if problem is not None:
            return not_for_point(ctx, name, problem, "Authorized")
        if _stop_tx_refused(ctx, name, kept, "false"):
            return ""
        if any(str(EV_CONNECTION_TIMEOUT) in p for p in kept):
            timeout = int(await get_quietly(ctx, EV_CONNECTION_TIMEOUT) or 60)

        async def judge(session: Charging, since: int) -> str:
            event = await _disconnect_event(ctx, session, since, want_end=False)
            if event is not None and event.payload["eventType"] == "Ended":
                not_tested(
                    ctx,
                    name,
                    "the transaction ended when the cable left the car: E10 describes a suspension for StopTxOnEVSideDisconnect false, but names no requirement against ending it",
                    (event.entry_id,),
                )
                return ""
            rule = f"{PART2} E02.FR.17: the cable leaving the car is an event of the transaction the station SHALL report"
            ok = _lost(ctx, name, event, ended_wanted=False, rule=rule)
            if attached:
                ok = await _available_after(ctx, session, since, True) and ok
            if replug:
                ok = await _back(ctx, session) and ok
            else:
                ok = await _timed_out(ctx, session, since, timeout) and ok
            return "OK, suspended at the car's side" if ok else ""

        return await _pulled_while_suspended(ctx, name, judge, card=False)


async def _back(ctx: CaseContext, session: Charging) -> bool:
    """The cable back into the car: CablePluggedIn (E02.FR.17); the car draws again:
    chargingState Charging (E01.FR.18)."""
    name = "the transaction resumes with the car"
    tid, since = session.transaction_id, len(ctx.session.inbox)
    if not await ctx.physical(StepKind.EV_SIDE_PLUG, session.evse, name):
        return False
    plugged = await next_event(
        ctx,
        tid,
        since,
        lambda p: p["triggerReason"] == "CablePluggedIn",
        "triggerReason CablePluggedIn",
    )
    ok = ctx.check(
        plugged is not None,
        "TransactionEvent CablePluggedIn when the car is back",
        f"{plugged.payload['eventType']}, chargingState {plugged.payload['transactionInfo'].get('chargingState')}"
        if plugged is not None
        else f"none: {PART2} E02.FR.17: the cable plugged in during the transaction SHALL be reported with triggerReason CablePluggedIn (E10: the transaction resumes)",
        (plugged.entry_id,) if plugged is not None else (),
    )
    if not await ctx.physical(StepKind.EV_RESUME, session.evse, name):
        return False
    charging_again = await next_event(
        ctx, tid, since, charging_state("Charging"), "chargingState Charging"
    )
    return (
        ctx.check(
            charging_again is not None,
            name,
            "chargingState Charging"
            if charging_again is not None
            else f"no TransactionEvent says Charging once the car draws again: {PART2} E01.FR.18: the new chargingState SHALL be sent",
            (charging_again.entry_id,) if charging_again is not None else (),
        )
        and ok
    )


async def _timed_out(ctx: CaseContext, session: Charging, since: int, timeout: int) -> bool:
    """No car comes back: the transaction is deauthorized (E10.FR.02), which with
    Authorized in TxStopPoint ends it. How long the station waits is its own (E10 leaves
    the timeout to the implementer): the bench waits EVConnectionTimeOut and the status
    timeout, then says NOT TESTED; the Ended's reasons are not judged (E10 shows
    EVCommunicationLost / EVDisconnected, OCTT asks EVConnectTimeout / Timeout)."""
    name = "the transaction ends when the car does not come back"
    wait = timeout + ctx.settings.timeouts.status
    end = await next_event(
        ctx, session.transaction_id, since, ended, "the Ended of the timeout", wait
    )
    if end is None:
        not_tested(
            ctx,
            name,
            f"no TransactionEvent Ended within EVConnectionTimeOut ({timeout} s) and {ctx.settings.timeouts.status:g} s more: E10.FR.02 deauthorizes after a timeout OCPP leaves to the station",
        )
        return False
    payload, info = end.payload, end.payload["transactionInfo"]
    return ctx.check(
        True,
        name,
        f"Ended, triggerReason {payload['triggerReason']}, stoppedReason {info.get('stoppedReason', '-')} (E10.FR.02: deauthorized)",
        (end.entry_id,),
    )


@case201(
    "TC_E_26_CS",
    _title("TC_E_26_CS"),
    "E10.FR.01, E10.FR.03, E02.FR.17, E01.FR.18",
    """
TxCtrlr.TxStopPoint names Authorized and none of EnergyTransfer, PowerPathClosed, DataSigned, EVConnected, or the bench sets it so (else NOT TESTED); TxCtrlr.StopTxOnEVSideDisconnect false (refused: NOT TESTED) and OCPPCommCtrlr.UnlockOnEVSideDisconnect false; all put back after
EnergyTransferSuspended: a remote start, the car plugged in and charging, then pausing (none reported: NOT TESTED)
The cable is pulled at the car: TransactionEvent Updated with triggerReason EVCommunicationLost (E02.FR.17) and chargingState Idle (E01.FR.18); an Ended is NOT TESTED (E10 describes the suspension without a requirement); for a cable attached to the station the connector is reported Available (G01.FR.04)
The cable goes back into the car: TransactionEvent with triggerReason CablePluggedIn (E02.FR.17); the car draws again: chargingState Charging (E01.FR.18 SHALL)""",
)
async def ev_side_suspend(ctx: CaseContext) -> str:
    return await _suspend_case(ctx, "the transaction waits for the car", replug=True)


@case201(
    "TC_E_27_CS",
    _title("TC_E_27_CS"),
    "E10.FR.02, E10.FR.03",
    """
The cable is attached to the station (Connector.ConnectorType "c..."; a detachable one: NOT TESTED); TxCtrlr.TxStopPoint names Authorized (as TC_E_26_CS; else NOT TESTED); StopTxOnEVSideDisconnect false (refused: NOT TESTED), UnlockOnEVSideDisconnect false and EVConnectionTimeOut short (half the status timeout, 2 s at least) for the case; all put back after
EnergyTransferSuspended (a remote start, charging, then the car pauses; none reported: NOT TESTED)
The cable is pulled at the car: TransactionEvent Updated with triggerReason EVCommunicationLost and chargingState Idle (E02.FR.17, E01.FR.18); the connector is reported Available (G01.FR.04)
No car comes back: after a timeout the transaction is deauthorized (E10.FR.02 SHALL), so it ends: TransactionEvent Ended (its reasons not judged: E10 and OCTT name different ones); none within EVConnectionTimeOut and the status timeout is NOT TESTED (E10 leaves the timeout to the station)""",
)
async def ev_side_timeout(ctx: CaseContext) -> str:
    return await _suspend_case(ctx, "the transaction waits for the car", replug=False)


CASES: list[CatalogueCase] = [
    deauthorized_ev_side,
    ev_disconnected_ev_side,
    ev_disconnected_hlc,
    power_path_ev_side,
    ev_side_unlocked,
    ev_side_locked,
    ev_side_suspend,
    ev_side_timeout,
]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, how a transaction starts: the start points of TxCtrlr.TxStartPoint (use case
E01: PowerPathClosed, EnergyTransfer, Authorized with a card, DataSigned,
ParkingBayOccupancy; the parking bay's stop point too, E06). The sessions a driver starts
at the station (E02, E03) are in ``local_starts``.

The start points are the station's configuration (ReadOnly or ReadWrite at its choice):
a case written for one the station does not use, and cannot be given, is NOT TESTED
naming it, never a FAIL.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    TX_START_POINT,
    TX_STOP_POINT,
    Variable,
    case201,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    authorize_of,
    authorized_locally,
    authorized_remotely,
    carrying,
    check_reported_later,
    event_since,
    is_true,
    remote_started,
    tx_points,
)
from chargecheck.script.catalogue201.states import (
    REMOTE_TOKEN,
    finish,
    running_transactions,
    start_point,
    variable_set,
)
from chargecheck.script.catalogue201.transactions import seq_nos_counted
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind

Payload = dict[str, Any]
REMOTE_TAG = str(REMOTE_TOKEN["idToken"])  # the idToken of the bench's remote starts
SIGN_READINGS = Variable("SampledDataCtrlr", "SignReadings")
DISABLE_REMOTE_AUTHORIZATION = Variable("AuthCtrlr", "DisableRemoteAuthorization")
AUTH_CACHE_ENABLED = Variable("AuthCacheCtrlr", "Enabled")


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


def evse_named(payload: Payload, evse: int) -> bool:
    """E01.FR.16: the event after the EV connected names the EVSE and the connector."""
    named = payload.get("evse") or {}
    return named.get("id") == evse and "connectorId" in named


def _judge_started(
    ctx: CaseContext, name: str, started: Message, evse: int, *, tag: str, extra: list[str]
) -> bool:
    """The Started event of a start point case: the idToken of the authorization that
    came first (E01.FR.10, E03.FR.01) and the EVSE with its connector (E01.FR.16), and
    what else ``extra`` found wrong."""
    payload = started.payload
    problems = list(extra)
    if (payload.get("idToken") or {}).get("idToken") != tag:
        problems.append(
            f"idToken {payload.get('idToken')}: {PART2} E01.FR.10, E03.FR.01: the first TransactionEvent after the authorization SHALL carry the idToken"
        )
    if not evse_named(payload, evse):
        problems.append(
            f"evse {payload.get('evse')}: {PART2} E01.FR.16: the first TransactionEvent after the EV connected SHALL name the EVSE and the connector"
        )
    info = payload["transactionInfo"]
    return ctx.check(
        not problems,
        name,
        "; ".join(problems)
        or f"Started, triggerReason {payload['triggerReason']}, chargingState {info.get('chargingState')}, EVSE {evse}",
        (started.entry_id,),
    )


async def _started_at_plug(
    ctx: CaseContext, name: str, point: str, rule: str, *, wanted_state: str | None = None
) -> str:
    """E_01 / E_02: authorized remotely with no car, then the car plugged in: the
    Started event comes then, not before (``rule``), with the token and the EVSE."""
    evse = 1
    authorized = await authorized_remotely(ctx, name, evse)
    if authorized is None:
        return ""
    remote_start_id, since = authorized
    plugged_at = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.PLUG_IN, evse, name):
        await finish(ctx, None, evse)
        return ""
    started = next(
        (
            m
            for m in ctx.session.inbox[since:]
            if m.action == "TransactionEvent"
            and m.valid
            and m.payload["eventType"] == "Started"
            and remote_started(remote_start_id)(m.payload)
        ),
        None,
    ) or await _await_started(ctx, remote_start_id, since)
    if started is None:
        ctx.check(False, name, f"no TransactionEvent Started after the plug: {rule}")
        await finish(ctx, None, evse)
        return ""
    tid = started.payload["transactionInfo"]["transactionId"]
    early = started.index < plugged_at
    state = started.payload["transactionInfo"].get("chargingState")
    if early or (wanted_state is not None and state != wanted_state):
        when = "before the car was plugged in" if early else f"with chargingState {state}"
        not_tested(
            ctx,
            name,
            f"the transaction started {when}, earlier than TxStartPoint {point} says: the start point says when a transaction starts, but OCPP names no requirement against an earlier start",
            (started.entry_id,),
        )
        await finish(ctx, tid, evse)
        return ""
    ok = _judge_started(ctx, name, started, evse, tag=REMOTE_TAG, extra=[])
    ok = (
        await check_reported_later(
            ctx,
            evse,
            plugged_at,
            "Occupied",
            f"{PART2} G01.FR.03, E02.FR.05: when the EV connects the station SHALL report the connector Occupied",
        )
        and ok
    )
    await finish(ctx, tid, evse)
    ok = seq_nos_counted(ctx, tid) and ok
    return f"OK, started at {point}" if ok else ""


async def _await_started(ctx: CaseContext, remote_start_id: int, since: int) -> Message | None:
    return await event_since(
        ctx,
        since,
        lambda p: p["eventType"] == "Started" and remote_started(remote_start_id)(p),
        "the TransactionEvent Started",
    )


@case201(
    "TC_E_01_CS",
    _title("TC_E_01_CS"),
    "E01.FR.05, E01.FR.07, E01.FR.10, E01.FR.15, E01.FR.16",
    """
TxCtrlr.TxStartPoint names PowerPathClosed and no earlier point (ParkingBayOccupancy, EVConnected, Authorized, DataSigned), or the bench sets it so for the case and puts it back after (a station that keeps another start point: NOT TESTED)
Authorized (remote): RequestStartTransaction for EVSE 1 with no car Accepted (Rejected is NOT TESTED, F01.FR.21-24)
The car is plugged in (the operator's step): the TransactionEvent Started comes then (E01.FR.05 SHALL: authorized and connected; a Started before the plug is NOT TESTED, no requirement forbids it), with the idToken (E01.FR.10 SHALL), the EVSE and its connector (E01.FR.16 SHALL) and a triggerReason (E01.FR.15); the connector is reported Occupied (G01.FR.03 SHALL)
The bench stops the transaction and the car is unplugged; the seqNo go up by one (E01.FR.07 SHALL)""",
)
async def start_power_path_closed(ctx: CaseContext) -> str:
    name = "TransactionEvent Started once authorized and connected"
    earlier = ("ParkingBayOccupancy", "EVConnected", "Authorized", "DataSigned")
    async with tx_points(ctx, TX_START_POINT, "PowerPathClosed", earlier) as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station whose transaction starts when the power path closes (authorized and connected), at no earlier point",
            )
            return ""
        rule = f"{PART2} E01.FR.05: with TxStartPoint PowerPathClosed the station SHALL start the transaction once the driver is authorized and the EV connected"
        return await _started_at_plug(ctx, name, "PowerPathClosed", rule)


@case201(
    "TC_E_02_CS",
    _title("TC_E_02_CS"),
    "E01.FR.06, E01.FR.07, E01.FR.10, E01.FR.15, E01.FR.16, E02.FR.05",
    """
TxCtrlr.TxStartPoint names EnergyTransfer and no earlier point, or the bench sets it so for the case and puts it back after (a station that keeps another start point: NOT TESTED)
Authorized (remote): RequestStartTransaction for EVSE 1 with no car Accepted (Rejected is NOT TESTED)
The car is plugged in: the connector is reported Occupied (E02.FR.05 SHALL); the TransactionEvent Started comes once energy flows, with chargingState Charging (E01.FR.06 SHALL; a Started before energy flows is NOT TESTED, no requirement forbids it), the idToken (E01.FR.10), the EVSE and its connector (E01.FR.16) and a triggerReason (E01.FR.15: ChargingStateChanged, Authorized or RemoteStart are all accepted)
The bench stops the transaction and the car is unplugged; the seqNo go up by one (E01.FR.07 SHALL)""",
)
async def start_energy_transfer(ctx: CaseContext) -> str:
    name = "TransactionEvent Started when energy flows"
    earlier = ("ParkingBayOccupancy", "EVConnected", "Authorized", "PowerPathClosed", "DataSigned")
    async with tx_points(ctx, TX_START_POINT, "EnergyTransfer", earlier) as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station whose transaction starts when energy flows, at no earlier point",
            )
            return ""
        rule = f"{PART2} E01.FR.06: with TxStartPoint EnergyTransfer the station SHALL start the transaction when energy starts to flow (chargingState Charging)"
        return await _started_at_plug(ctx, name, "EnergyTransfer", rule, wanted_state="Charging")


@case201(
    "TC_E_10_CS",
    _title("TC_E_10_CS"),
    "E01.FR.03, E01.FR.10, E01.FR.15, C01.FR.02",
    """
TxCtrlr.TxStartPoint names Authorized, or the bench sets it so for the case and puts it back after (a station that keeps another start point: NOT TESTED); no transaction runs
Authorized (local): the bench's card (settings valid_id_tag) is presented at EVSE 1, no car (the operator's step); the station asks the bench (AuthorizeRequest, answered Accepted) or knows the card itself (cache, local list): either is legal
A TransactionEvent Started follows (E01.FR.03 SHALL) with triggerReason Authorized (E01.FR.15: the reason of the event) and the card's idToken (E01.FR.10 SHALL)
The bench stops the transaction afterwards""",
)
async def start_authorized_local(ctx: CaseContext) -> str:
    name = "TransactionEvent Started at the card"
    evse, tag = 1, ctx.settings.valid_id_tag
    async with start_point(ctx, "Authorized") as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: this case is for a station that starts a transaction at the authorization",
            )
            return ""
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
            return ""
        since = await authorized_locally(ctx, name, evse, tag)
        if since is None:
            return ""
        started = await next_event_started(ctx, since, tag)
        if started is None:
            ctx.check(
                False,
                name,
                f"no TransactionEvent Started carrying the card: {PART2} E01.FR.03: with TxStartPoint Authorized the station SHALL start the transaction once the driver is authorized (an AuthorizeResponse Accepted, or the card known locally)",
                authorize_evidence(ctx, tag, since),
            )
            await finish(ctx, None, evse)
            return ""
        payload = started.payload
        problems = []
        if payload["triggerReason"] != "Authorized":
            problems.append(
                f"triggerReason {payload['triggerReason']}, not Authorized: {PART2} E01.FR.15: the event SHALL give the reason it is sent for"
            )
        asked = authorize_of(ctx, tag, since)
        ok = ctx.check(
            not problems,
            name,
            "; ".join(problems)
            or f"Started, triggerReason Authorized, idToken {tag}"
            + (" (after an AuthorizeRequest)" if asked else " (the station knew the card)"),
            (*authorize_evidence(ctx, tag, since), started.entry_id),
        )
        await finish(ctx, payload["transactionInfo"]["transactionId"], evse)
        return "OK, started at the card" if ok else ""


def authorize_evidence(ctx: CaseContext, tag: str, since: int) -> tuple[int, ...]:
    asked = authorize_of(ctx, tag, since)
    return (asked.entry_id,) if asked is not None else ()


async def next_event_started(ctx: CaseContext, since: int, tag: str) -> Message | None:
    """The TransactionEvent Started that carries ``tag`` since ``since`` (waited for)."""
    return await event_since(
        ctx,
        since,
        lambda p: p["eventType"] == "Started" and carrying(tag)(p),
        "the TransactionEvent Started of the card",
    )


@case201(
    "TC_E_11_CS",
    _title("TC_E_11_CS"),
    "E01.FR.04, E01.FR.10, E01.FR.16, E02.FR.14",
    """
The station has SampledDataCtrlr.SignReadings (a meter that signs its values; none: NOT TESTED) and the bench sets it true and TxCtrlr.TxStartPoint to DataSigned for the case, putting both back after (either refused: NOT TESTED)
Authorized (remote) with no car, then the car plugged in: a TransactionEvent Started follows once the first signed value is read (E01.FR.04 SHALL), with the idToken (E01.FR.10), the EVSE and its connector (E01.FR.16) and a meterValue holding a signedMeterValue (E02.FR.14 SHALL)
The bench stops the transaction and the car is unplugged""",
)
async def start_data_signed(ctx: CaseContext) -> str:
    name = "TransactionEvent Started with the first signed value"
    if await is_true(ctx, SIGN_READINGS) is None:
        not_tested(
            ctx,
            name,
            f"the station reports no {SIGN_READINGS} (GetVariables): it has no meter that signs its values, which the start point DataSigned needs",
        )
        return ""
    earlier = ("ParkingBayOccupancy", "EVConnected", "Authorized", "PowerPathClosed")
    async with (
        variable_set(ctx, SIGN_READINGS, "true") as signing,
        tx_points(ctx, TX_START_POINT, "DataSigned", earlier) as problem,
    ):
        if signing is not None or problem is not None:
            not_tested(
                ctx,
                name,
                f"{signing or problem}: this case is for a station whose transaction starts with the first signed meter value",
            )
            return ""
        rule = f"{PART2} E01.FR.04: with TxStartPoint DataSigned and SignReadings true the station SHALL start the transaction once it has the first signed meter value"
        evse = 1
        authorized = await authorized_remotely(ctx, name, evse)
        if authorized is None:
            return ""
        remote_start_id, since = authorized
        if not await ctx.physical(StepKind.PLUG_IN, evse, name):
            await finish(ctx, None, evse)
            return ""
        started = await _await_started(ctx, remote_start_id, since)
        if started is None:
            ctx.check(False, name, f"no TransactionEvent Started: {rule}")
            await finish(ctx, None, evse)
            return ""
        signed = [
            value
            for meter in started.payload.get("meterValue") or []
            for value in meter.get("sampledValue") or []
            if value.get("signedMeterValue")
        ]
        extra = (
            []
            if signed
            else [
                f"no signedMeterValue in its meterValue: {PART2} E02.FR.14: with SignReadings true the station SHALL put the signed values in the TransactionEvent"
            ]
        )
        ok = _judge_started(ctx, name, started, evse, tag=REMOTE_TAG, extra=extra)
        await finish(ctx, started.payload["transactionInfo"]["transactionId"], evse)
        return "OK, started with a signed value" if ok else ""


async def _parking_bay(ctx: CaseContext, variable: Variable, name: str, what: str) -> str:
    """E_12 / E_19: the parking bay sensor the case needs, as the point tells it."""
    async with tx_points(ctx, variable, "ParkingBayOccupancy") as problem:
        if problem is not None:
            not_tested(
                ctx,
                name,
                f"{problem}: the station has no parking bay sensor ({variable} cannot hold ParkingBayOccupancy), which this case {what}",
            )
            return ""
        not_tested(
            ctx,
            name,
            f"{variable} holds ParkingBayOccupancy, but the bench has no operator step yet for a car driving into or out of the parking bay",
        )
        return ""


@case201(
    "TC_E_12_CS",
    _title("TC_E_12_CS"),
    "E01.FR.01, E01.FR.15",
    """
TxCtrlr.TxStartPoint names ParkingBayOccupancy, or the bench sets it so for the case and puts it back after; a station with no parking bay sensor (the point cannot be set) is NOT TESTED
A car driving into the parking bay starts the transaction: TransactionEvent Started, triggerReason EVDetected (E01.FR.01 SHALL); the bench has no operator step for the bay yet: NOT TESTED""",
)
async def start_parking_bay(ctx: CaseContext) -> str:
    return await _parking_bay(
        ctx,
        TX_START_POINT,
        "TransactionEvent Started when the car enters the bay",
        "starts a transaction with",
    )


@case201(
    "TC_E_19_CS",
    _title("TC_E_19_CS"),
    "E06.FR.01, E06.FR.15",
    """
TxCtrlr.TxStopPoint names ParkingBayOccupancy, or the bench sets it so for the case and puts it back after; a station with no parking bay sensor (the point cannot be set) is NOT TESTED
A car leaving the parking bay ends the transaction: TransactionEvent Ended, triggerReason EVDeparted (E06.FR.01 SHALL); the bench has no operator step for the bay yet: NOT TESTED""",
)
async def stop_parking_bay(ctx: CaseContext) -> str:
    return await _parking_bay(
        ctx,
        TX_STOP_POINT,
        "TransactionEvent Ended when the car leaves the bay",
        "ends a transaction with",
    )


CASES: list[CatalogueCase] = [
    start_power_path_closed,
    start_energy_transfer,
    start_authorized_local,
    start_data_signed,
    start_parking_bay,
    stop_parking_bay,
]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Reservations, the official cases the first reservation module leaves: a reservation
used by a remote start or by an idTag of the same parent, the refusals by the status of a
connector or of the whole Charge Point (connector 0), a station without the Reservation
profile, and the cancellation of a reservation the station does not have (OCPP 1.6
sections 5.13 ReserveNow, 5.1 CancelReservation, 4.8 StartTransaction.reservationId,
9.3 ReserveConnectorZeroSupported).

How they are judged:

- 5.13 names the answer for each state: Occupied, Faulted, Unavailable "if the Charge
  Point or the connector" is so, Rejected "if it is configured not to accept
  reservations". A ReserveNow answered Rejected is NOT TESTED, in any state (the station
  may be configured so); one answered Accepted, or another refusal than the one 5.13
  names for the state, FAILs.
- Reaching the state (a fault, every connector occupied, the station Unavailable) is a
  precondition: a state the bench cannot reach or see is NOT TESTED, naming it.
- Connector 0 is reservable only with ReserveConnectorZeroSupported true (9.3); without
  it the station SHALL answer Rejected (5.13), which TC_049_CS judges: the connector 0
  cases here are then NOT TESTED.
- The "(absent)" cases are for a station that does not claim the Reservation profile
  (SupportedFeatureProfiles, 9.1): they run only then, and a station that claims it gets
  NOT TESTED.
- No SHALL makes a station start charging for the idTag a reservation admits (5.13 only
  makes it refuse the others): a transaction that does not start is NOT TESTED; one that
  starts MUST carry the reservationId (4.8).
"""

from __future__ import annotations

from chargecheck.csms.errors import CallErrorReceived, SessionError
from chargecheck.script.catalogue.base import (
    answered,
    ask,
    ask_accepted,
    begin,
    call_quietly,
    case,
    claims_quietly,
    new_tag,
    not_tested,
    now_plus,
    on,
    parent_of,
    present,
    stop_quietly,
    watch,
)
from chargecheck.script.catalogue.reservation import (
    _lasting,
    _reservation_id,
    back_from,
    reported,
    reservation_id_of,
    reserve_refused,
    reserved,
    zero_reservable,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    last_status,
    make_idle,
    step_quietly,
    stop_remote,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome

PROFILE = "Reservation"
# OCPP-J 4.2.3: the error codes of a CALL whose action the receiver does not support.
UNSUPPORTED = ("NotSupported", "NotImplemented")
# The first criterion of the connector 0 cases, and of the "(absent)" cases.
ZERO_ONLY = "Run only with ReserveConnectorZeroSupported true (else NOT TESTED: Rejected is then the answer, TC_049_CS)"
ABSENT_ONLY = "Run only when SupportedFeatureProfiles does not list Reservation (a station that claims it: NOT TESTED)"


# -- a reservation used -----------------------------------------------------------------


@case(
    "TC_046_2_CS",
    "Reservation of a Connector - Remote start transaction",
    "5.13, 5.11, 4.8",
    """
ReserveNow of an idle connector for the bench's idTag is Accepted (Rejected: NOT TESTED)
RemoteStartTransaction with the reserved idTag starts a transaction on the reserved connector (a refusal: NOT TESTED, 5.11 allows it)
StartTransaction carries the reservationId (4.8 MUST; 5.13 SHALL end the reservation by a transaction of its idTag)""",
    PROFILE,
)
async def reservation_remote_start(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag, rid = ctx.settings.connector, ctx.settings.valid_id_tag, _reservation_id()
    if await reserved(ctx, "ReserveNow Accepted", c, tag, rid, _lasting(ctx)) is None:
        return ""
    name = "RemoteStartTransaction with the reserved idTag starts a transaction"
    started = await begin(ctx, c, name, remote_only=True)
    if started is None:
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        await unplug_quietly(ctx, c)
        return ""
    tx, start = started
    try:
        ok, detail = reservation_id_of(start, rid)
        ctx.check(
            ok,
            "StartTransaction carries the reservationId (4.8 MUST)",
            detail,
            (start.entry_id,),
            c,
        )
    finally:
        await stop_remote(ctx, tx, c)
    return f"OK, reservation {rid} ended by the remote start of transaction {tx}"


# -- refusals by the state of a connector or of the Charge Point ------------------------


@case(
    "TC_048_1_CS",
    "Reservation of a Connector - Faulted",
    "5.13",
    """
ReserveNow of a connector reported Faulted (an error created on it; not seen Faulted: NOT TESTED) is answered Faulted (5.13 SHALL; Rejected: NOT TESTED)""",
    PROFILE,
)
async def reservation_faulted(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    return await _faulted(ctx, c, f"ReserveNow of Faulted connector {c}: Faulted (5.13 SHALL)", c)


async def _faulted(ctx: CaseContext, where: int, name: str, c: int) -> str:
    """An error created on ``where`` (a connector, or 0: the Charge Point), then a
    ReserveNow of ``c`` judged against Faulted; the error is removed after."""
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.CREATE_ERROR, where, name):
        return ""
    try:
        faulted = await reported(ctx, where, "Faulted", cursor, name, "an error created")
        if faulted is None:
            return ""
        rule = "5.13: if the Charge Point or the connector is Faulted it SHALL return Faulted"
        status = await reserve_refused(ctx, name, c, "Faulted", rule, (faulted.entry_id,))
    finally:
        cleared = ctx.mark()
        if await step_quietly(ctx, StepKind.CLEAR_ERROR, where):
            await back_from(ctx, where, "Faulted", cleared)
    return f"OK, {status}" if status == "Faulted" else ""


@case(
    "TC_048_4_CS",
    "Reservation of a Connector - Rejected",
    "5.13, 9.1",
    f"""
{ABSENT_ONLY}
ReserveNow of an idle connector is answered Rejected, or CALLERROR NotSupported or NotImplemented; Accepted FAILs (5.13 SHALL Rejected when not configured to accept reservations)""",
)
async def reservation_without_profile(ctx: CaseContext) -> str:
    return await _without_profile(ctx, ctx.settings.connector)


async def _without_profile(ctx: CaseContext, c: int) -> str:
    """The "(absent)" cases: ReserveNow of ``c`` on a station without the profile."""
    name = f"ReserveNow of connector {c} without the Reservation profile: not Accepted (5.13 SHALL)"
    if await claims_quietly(ctx, PROFILE):
        not_tested(
            ctx, name, f"the station claims {PROFILE}: this case is for a station without it"
        )
        return ""
    await make_idle(ctx)
    rid = _reservation_id()
    payload = {
        "connectorId": c,
        "expiryDate": now_plus(ctx, _lasting(ctx)),
        "idTag": new_tag("RA"),
        "reservationId": rid,
    }
    try:
        result = await ctx.call("ReserveNow", payload)
    except CallErrorReceived as exc:
        if exc.code in UNSUPPORTED:
            ctx.check(True, name, f"CALLERROR {exc.code}", (exc.entry_id,), c)
            return f"OK, CALLERROR {exc.code}"
        not_tested(
            ctx,
            name,
            f"CALLERROR {exc.code}: a refusal, though not the error OCPP-J names for an "
            f"action not supported ({' or '.join(UNSUPPORTED)})",
            (exc.entry_id,),
            c,
        )
        return ""
    except SessionError as exc:
        ctx.record(
            name,
            Outcome.FAIL,
            f"{exc}: 5.13, the Charge Point SHALL respond with ReserveNow.conf",
            exc.evidence,
            c,
        )
        return ""
    status = result.get("status")
    evidence = (result.call_entry_id, result.entry_id)
    if status == "Rejected":
        ctx.check(True, name, "answered Rejected", evidence, c)
        return "OK, Rejected"
    if status == "Accepted":
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        ctx.check(
            False,
            name,
            f"answered Accepted, though SupportedFeatureProfiles does not list {PROFILE}: 5.13, "
            "a Charge Point configured not to accept reservations SHALL return Rejected",
            evidence,
            c,
        )
        return ""
    not_tested(
        ctx,
        name,
        f"answered {status} with connector {c} last reported {last_status(ctx, c) or 'never'}: "
        "a refusal, though not the Rejected 5.13 names for a station that does not accept "
        "reservations",
        evidence,
        c,
    )
    return ""


@case(
    "TC_050_1_CS",
    "Reservation of a Charge Point - Faulted",
    "5.13, 9.3",
    f"""
{ZERO_ONLY}
ReserveNow of connector 0 with the Charge Point reported Faulted (an error created on it; not seen Faulted: NOT TESTED) is answered Faulted (5.13 SHALL; Rejected: NOT TESTED)""",
    PROFILE,
)
async def reservation_station_faulted(ctx: CaseContext) -> str:
    name = "ReserveNow of connector 0 of a Faulted Charge Point: Faulted (5.13 SHALL)"
    return await _faulted(ctx, 0, name, 0) if await zero_reservable(ctx, name) else ""


@case(
    "TC_050_2_CS",
    "Reservation of a Charge Point - Occupied",
    "5.13, 9.3",
    f"""
{ZERO_ONLY}
A transaction runs on every connector (the Charge Point occupied; not reached: NOT TESTED)
ReserveNow of connector 0 is answered Occupied (5.13 SHALL: the Charge Point is occupied; Rejected: NOT TESTED)""",
    PROFILE,
)
async def reservation_station_occupied(ctx: CaseContext) -> str:
    name = "ReserveNow of connector 0 of an occupied Charge Point: Occupied (5.13 SHALL)"
    if not await zero_reservable(ctx, name):
        return ""
    running: dict[int, int] = {}
    status = ""
    try:
        for c in await ctx.outlets():
            started = await begin(ctx, c, f"a transaction runs on connector {c}")
            if started is None:
                await unplug_quietly(ctx, c)
                return ""
            running[c] = started[0]
        rule = "5.13: if the Charge Point is occupied it SHALL return Occupied"
        status = await reserve_refused(ctx, name, 0, "Occupied", rule)
    finally:
        for c, tx in running.items():
            await stop_remote(ctx, tx, c)
    return f"OK, {status} with {len(running)} transactions" if status == "Occupied" else ""


@case(
    "TC_050_3_CS",
    "Reservation of a Charge Point - Unavailable",
    "5.13, 5.2, 9.3",
    f"""
{ZERO_ONLY}
ReserveNow of connector 0 with the Charge Point made Inoperative (ChangeAvailability of connector 0 Accepted and reported Unavailable; else NOT TESTED) is answered Unavailable (5.13 SHALL; Rejected: NOT TESTED)""",
    PROFILE,
)
async def reservation_station_unavailable(ctx: CaseContext) -> str:
    name = "ReserveNow of connector 0 of an Unavailable Charge Point: Unavailable (5.13 SHALL)"
    if not await zero_reservable(ctx, name):
        return ""
    cursor = ctx.mark()
    try:
        change = await ctx.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    except SessionError as exc:
        not_tested(ctx, name, f"ChangeAvailability of connector 0 Inoperative: {exc}", exc.evidence)
        return ""
    status = ""
    try:
        if change.get("status") != "Accepted":
            said = f"ChangeAvailability of connector 0 Inoperative answered {change.get('status')}"
            not_tested(ctx, name, said, (change.call_entry_id, change.entry_id))
            return ""
        made = "ChangeAvailability Inoperative of connector 0"
        unavailable = await reported(ctx, 0, "Unavailable", cursor, name, made)
        if unavailable is None:
            return ""
        rule = "5.13: if the Charge Point is Unavailable it SHALL return Unavailable"
        shown = (change.call_entry_id, change.entry_id, unavailable.entry_id)
        status = await reserve_refused(ctx, name, 0, "Unavailable", rule, shown)
    finally:
        back = ctx.mark()
        await call_quietly(ctx, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
        await back_from(ctx, ctx.settings.connector, "Unavailable", back)
    return f"OK, {status}" if status == "Unavailable" else ""


@case(
    "TC_050_4_CS",
    "Reservation of a Charge Point - Rejected",
    "5.13, 9.1, 9.3",
    f"""
{ABSENT_ONLY}
ReserveNow of connector 0 is answered Rejected, or CALLERROR NotSupported or NotImplemented; Accepted FAILs (5.13 SHALL Rejected when not configured to accept reservations)""",
)
async def reservation_station_without_profile(ctx: CaseContext) -> str:
    return await _without_profile(ctx, 0)


# -- cancelling ------------------------------------------------------------------------------


@case(
    "TC_052_CS",
    "Cancel Reservation - Rejected",
    "5.1, 5.13",
    """
ReserveNow of an idle connector is Accepted (Rejected: NOT TESTED)
CancelReservation of a reservationId the station never had is answered Rejected (5.1 SHALL)
The reservation it holds outlives that: CancelReservation of it is then Accepted (5.1 SHALL)""",
    PROFILE,
)
async def cancel_unknown_reservation(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    held = await reserved(ctx, "ReserveNow Accepted", c, new_tag("RC"), rid, _lasting(ctx))
    unknown = rid + 1  # never issued: the bench's ids are drawn one at a time
    name = f"CancelReservation of unknown reservationId {unknown}: Rejected (5.1 SHALL)"
    result = await ask(ctx, name, "CancelReservation", {"reservationId": unknown}, c)
    if result is not None:
        rule = "5.1: the Charge Point has no such reservation, so it SHALL return Rejected"
        answered(ctx, name, result, ("Rejected",), rule, c)
    if held is None:
        return ""
    kept = "CancelReservation of the reservation it holds: Accepted (5.1 SHALL)"
    result = await ask(ctx, kept, "CancelReservation", {"reservationId": rid}, c)
    if result is not None:
        rule = f"5.1: the Charge Point has reservation {rid} (Accepted by it), so it SHALL return Accepted"
        answered(ctx, kept, result, ("Accepted",), rule, c)
    return "OK, unknown id Rejected, the reservation kept"


# -- a reservation used by an idTag of the same parent ---------------------------------------


@case(
    "TC_053_CS",
    "Use a reserved Connector with parentIdTag",
    "5.13, 4.1, 4.8",
    """
ReserveNow of an idle connector for an idTag with a parentIdTag is Accepted (Rejected: NOT TESTED)
Another idTag presented there, of the same parent (the bench answers it so), is sent in an Authorize.req (5.13 SHALL: its parent is in neither the local list nor the cache)
The transaction it starts carries the reservationId (4.8 MUST; 5.13: a transaction of the parent idTag ends the reservation) (no transaction: NOT TESTED, 5.13 obliges no start)""",
    PROFILE,
)
async def reservation_by_parent(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    owner, other, parent = new_tag("RO"), new_tag("RP"), new_tag("PA")
    with parent_of(ctx, parent, owner, other):
        return await _used_by_parent(ctx, c, rid, owner, other, parent)


async def _used_by_parent(
    ctx: CaseContext, c: int, rid: int, owner: str, other: str, parent: str
) -> str:
    name = "ReserveNow with a parentIdTag Accepted"
    payload = {
        "connectorId": c,
        "expiryDate": now_plus(ctx, _lasting(ctx)),
        "idTag": owner,
        "parentIdTag": parent,
        "reservationId": rid,
    }
    refusal = " (5.13: Rejected when configured not to accept reservations)"
    made = f"reservation {rid} for {owner}, parent {parent}"
    result = await ask_accepted(ctx, name, "ReserveNow", payload, refusal, c, made)
    if result is None:
        return ""
    evidence = (result.call_entry_id, result.entry_id)
    asked = f"Authorize.req for {other}, an idTag of the same parent (5.13 SHALL)"
    cursor = ctx.mark()
    start = None
    try:
        if not await present(ctx, c, other, asked):
            return ""
        wait = ctx.settings.timeouts.transaction
        auth = await watch(ctx, "Authorize", lambda p: p.get("idTag") == other, cursor, wait)
        if auth is None:  # what came instead shows it, with the reservation it ignored
            came = tuple(m.entry_id for m in ctx.session.received(None, cursor)[-3:])
            ctx.check(
                False,
                asked,
                f"no Authorize.req for {other} within {wait:g} s: 5.13, an incoming idTag "
                "whose parent the station does not know from its local list or cache SHALL "
                "be sent in an Authorize.req to learn it",
                (*evidence, *came),
                c,
            )
            return ""
        ctx.check(True, asked, f"Authorize for {other}", (auth.entry_id,), c)
        start = await watch(ctx, "StartTransaction", on(c), cursor, wait)
        name = "StartTransaction carries the reservationId (4.8 MUST)"
        if start is None:
            not_tested(
                ctx,
                name,
                f"no transaction started for {other} within {wait:g} s: 5.13 lifts the refusal "
                "for an idTag of the reservation's parent, but no SHALL makes the station charge",
                (auth.entry_id,),
                c,
            )
            return ""
        ok, detail = reservation_id_of(start, rid)
        ctx.check(ok, name, detail, (start.entry_id,), c)
        return f"OK, reservation {rid} used by {other} of parent {parent}"
    finally:
        if start is None:
            await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        await stop_quietly(ctx, start, c)


CASES = [
    reservation_remote_start,
    reservation_faulted,
    reservation_without_profile,
    reservation_station_faulted,
    reservation_station_occupied,
    reservation_station_unavailable,
    reservation_station_without_profile,
    cancel_unknown_reservation,
    reservation_by_parent,
]

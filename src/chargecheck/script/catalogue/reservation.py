# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Reservations: Reservation profile cases (OCPP 1.6 sections 5.13 ReserveNow,
5.1 CancelReservation, 4.8 StartTransaction.reservationId, 3.11).

A ReserveNow of an Available connector that the station answers Rejected is NOT TESTED:
5.13 lets a station "configured not to accept reservations" answer so.

The steps ``charge_point_reservation`` shares with these cases are here too: a ReserveNow,
one judged against the refusal 5.13 names for a state, ReserveConnectorZeroSupported
(9.3), a connector status reached and left.
"""

from __future__ import annotations

import secrets
from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import (
    answered,
    arrives,
    ask,
    ask_expecting,
    call_quietly,
    case,
    key_bool,
    new_tag,
    not_tested,
    now_plus,
    on,
    present,
    running,
    stop_quietly,
    watch,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import (
    ask_status,
    configuration_read,
    make_idle,
    stop_remote,
    unplug_quietly,
)

PROFILE = "Reservation"
ZERO_KEY = "ReserveConnectorZeroSupported"


def _reservation_id() -> int:
    return 900_000 + secrets.randbelow(99_999)


def _lasting(ctx: CaseContext) -> float:
    """Seconds a reservation must last to outlive the case's physical steps and waits."""
    t = ctx.settings.timeouts
    return 2 * t.physical_step + 2 * t.transaction + 60


async def reserve(
    ctx: CaseContext, name: str, c: int, tag: str, reservation_id: int, seconds: float
) -> Result | None:
    payload = {
        "connectorId": c,
        "expiryDate": now_plus(ctx, seconds),
        "idTag": tag,
        "reservationId": reservation_id,
    }
    return await ask(ctx, name, "ReserveNow", payload, c)


async def reserved(
    ctx: CaseContext, name: str, c: int, tag: str, reservation_id: int, seconds: float
) -> Result | None:
    """ReserveNow of the idle connector ``c``: the result if Accepted (PASS recorded),
    else None with NOT TESTED (the station may refuse reservations)."""
    result = await reserve(ctx, name, c, tag, reservation_id, seconds)
    if result is None:
        return None
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"ReserveNow of an idle connector answered {result.get('status')} (5.13: Rejected "
            "when configured not to accept reservations)",
            (result.entry_id,),
            c,
        )
        return None
    ctx.check(
        True, name, f"reservation {reservation_id}", (result.call_entry_id, result.entry_id), c
    )
    return result


def reservation_id_of(start: Message, rid: int) -> tuple[bool, str]:
    """Does the StartTransaction carry reservation ``rid``, and the detail either way."""
    got = start.payload.get("reservationId")
    if got == rid:
        return True, f"reservationId {got}"
    return False, (
        f"reservationId {got}, not {rid}; 4.8: the transaction that ends a reservation MUST "
        "carry its reservationId"
    )


async def reserve_refused(
    ctx: CaseContext, name: str, c: int, wanted: str, rule: str, shown: tuple[int, ...] = ()
) -> str:
    """ReserveNow of ``c`` judged against the refusal ``wanted`` (``shown``: the journal
    ids of the state that calls for it, evidence beside the answer); a reservation made
    all the same is cancelled. The answer's status ("" if none)."""
    rid = _reservation_id()
    result = await reserve(ctx, name, c, new_tag("RF"), rid, _lasting(ctx))
    if result is None:
        return ""
    got = result.get("status")
    evidence = (*shown, result.call_entry_id, result.entry_id)
    if got == "Rejected":
        said = "answered Rejected: 5.13 lets a station configured not to accept reservations answer so, whatever the state"
        not_tested(ctx, name, said, evidence, c)
        return ""
    detail = f"answered {got}" if got == wanted else f"answered {got}, not {wanted}: {rule}"
    ctx.check(got == wanted, name, detail, evidence, c)
    if got == "Accepted":
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
    return str(got)


async def zero_reservable(ctx: CaseContext, name: str) -> bool:
    """ReserveConnectorZeroSupported is true, and the station is then made idle for the
    case; if not, ``name`` is NOT TESTED."""
    value, evidence = await configuration_read(ctx, ZERO_KEY)
    if value is not None and value.strip().lower() == "true":
        await make_idle(ctx)
        return True
    not_tested(
        ctx,
        name,
        f"{ZERO_KEY} is {value or 'not reported'}: reserving connector 0 is optional (9.3), "
        "and a station without it SHALL answer Rejected (5.13, judged by TC_049_CS)",
        evidence,
    )
    return False


async def reported(
    ctx: CaseContext, c: int, status: str, cursor: Cursor, name: str, cause: str
) -> Message | None:
    """The StatusNotification ``status`` of ``c`` since ``cursor`` (or, if none came in
    time, the one TriggerMessage gets); if neither shows it, ``name`` is NOT TESTED: the
    state the case needs was not reached (or not seen)."""
    seen = await watch(ctx, "StatusNotification", on(c, status=status), cursor)
    if seen is not None:
        return seen
    asked = await ask_status(ctx, c)
    if asked.status is not None and asked.status.payload["status"] == status:
        return asked.status
    not_tested(
        ctx,
        name,
        f"connector {c} was not seen {status} after {cause} (status {asked.detail}); what "
        f"would reach it: {cause} that makes connector {c} {status}",
        asked.evidence,
        c,
    )
    return None


async def back_from(ctx: CaseContext, c: int, status: str, cursor: Cursor) -> None:
    """Clean-up: wait (``timeouts.status``) for ``c`` to leave ``status``."""
    with suppress(SessionError):
        await ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and p["status"] != status,
            ctx.settings.timeouts.status,
            cursor,
            quiet=True,
        )


@case(
    "TC_046_1_CS",
    "Reservation of a Connector - Local start transaction",
    "5.13, 4.8",
    """
ReserveNow of an idle connector is Accepted (Rejected: NOT TESTED)
The reserved idTag presented there starts a transaction whose StartTransaction carries the reservationId (4.8 MUST; 5.13 SHALL send the reservationId)
The other idTag refused at the reserved connector is CC_028_CS.""",
    PROFILE,
)
async def reservation_used(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag, rid = ctx.settings.connector, new_tag("RV"), _reservation_id()
    if await reserved(ctx, "ReserveNow Accepted", c, tag, rid, _lasting(ctx)) is None:
        return ""
    name = "StartTransaction carries the reservationId (4.8 MUST)"
    cursor = ctx.mark()
    if not await present(ctx, c, tag, name):
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        return ""
    start = await watch(ctx, "StartTransaction", on(c), cursor, ctx.settings.timeouts.transaction)
    if start is None:
        not_tested(ctx, name, "the reserved idTag started no transaction", c=c)
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        await unplug_quietly(ctx, c)
        return ""
    got = start.payload.get("reservationId")
    ctx.check(
        got == rid,
        name,
        f"reservationId {got}"
        if got == rid
        else f"reservationId {got}, not {rid}; 4.8: a transaction that ends a reservation MUST "
        "carry its reservationId",
        (start.entry_id,),
        c,
    )
    await stop_quietly(ctx, start, c)
    return f"OK, reservation {rid} ended by transaction"


@case(
    "CC_028_CS",
    "A reserved connector refuses another idTag",
    "5.13, 5.1",
    """
ReserveNow of an idle connector is Accepted (Rejected: NOT TESTED)
Another idTag presented at the reserved connector starts no transaction (5.13 SHALL refuse charging for all other idTags)
CancelReservation of it is Accepted (5.1 SHALL)
This is the "another idTag is refused" step of TC_046_1_CS.""",
    PROFILE,
)
async def reservation_refuses_others(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    if await reserved(ctx, "ReserveNow Accepted", c, new_tag("RV"), rid, _lasting(ctx)) is None:
        return ""
    other = new_tag("OT")
    name = "another idTag does not charge on the reserved connector (5.13 SHALL)"
    cursor = ctx.mark()
    started = None
    reserved_for = "the connector is reserved for another card: the station should refuse it"
    if await present(ctx, c, other, name, refused=reserved_for):
        started = await watch(
            ctx, "StartTransaction", on(c, idTag=other), cursor, ctx.settings.timeouts.transaction
        )
        ctx.check(
            started is None,
            name,
            "no transaction"
            if started is None
            else f"StartTransaction for {other}; 5.13: the Charge Point SHALL refuse charging "
            "for any idTag but the reserved one",
            (started.entry_id,)
            if started
            else tuple(m.entry_id for m in ctx.session.received(None, cursor)[-3:]),
            c,
        )
        await stop_quietly(ctx, started, c)
    await ask_expecting(
        ctx,
        "CancelReservation Accepted",
        "CancelReservation",
        {"reservationId": rid},
        ("Accepted",),
        "5.1: for a reservation it has, the Charge Point SHALL return Accepted",
        c,
    )
    return "OK, refused another idTag, cancelled"


def _setting(value: bool | None) -> str:
    """A boolean configuration key as the station reported it."""
    return "not reported" if value is None else str(value).lower()


@case(
    "TC_049_CS",
    "Reservation of a Charge Point - Transaction",
    "5.13, 9.3",
    """
Without ReserveConnectorZeroSupported true, ReserveNow of connector 0 is answered Rejected (5.13 SHALL)
With it, Accepted is PASS and the reservation is cancelled
This case covers the ReserveNow on connector 0; the transaction that uses the reservation is not started.""",
    PROFILE,
)
async def reservation_connector_zero(ctx: CaseContext) -> str:
    await make_idle(ctx)
    supported = await key_bool(ctx, "ReserveConnectorZeroSupported")
    rid = _reservation_id()
    name = "ReserveNow of connector 0"
    result = await reserve(ctx, name, 0, new_tag("RZ"), rid, _lasting(ctx))
    if result is None:
        return ""
    if not supported:
        answered(
            ctx,
            name,
            result,
            ("Rejected",),
            f"ReserveConnectorZeroSupported is {_setting(supported)}: 5.13 SHALL return Rejected",
        )
        return "OK, Rejected (ReserveConnectorZeroSupported not true)"
    if result.get("status") != "Accepted":
        not_tested(ctx, name, f"answered {result.get('status')} with support claimed")
        return ""
    ctx.check(True, name, "answered Accepted", (result.call_entry_id, result.entry_id))
    await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
    return "OK, connector 0 reserved and cancelled"


@case(
    "TC_051_CS",
    "Cancel Reservation",
    "5.1",
    """
ReserveNow of an idle connector is Accepted (Rejected: NOT TESTED)
CancelReservation of it is Accepted (5.1 SHALL)
CancelReservation of it again is Rejected: it no longer exists (5.1 SHALL)""",
    PROFILE,
)
async def reservation_cancelled(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    if await reserved(ctx, "ReserveNow Accepted", c, new_tag("RV"), rid, _lasting(ctx)) is None:
        return ""
    for name, wanted, why in (
        ("CancelReservation Accepted", "Accepted", "it has the reservation"),
        ("CancelReservation again: Rejected", "Rejected", "it has no such reservation now"),
    ):
        result = await ask_expecting(
            ctx,
            name,
            "CancelReservation",
            {"reservationId": rid},
            (wanted,),
            f"5.1: {why}, it SHALL return {wanted}",
            c,
        )
        if result is None:
            return ""
    return "OK, cancelled once, then unknown"


@case(
    "TC_047_CS",
    "Reservation of a Connector - Expire",
    "5.13, 5.1",
    """
ReserveNow with an expiryDate a few seconds ahead is Accepted (Rejected: NOT TESTED)
At the expiryDate a StatusNotification Available for the connector (5.13 SHALL terminate the reservation and SHALL send a status notification)
CancelReservation of it afterwards is Rejected (5.1 SHALL: the reservation is gone)""",
    PROFILE,
)
async def reservation_expires(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    seconds = max(3.0, 2 * ctx.settings.timeouts.negative)
    cursor = ctx.mark()
    expiry = ctx.session.clock.mono() + seconds
    if await reserved(ctx, "ReserveNow Accepted", c, new_tag("RX"), rid, seconds) is None:
        return ""
    name = "StatusNotification Available at expiry (5.13 SHALL)"
    timeout = seconds + ctx.settings.timeouts.status
    seen = await arrives(
        ctx, name, "StatusNotification", on(c, status="Available"), cursor, timeout
    )
    while seen is not None and seen.mono < expiry - 1.0:  # not yet expired: look on
        left = max(0.0, expiry + ctx.settings.timeouts.status - ctx.session.clock.mono())
        seen = await arrives(
            ctx,
            name,
            "StatusNotification",
            on(c, status="Available"),
            Cursor(seen.index + 1),
            left,
        )
    if seen is None:
        await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
        return ""
    ctx.check(
        True,
        name,
        f"Available {seen.mono - expiry:+.1f} s from the expiryDate",
        (seen.entry_id,),
        c,
    )
    await ask_expecting(
        ctx,
        "CancelReservation after expiry: Rejected",
        "CancelReservation",
        {"reservationId": rid},
        ("Rejected",),
        "5.13 SHALL terminate an expired reservation, so 5.1 SHALL return Rejected",
        c,
    )
    return f"OK, expired after {seconds:g} s"


@case(
    "TC_048_2_CS",
    "Reservation of a Connector - Occupied",
    "5.13",
    """
ReserveNow of a connector with a transaction running is answered Occupied (5.13 SHALL)""",
    PROFILE,
)
async def reservation_occupied(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    tx = await running(ctx, c)
    if tx is None:
        return ""
    try:
        name = "ReserveNow of an occupied connector: Occupied"
        result = await reserve(ctx, name, c, new_tag("RO"), rid, _lasting(ctx))
        if result is not None:
            answered(ctx, name, result, ("Occupied",), "5.13: SHALL return Occupied", c)
            if result.get("status") == "Accepted":
                await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
    finally:
        await stop_remote(ctx, tx, c)
    return "OK, Occupied"


@case(
    "TC_048_3_CS",
    "Reservation of a Connector - Unavailable",
    "5.13, 5.2",
    """
ReserveNow of a connector made Inoperative is answered Unavailable (5.13 SHALL)""",
    PROFILE,
)
async def reservation_unavailable(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, rid = ctx.settings.connector, _reservation_id()
    name = "ReserveNow of an unavailable connector: Unavailable"
    cursor = ctx.mark()
    change = await ask(ctx, name, "ChangeAvailability", {"connectorId": c, "type": "Inoperative"})
    if change is None:
        return ""
    try:
        if change.get("status") != "Accepted":
            said = f"ChangeAvailability Inoperative answered {change.get('status')}"
            not_tested(ctx, name, said, (change.call_entry_id, change.entry_id), c)
            return ""
        await watch(ctx, "StatusNotification", on(c, status="Unavailable"), cursor)
        result = await reserve(ctx, name, c, new_tag("RU"), rid, _lasting(ctx))
        if result is not None:
            answered(ctx, name, result, ("Unavailable",), "5.13: SHALL return Unavailable", c)
            if result.get("status") == "Accepted":
                await call_quietly(ctx, "CancelReservation", {"reservationId": rid})
    finally:
        await call_quietly(ctx, "ChangeAvailability", {"connectorId": c, "type": "Operative"})
    return "OK, Unavailable"


CASES = [
    reservation_used,
    reservation_refuses_others,
    reservation_connector_zero,
    reservation_cancelled,
    reservation_expires,
    reservation_occupied,
    reservation_unavailable,
]

"""Row 11 - Charging cable connection status (OCPP 1.6 sections 4.9, 9.1 ConnectionTimeOut).

In 1.6 words (DESIGN.md): plugging the car moves the connector Available -> Preparing.
The "connection timed out" part is 1.6's ConnectionTimeOut (section 9.1): the interval
*from successful authorisation* until the incipient session is cancelled because the
cable never came. It is judged on that path: the car's identification first (a
RemoteStartTransaction, or a card where the station refuses a remote start without a
cable, as 5.11 allows), no cable: Preparing, then back to Available once ConnectionTimeOut
expires, and not much before. A car plugged in first with no identification may stay
Preparing, or go back to Available: both are legal, neither is judged.

What each FAIL rests on: the seed ("Status to be represented in the StatusNotification
messages"; "When car is connected, the charging station changes from Available to
Occupied and to Error (connection is timed out)", in 1.6 words per DESIGN.md) with OCPP
1.6 section 4.9 (Preparing: "a user ... inserts a cable or an EV is connected") and
section 9.1 ConnectionTimeOut (the station "SHALL go back to the original state, probably:
'Available'" once it expires), hence "not much before" it expires either.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    configured,
    last_status,
    make_idle,
    on_connector,
    stop_remote,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome


async def run(ctx: CaseContext) -> str:
    timeout = ctx.settings.connection_timeout
    await make_idle(ctx)
    async with configured(
        ctx, "ConnectionTimeOut", str(timeout), "ConnectionTimeOut can be set"
    ) as ok:
        if not ok:
            return ""
        for c in await ctx.outlets():
            await _plugged_first(ctx, c)
            await _identified_first(ctx, c, timeout)
    return f"OK, Preparing on plug-in; back to Available after ConnectionTimeOut {timeout} s"


async def _plugged_first(ctx: CaseContext, c: int) -> None:
    cursor = ctx.mark()
    name = "plugging the car gives Preparing"
    # The act of plugging in (not "a car is connected"): an EV connected all along
    # causes no Available -> Preparing for the bench to watch.
    if not await ctx.physical(StepKind.PLUG_IN, c, name):
        return
    preparing = await ctx.attempt(name, _status(ctx, c, "Preparing", cursor), c)
    if preparing is not None:
        ctx.check(True, name, "Available -> Preparing", (preparing.entry_id,), c)
    cursor = ctx.mark()
    await unplug_quietly(ctx, c)
    with suppress(SessionError):  # the car is out before the next act
        await _status(ctx, c, "Available", cursor)


async def _identified_first(ctx: CaseContext, c: int, timeout: int) -> None:
    name = f"identified, no cable: back to Available after ConnectionTimeOut ({timeout} s)"
    if not await _without_cable(ctx, c, name):
        return
    cursor = ctx.mark()
    how = await _identify(ctx, c, name)
    if how is None:
        return
    preparing = None
    with suppress(SessionError):
        preparing = await _status(ctx, c, "Preparing", cursor)
    if preparing is None:
        await _tidy(ctx, c, cursor)
        ctx.record(
            name,
            Outcome.NOT_TESTED,
            f"{how}, the connector did not show Preparing within "
            f"{ctx.settings.timeouts.status:g} s: no incipient session to time out (section "
            "4.9 says a presented tag typically gives Preparing, it does not require it)",
            connector_id=c,
        )
        return
    available = await ctx.attempt(
        name,
        _status(ctx, c, "Available", cursor, timeout * 2 + ctx.settings.timeouts.status),
        c,
    )
    await _tidy(ctx, c, cursor)
    if available is None:
        return
    waited = available.mono - preparing.mono
    ctx.check(
        waited >= timeout * 0.5,
        name,
        f"{how}, Preparing, then Available after {waited:.1f} s"
        + ("" if waited >= timeout * 0.5 else ": well before ConnectionTimeOut expired"),
        (preparing.entry_id, available.entry_id),
        c,
    )


async def _without_cable(ctx: CaseContext, c: int, name: str) -> bool:
    """The connector free and no cable in (Available), pulling the cable if need be."""
    if last_status(ctx, c) == "Available":
        return True
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.UNPLUG, c, name):
        return False
    try:
        await _status(ctx, c, "Available", cursor)
    except SessionError as exc:
        ctx.record(
            name,
            Outcome.NOT_TESTED,
            f"connector {c} is {last_status(ctx, c) or 'of no known status'}, not Available "
            f"with no cable: {exc}",
            connector_id=c,
        )
        return False
    return True


async def _identify(ctx: CaseContext, c: int, name: str) -> str | None:
    """Authorise a session with no cable: RemoteStartTransaction, else a card (a station
    may refuse a remote start without a cable, 5.11). How it was done, or None."""
    tag = ctx.settings.valid_id_tag
    result = None
    with suppress(SessionError):
        result = await ctx.call("RemoteStartTransaction", {"connectorId": c, "idTag": tag})
    if result is not None and result.get("status") == "Accepted":
        return "RemoteStartTransaction Accepted"
    said = (
        f"RemoteStartTransaction answered {result.get('status')}"
        if result is not None
        else "RemoteStartTransaction got no answer"
    )
    why = f"{said}: the card identifies the user instead"
    if await ctx.physical(StepKind.PRESENT_CARD, c, name, tag, otherwise=why):
        return f"card {tag} presented"
    ctx.record(
        name,
        Outcome.NOT_TESTED,
        f"{said} (5.11 allows it) and card {tag} was not presented: an identification with no "
        "cable would reach it",
        (result.entry_id,) if result is not None else (),
        c,
    )
    return None


async def _tidy(ctx: CaseContext, c: int, cursor: Cursor) -> None:
    """A transaction the identification began after all (none is due with no cable) is
    stopped; the connector is left as it was."""
    for start in ctx.session.received("StartTransaction", cursor):
        if start.valid and start.payload["connectorId"] == c:
            tx = transaction_of(ctx, start)
            if tx is not None:
                await stop_remote(ctx, tx, c)


async def _status(
    ctx: CaseContext, c: int, status: str, cursor: Cursor, timeout: float | None = None
) -> Message:
    """The first StatusNotification ``status`` of connector ``c`` since ``cursor``."""
    where = on_connector(c)
    return await ctx.expect(
        "StatusNotification",
        lambda p: where(p) and p["status"] == status,
        timeout,
        Cursor(cursor.start),
    )


CASE = seed_case(11, run)

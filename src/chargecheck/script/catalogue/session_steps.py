"""Steps the session cases share (``chargecheck.script.catalogue.sessions``,
``transactions``): keys set for a case and put back, a short ConnectionTimeOut (OCPP 1.6
section 9.1), a connector with no cable, a transaction whose cable is unplugged at the EV
(4.10, 9.1), the wait for an incipient session to time out, the clean-ups, the reason of a
StopTransaction (7.41)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    arrives,
    call_quietly,
    key_int,
    keys_at,
    not_tested,
    on,
    running,
    stop_arrives,
    watch,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    configured,
    last_status,
    make_idle,
    open_transactions,
    stop_remote,
    transaction_of,
    unplug_quietly,
)


@asynccontextmanager
async def keys_set(
    ctx: CaseContext, wanted: dict[str, str], name: str, why: str = ""
) -> AsyncIterator[bool]:
    """The configuration keys at the values ``wanted`` for the block (``keys_at``). A key
    the station will not take (read-only, refused, unknown) makes ``name`` NOT TESTED: the
    case needs that value (``why`` adds what the specification says of the key)."""
    async with keys_at(ctx, wanted) as unset:
        if unset is not None:
            said = "not reported" if unset.now is None else f"{unset.now}"
            not_tested(
                ctx,
                name,
                f"{unset.key} is {said} and could not be set to {unset.value} (read-only, "
                f"refused or unknown): the case needs it {unset.value}"
                + (f"; {why}" if why else ""),
            )
        yield unset is None


@asynccontextmanager
async def short_connection_timeout(ctx: CaseContext, name: str) -> AsyncIterator[int | None]:
    """ConnectionTimeOut (9.1) set to ``settings.connection_timeout`` for the block and
    put back; a station that will not take it is waited out at its own value when that is
    at most twice as long, else ``name`` is NOT TESTED. The seconds in force, or None."""
    wanted = ctx.settings.connection_timeout
    async with configured(ctx, "ConnectionTimeOut", str(wanted), "") as ok:
        if ok:
            yield wanted
            return
        own = await key_int(ctx, "ConnectionTimeOut")
        if own is not None and 0 < own <= 2 * wanted:
            yield own
            return
        not_tested(
            ctx,
            name,
            f"ConnectionTimeOut is {own if own is not None else 'not reported'} s and could not "
            f"be set to {wanted} s (read-only or refused): too long to wait here",
        )
        yield None


@asynccontextmanager
async def cable_awaited(ctx: CaseContext) -> AsyncIterator[tuple[int, int, str, Cursor] | None]:
    """The station made idle, a short ConnectionTimeOut for the block
    (``short_connection_timeout``) and the case's connector with no cable in
    (``without_cable``): the connector, the ConnectionTimeOut in force, the criterion that
    the connector goes back to Available once it expired (9.1), and the cursor from then;
    None: not reached (recorded)."""
    await make_idle(ctx)
    c = ctx.settings.connector
    async with short_connection_timeout(ctx, "ConnectionTimeOut can be made short") as timeout:
        if timeout is None:
            yield None
            return
        name = f"back to Available once ConnectionTimeOut ({timeout} s) expired (9.1 SHALL)"
        if not await without_cable(ctx, c, name):
            yield None
            return
        yield c, timeout, name, ctx.mark()


async def without_cable(ctx: CaseContext, c: int, name: str) -> bool:
    """Connector ``c`` Available with no cable in, pulling the cable if need be."""
    if last_status(ctx, c) == "Available":
        return True
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.UNPLUG, c, name):
        return False
    if await watch(ctx, "StatusNotification", on(c, status="Available"), cursor) is None:
        not_tested(
            ctx,
            name,
            f"connector {c} is {last_status(ctx, c) or 'of no known status'}, not Available "
            "with no cable: no session to begin without one",
            c=c,
        )
        return False
    return True


async def times_out(
    ctx: CaseContext, c: int, cursor: Cursor, timeout: int, how: str, name: str
) -> str:
    """After an identification with no cable (``how``, since ``cursor``): Preparing, then
    back to Available once ConnectionTimeOut expires, and not well before (9.1: the
    interval until the incipient transaction is cancelled; then the Charge Point SHALL go
    back to the original state, Available). No Preparing is NOT TESTED (4.9 says a
    connector is "typically" Preparing then, no SHALL): nothing to time out."""
    preparing = await watch(ctx, "StatusNotification", on(c, status="Preparing"), cursor)
    if preparing is None:
        await tidy(ctx, cursor)
        not_tested(
            ctx,
            name,
            f"{how}, no StatusNotification Preparing within {ctx.settings.timeouts.status:g} s: "
            "no incipient session to time out (4.9: typically Preparing, not SHALL)",
            c=c,
        )
        return ""
    wait = timeout * 2 + ctx.settings.timeouts.status
    available = await arrives(
        ctx, name, "StatusNotification", on(c, status="Available"), cursor, wait, c
    )
    await tidy(ctx, cursor)
    if available is None:
        return ""
    waited = available.mono - preparing.mono
    early = waited < timeout * 0.5
    ctx.check(
        not early,
        name,
        f"{how}, Preparing, then Available after {waited:.1f} s"
        + (f": well before ConnectionTimeOut ({timeout} s) expired (9.1)" if early else ""),
        (preparing.entry_id, available.entry_id),
        c,
    )
    return (
        ""
        if early
        else f"OK, Available {waited:.1f} s after Preparing (ConnectionTimeOut {timeout} s)"
    )


async def tidy(ctx: CaseContext, cursor: Cursor) -> None:
    """Stop a transaction begun since ``cursor`` after all (none is due)."""
    for start in ctx.session.received("StartTransaction", cursor):
        tx = transaction_of(ctx, start) if start.valid else None
        if tx is not None and tx in open_transactions(ctx).values():
            await stop_remote(ctx, tx, start.payload["connectorId"])


async def running_unplugged(ctx: CaseContext, c: int, name: str) -> tuple[int, Cursor] | None:
    """A transaction runs on ``c``, then the operator unplugs the cable at the EV: the
    transaction id and the cursor from before the unplug; None: no transaction, or no
    unplug (the bench then stops the transaction)."""
    tx = await running(ctx, c)
    if tx is None:
        return None
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.UNPLUG, c, name):
        await stop_remote(ctx, tx, c)
        return None
    return tx, cursor


@asynccontextmanager
async def unplugged_at_ev(
    ctx: CaseContext, name: str, *, stop: bool
) -> AsyncIterator[tuple[int, int, Cursor] | None]:
    """The station made idle, StopTransactionOnEVSideDisconnect ``stop`` and
    UnlockConnectorOnEVSideDisconnect false for the block (``keys_set`` on ``name``), then
    ``running_unplugged`` on the case's connector: that connector, the transaction and
    the cursor from before the unplug. The cable, held locked at the station, is freed
    after the block (``free_cable``)."""
    await make_idle(ctx)
    c = ctx.settings.connector
    keys = {
        "StopTransactionOnEVSideDisconnect": str(stop).lower(),
        "UnlockConnectorOnEVSideDisconnect": "false",
    }
    async with keys_set(ctx, keys, name) as ok:
        unplugged = await running_unplugged(ctx, c, name) if ok else None
        if unplugged is None:
            yield None
            return
        try:
            yield (c, *unplugged)
        finally:
            await free_cable(ctx, c)


async def free_cable(ctx: CaseContext, c: int) -> None:
    """Clean-up after the EV side was unplugged with the cable locked at the station
    (UnlockConnectorOnEVSideDisconnect false): unlock it and pull it out."""
    if not open_transactions(ctx).get(c):
        await call_quietly(ctx, "UnlockConnector", {"connectorId": c})
    await unplug_quietly(ctx, c)


async def stopped_by_unplug(
    ctx: CaseContext, name: str, tx: int, cursor: Cursor, c: int
) -> bool | None:
    """After the cable was unplugged at the EV with StopTransactionOnEVSideDisconnect true
    (4.10 SHALL stop): the StopTransaction of ``tx`` (``stop_arrives`` on ``name``; none
    in time: None, and the bench stops it), then whether its reason is EVDisconnected
    (``stop_reason``)."""
    stop = await stop_arrives(ctx, name, tx, cursor, c)
    if stop is None:
        await stop_remote(ctx, tx, c)
        return None
    return stop_reason(ctx, stop, "EVDisconnected", c)


def stop_reason(ctx: CaseContext, stop: Message, wanted: str, c: int) -> bool:
    """The StopTransaction's reason is ``wanted`` (7.41); another is NOT TESTED: 4.10
    says the Reason SHOULD be set to a correct value when not ended normally."""
    name = f"reason {wanted} (7.41)"
    reason = stop.payload.get("reason", "Local")  # 4.10: an absent Reason means Local
    if reason != wanted:
        not_tested(
            ctx,
            name,
            f"reason {reason}: 4.10 says the Reason SHOULD be set to a correct value when a "
            "transaction is not ended normally, not SHALL",
            (stop.entry_id,),
            c,
        )
        return False
    return ctx.check(True, name, reason, (stop.entry_id,), c)

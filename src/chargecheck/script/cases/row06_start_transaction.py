"""Row 6 - Start charge transaction (OCPP 1.6 sections 5.11, 4.1, 4.8, 4.9).

Remote: the car is plugged, RemoteStartTransaction must be Accepted and followed by a
StartTransaction (the bench answers with the transactionId) and StatusNotifications that
follow section 4.9 into a charging state. Local: a card is presented; an Authorize must
come first, then, being approved, StartTransaction and the statuses. Not approved: the
bench refuses the card, and no transaction may start.

What each FAIL rests on: the seed ("After sending RemoteStartTransaction the transaction
must start, and a StartTransaction message ... must be received, followed by several
StatusNotification messages (according to OCPP 1.6)"; "Local StartTransaction should
start with an Authorize, which - if approved - must be followed by a StartTransaction";
"If not approved the sequence must stop"), and for the statuses the transitions of OCPP
1.6 section 4.9. The seed's "should" for the Authorize is taken as the script's demand:
the bench clears the Authorization Cache first, so no cached tag excuses a missing one.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import ExpectTimeout, SessionError
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.reach import start_remote
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    CHARGING_STATES,
    check_status_sequence,
    last_status,
    make_idle,
    stop_remote,
    transaction_of,
    unplug_quietly,
)


async def run(ctx: CaseContext) -> str:
    """Each criterion on every connector a car plugs into, one sub-result each."""
    await make_idle(ctx)
    done = [await _connector(ctx, c) for c in await ctx.outlets()]
    return "OK, " + "; ".join(done)


async def _connector(ctx: CaseContext, c: int) -> str:
    before = last_status(ctx, c)
    cursor = ctx.mark()
    tx = await start_remote(ctx, c, "RemoteStartTransaction starts a transaction", judged=True)
    if tx is not None:
        check_status_sequence(
            ctx, "remote start: StatusNotifications per OCPP 1.6", c, cursor, before
        )
        await stop_remote(ctx, tx, c)
    local = await _local_start(ctx, c)
    await _refused_start(ctx, c)
    return f"connector {c}: remote start" + (f", local start with {local}" if local else "")


async def _local_start(ctx: CaseContext, c: int) -> str | None:
    name = "local start: Authorize, then StartTransaction"
    # The remote start put the tag in the station's Authorization Cache, and with
    # LocalPreAuthorize a cached tag starts with no Authorize (OCPP 1.6 sections 3.5.1 and
    # 9.1): clear the cache (section 5.4) so that the Authorize the seed asks for is due.
    with suppress(SessionError):
        await ctx.session.call("ClearCache", {}, ctx.settings.timeouts.call)
    before = last_status(ctx, c)
    cursor = ctx.mark()
    tag = ctx.settings.valid_id_tag
    if not await ctx.physical(StepKind.PLUG, c, name):
        return None
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag):
        await unplug_quietly(ctx, c)
        return None
    authorize = await ctx.attempt(
        name, ctx.expect("Authorize", cursor=cursor, timeout=ctx.settings.timeouts.transaction)
    )
    start = await ctx.attempt(
        name,
        ctx.expect(
            "StartTransaction",
            lambda p: p["connectorId"] == c,
            ctx.settings.timeouts.transaction,
            cursor,
        ),
    )
    tx = transaction_of(ctx, start) if start else None
    if authorize is not None and start is not None:
        first = authorize.index < start.index
        same = authorize.payload["idTag"] == start.payload["idTag"]
        ctx.check(
            first and same,
            name,
            f"Authorize({authorize.payload['idTag']}) then "
            f"StartTransaction({start.payload['idTag']}), transaction {tx}"
            if first and same
            else f"Authorize({authorize.payload['idTag']}), then StartTransaction for another "
            f"idTag ({start.payload['idTag']})"
            if first
            else "StartTransaction came before Authorize",
            (authorize.entry_id, start.entry_id),
            c,
        )
        with suppress(ExpectTimeout):
            await ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == c and p["status"] in CHARGING_STATES,
                cursor=cursor,
            )
        check_status_sequence(
            ctx, "local start: StatusNotifications per OCPP 1.6", c, cursor, before
        )
    if tx is not None:
        await stop_remote(ctx, tx, c)
    else:
        await unplug_quietly(ctx, c)
    return f"card {authorize.payload['idTag']}" if authorize else None


async def _refused_start(ctx: CaseContext, c: int) -> None:
    name = "not approved: the sequence stops"
    cursor = ctx.mark()
    tag = ctx.settings.invalid_id_tag
    with ctx.session.answers.override("Authorize", lambda p: {"idTagInfo": {"status": "Invalid"}}):
        if not await ctx.physical(StepKind.PLUG, c, name):
            return
        if not await ctx.physical(StepKind.PRESENT_INVALID_CARD, c, name, tag):
            await unplug_quietly(ctx, c)
            return
        authorize = await ctx.attempt(
            name, ctx.expect("Authorize", cursor=cursor, timeout=ctx.settings.timeouts.transaction)
        )
        if authorize is None:
            await unplug_quietly(ctx, c)
            return
        started = None
        with suppress(ExpectTimeout):
            started = await ctx.expect(
                "StartTransaction",
                lambda p: p["connectorId"] == c,
                ctx.settings.timeouts.negative,
                cursor,
            )
        charging = [
            m
            for m in ctx.session.received("StatusNotification", cursor)
            if m.payload["connectorId"] == c and m.payload["status"] in CHARGING_STATES
        ]
        evidence = (
            authorize.entry_id,
            *(m.entry_id for m in [started, *charging] if m is not None),
        )
        ctx.check(
            started is None and not charging,
            name,
            "Authorize answered Invalid, then "
            + (
                "StartTransaction anyway"
                if started
                else "a charging status"
                if charging
                else "no transaction"
            ),
            evidence,
            c,
        )
        if started is not None and (tx := transaction_of(ctx, started)) is not None:
            await stop_remote(ctx, tx, c)
        else:
            await unplug_quietly(ctx, c)


CASE = seed_case(6, run)

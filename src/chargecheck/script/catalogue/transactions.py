# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Charging sessions, local and remote: Core profile cases.

OCPP 1.6 sections 4.1 (Authorize), 3.4, 4.8 (StartTransaction), 4.10 (StopTransaction),
5.11 (RemoteStartTransaction), 5.12 (RemoteStopTransaction).

A session started by a card: the idTag is one the station has never seen (``new_tag``),
so it is in neither its Local Authorization List nor its Authorization Cache, and 4.1
says it SHALL send an Authorize.req. OCPP 1.6 has no SHALL that an authorised idTag with
a car connected starts a transaction (section 3.6 on when a transaction starts is
informative): a station that starts none is NOT TESTED there, never PASS.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    answered,
    arrives,
    ask,
    ask_expecting,
    begin,
    case,
    new_tag,
    not_tested,
    on,
    present,
    running_from_idle,
    stop_arrives,
    stop_quietly,
    stop_seen,
    watch,
)
from chargecheck.script.catalogue.session_steps import running_unplugged, stopped_by_unplug
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    configured,
    make_idle,
    stop_remote,
    unplug_quietly,
)


async def authorize_sent(ctx: CaseContext, c: int, tag: str, cursor: Cursor) -> Message | None:
    """The Authorize of ``tag``, an idTag the station has never seen: 4.1 says it SHALL
    send one; none FAILs."""
    name = "Authorize for an unknown idTag (4.1 SHALL)"
    authorize = await arrives(
        ctx,
        name,
        "Authorize",
        lambda p: p["idTag"] == tag,
        cursor,
        ctx.settings.timeouts.transaction,
        c,
    )
    if authorize is not None:
        ctx.check(True, name, tag, (authorize.entry_id,), c)
    return authorize


async def authorised_start(
    ctx: CaseContext, c: int, tag: str, cursor: Cursor, name: str
) -> Message | None:
    """The Authorize of ``tag`` and the StartTransaction after it, judged."""
    authorize = await authorize_sent(ctx, c, tag, cursor)
    if authorize is None:
        return None
    start = await watch(
        ctx, "StartTransaction", on(c, idTag=tag), cursor, ctx.settings.timeouts.transaction
    )
    if start is None:
        not_tested(
            ctx,
            name,
            "no transaction started after the Authorize was Accepted with the car connected "
            "(OCPP 1.6 has no SHALL that it starts one)",
            (authorize.entry_id,),
            c,
        )
        return None
    first = authorize.index < start.index
    ctx.check(
        first,
        name,
        f"StartTransaction after Authorize, transaction {_tx(ctx, start)}"
        if first
        else "StartTransaction before the Authorize; 4.1: SHALL only supply energy after "
        "authorization",
        (authorize.entry_id, start.entry_id),
        c,
    )
    return start


def _tx(ctx: CaseContext, start: Message) -> int | None:
    from chargecheck.script.steps import transaction_of

    return transaction_of(ctx, start)


@case(
    "TC_003_CS",
    "Regular Charging Session - Plugin First",
    "4.1, 4.8",
    """
The car is plugged in, then an unknown idTag is presented
Plugging in gives a StatusNotification Preparing; none is NOT TESTED (4.9: a connector is "typically" Preparing once a cable is inserted, no SHALL)
The station sends Authorize for it (4.1 SHALL)
A StartTransaction for that idTag comes only after the Authorize (4.1: SHALL only supply energy after authorization); none at all is NOT TESTED""",
)
async def plug_in_first(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag()
    name = "StartTransaction after authorization"
    cursor = ctx.mark()
    # The act of plugging in: an EV connected all along causes no Preparing to watch for.
    if not await ctx.physical(StepKind.PLUG_IN, c, name):
        return ""
    await _preparing(ctx, c, cursor)
    if not await present(ctx, c, tag, name, plug=False):
        return ""
    start = await authorised_start(ctx, c, tag, cursor, name)
    await stop_quietly(ctx, start, c)
    return f"OK, transaction {_tx(ctx, start)} for {tag}" if start else ""


async def _preparing(ctx: CaseContext, c: int, cursor: Cursor) -> None:
    """Did plugging in give Preparing? OCPP 1.6 section 4.9 describes Preparing as what
    a connector "typically" is once "a user ... inserts a cable": no SHALL, so none is
    NOT TESTED."""
    name = "plugging in gives Preparing (4.9)"
    preparing = await watch(ctx, "StatusNotification", on(c, status="Preparing"), cursor)
    if preparing is None:
        not_tested(
            ctx,
            name,
            f"no StatusNotification Preparing within {ctx.settings.timeouts.status:g} s: 4.9 "
            'says a connector is "typically" Preparing once a cable is inserted, not SHALL',
            c=c,
        )
        return
    ctx.check(True, name, "Preparing", (preparing.entry_id,), c)


@case(
    "TC_004_1_CS",
    "Regular Charging Session – Identification First",
    "4.1, 4.8",
    """
An unknown idTag is presented before the car is plugged in
The station sends Authorize for it (4.1 SHALL)
Once the car is plugged in, a StartTransaction for that idTag, after the Authorize (4.1 SHALL only supply energy after authorization); none at all is NOT TESTED""",
)
async def identification_first(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag()
    name = "StartTransaction after authorization"
    cursor = ctx.mark()
    if not await present(ctx, c, tag, name, plug=False):
        return ""
    if not await ctx.physical(StepKind.PLUG, c, name):
        return ""
    start = await authorised_start(ctx, c, tag, cursor, name)
    await stop_quietly(ctx, start, c)
    return f"OK, transaction {_tx(ctx, start)} for {tag}" if start else ""


@case(
    "TC_023_CS",
    "Start Charging Session – Authorize invalid",
    "4.1",
    """
An idTag the Central System answers Invalid is presented with the car plugged in
The station sends Authorize for it (4.1 SHALL)
No StartTransaction for it (4.1: the Charge Point SHALL only supply energy after authorization)""",
)
async def refused(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("XX")
    name = "no transaction for a refused idTag (4.1 SHALL)"
    cursor = ctx.mark()

    def invalid(_: dict[str, object]) -> dict[str, object]:
        return {"idTagInfo": {"status": "Invalid"}}

    with ctx.session.answers.override("Authorize", invalid):
        if not await present(ctx, c, tag, name, refused="the bench will refuse it"):
            return ""
        authorize = await authorize_sent(ctx, c, tag, cursor)
        if authorize is None:
            await unplug_quietly(ctx, c)
            return ""
        start = await watch(
            ctx, "StartTransaction", on(c, idTag=tag), cursor, ctx.settings.timeouts.transaction
        )
    ctx.check(
        start is None,
        name,
        "Authorize answered Invalid, no transaction"
        if start is None
        else "Authorize answered Invalid, then StartTransaction; 4.1: SHALL only supply "
        "energy after authorization",
        (authorize.entry_id, *((start.entry_id,) if start else ())),
        c,
    )
    await stop_quietly(ctx, start, c)
    return "OK, refused, nothing started"


@case(
    "TC_068_CS",
    "Stop transaction - IdTag in StopTransaction matches IdTag in StartTransaction",
    "3.4, 4.1, 4.10",
    """
A transaction started with a card; the same card is presented again
No Authorize for the stop (3.4 MUST NOT; 4.1 SHALL only send Authorize when the stopping idTag differs)
The StopTransaction follows (4.10 SHALL); a station that does not stop on the card is NOT TESTED
This case covers the stop by the starting idTag; a second, different card presented during the session is not part of it.""",
)
async def stop_same_tag(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag()
    name = "the same card stops the transaction"
    cursor = ctx.mark()
    if not await present(ctx, c, tag, name):
        return ""
    start = await authorised_start(ctx, c, tag, cursor, "a transaction started with a card")
    tx = _tx(ctx, start) if start else None
    if tx is None:
        await stop_quietly(ctx, start, c)
        return ""
    again = ctx.mark()
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag):
        await stop_remote(ctx, tx, c)
        return ""
    stop = await stop_seen(ctx, tx, again)
    asked = [m for m in ctx.session.received("Authorize", again) if m.payload["idTag"] == tag]
    ctx.check(
        not asked,
        "no Authorize for the stop (3.4 MUST NOT)",
        "none"
        if not asked
        else "Authorize sent for the idTag that started the transaction; 3.4: a Charge Point "
        "MUST NOT send an Authorize.req before stopping with the same idTag",
        tuple(m.entry_id for m in asked) or ((stop.entry_id,) if stop else ()),
        c,
    )
    if stop is None:
        not_tested(ctx, name, "the card did not stop the transaction", c=c)
        await stop_remote(ctx, tx, c)
        return ""
    ctx.check(True, name, f"reason {stop.payload.get('reason', '-')}", (stop.entry_id,), c)
    await unplug_quietly(ctx, c)
    return f"OK, transaction {tx} stopped by the same card"


@case(
    "TC_010_CS",
    "Remote Start Charging Session – Cable Plugged in First",
    "5.11, 4.8",
    """
With the cable plugged in, RemoteStartTransaction Accepted is followed by a StartTransaction with its idTag (5.11 SHALL); Rejected is NOT TESTED (5.11 allows it)""",
)
async def remote_start_plugged(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    started = await begin(
        ctx, c, "RemoteStartTransaction starts a transaction (5.11)", remote_only=True
    )
    if started is None:
        return ""
    tx, _ = started
    await stop_remote(ctx, tx, c)
    await unplug_quietly(ctx, c)
    return f"OK, transaction {tx} started remotely"


@case(
    "TC_012_CS",
    "Remote Stop Charging Session",
    "5.12, 4.10",
    """
A transaction runs (reached as chargecheck.script.reach does: remote start, re-plug, card)
RemoteStopTransaction of the running transaction is Accepted (5.12: the transaction SHALL be stopped)
A StopTransaction for it follows (5.12 SHALL send StopTransaction.req)""",
)
async def remote_stop(ctx: CaseContext) -> str:
    started = await running_from_idle(ctx)
    if started is None:
        return ""
    c, tx, cursor = started
    name = "RemoteStopTransaction Accepted"
    result = await ask(ctx, name, "RemoteStopTransaction", {"transactionId": tx}, c)
    if result is not None:
        answered(
            ctx,
            name,
            result,
            ("Accepted",),
            "5.12: a remote stop equals a local stop, the transaction SHALL be stopped",
            c,
        )
    stop = await stop_arrives(
        ctx, "StopTransaction after the remote stop (5.12 SHALL)", tx, cursor, c
    )
    await unplug_quietly(ctx, c)
    return f"OK, transaction {tx} stopped remotely" if stop else ""


@case(
    "TC_011_1_CS",
    "Remote Start Charging Session – Remote Start First",
    "5.11",
    """
RemoteStartTransaction with no car connected: Accepted (Rejected is NOT TESTED)
When the car is plugged in within ConnectionTimeOut, a StartTransaction with the remote idTag (5.11 SHALL try to start and SHALL use that idTag)""",
)
async def remote_start_unplugged(ctx: CaseContext) -> str:
    from chargecheck.script.catalogue.base import key_int

    await make_idle(ctx)
    c, tag = ctx.settings.connector, ctx.settings.valid_id_tag
    name = "StartTransaction once the cable is plugged in (5.11 SHALL)"
    timeout = await key_int(ctx, "ConnectionTimeOut")
    cursor = ctx.mark()
    result = await ask(ctx, name, "RemoteStartTransaction", {"connectorId": c, "idTag": tag}, c)
    if result is None:
        return ""
    if result.get("status") != "Accepted":
        said = f"answered {result.get('status')} (5.11 allows it)"
        not_tested(ctx, name, said, (result.call_entry_id, result.entry_id), c)
        return ""
    accepted = ctx.session.clock.mono()
    if not await ctx.physical(StepKind.PLUG, c, name):
        return ""
    late = timeout is not None and ctx.session.clock.mono() - accepted >= timeout
    start = await watch(ctx, "StartTransaction", on(c), cursor, ctx.settings.timeouts.transaction)
    if start is None and late:
        not_tested(ctx, name, f"plugged in after ConnectionTimeOut ({timeout} s)", c=c)
    elif start is None:
        ctx.check(
            False,
            name,
            "Accepted, car plugged in within ConnectionTimeOut, no StartTransaction; 5.11: "
            "the Charge Point SHALL try to start a transaction",
            (result.entry_id,),
            c,
        )
    else:
        ctx.check(
            start.payload["idTag"] == tag,
            name,
            f"transaction {_tx(ctx, start)} for {start.payload['idTag']}"
            + ("" if start.payload["idTag"] == tag else f"; 5.11 SHALL use the idTag {tag}"),
            (result.entry_id, start.entry_id),
            c,
        )
    await stop_quietly(ctx, start, c)
    return "OK, started once plugged in" if start else ""


@case(
    "TC_028_CS",
    "Remote Stop Transaction – Rejected",
    "5.12",
    """
RemoteStopTransaction of a transactionId that is not ongoing is answered Rejected (5.12 SHALL indicate whether a transaction with that id is ongoing)""",
)
async def remote_stop_unknown(ctx: CaseContext) -> str:
    from chargecheck.script.steps import open_transactions

    await make_idle(ctx)
    unknown = max([*open_transactions(ctx).values(), 0]) + 7_777_777
    name = "RemoteStopTransaction of an unknown transaction: Rejected"
    result = await ask_expecting(
        ctx,
        name,
        "RemoteStopTransaction",
        {"transactionId": unknown},
        ("Rejected",),
        f"5.12: no transaction {unknown} is ongoing (SHALL say so)",
    )
    if result is None:
        return ""
    return "OK, Rejected"


@case(
    "TC_005_1_CS",
    "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = true",
    "4.10, 9.1",
    """
With StopTransactionOnEVSideDisconnect true (set by the bench if writable; else NOT TESTED)
Unplugging the cable from the EV stops the transaction: a StopTransaction (4.10 SHALL be stopped; SHALL send StopTransaction.req)
Its reason is EVDisconnected (7.41: "disconnecting of cable"); another reason is NOT TESTED (4.10: when not ended normally the Reason SHOULD be set to a correct value)""",
)
async def unplug_stops(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = "StopTransaction when the EV is unplugged (4.10 SHALL)"
    async with configured(ctx, "StopTransactionOnEVSideDisconnect", "true", "") as ok:
        if not ok:
            not_tested(ctx, name, "StopTransactionOnEVSideDisconnect cannot be set true")
            return ""
        unplugged = await running_unplugged(ctx, c, name)
        if unplugged is None:
            return ""
        tx, cursor = unplugged
        if not await stopped_by_unplug(ctx, name, tx, cursor, c):
            return ""
    return f"OK, transaction {tx} stopped (EVDisconnected)"


CASES = [
    plug_in_first,
    identification_first,
    refused,
    stop_same_tag,
    remote_start_plugged,
    remote_stop,
    remote_start_unplugged,
    remote_stop_unknown,
    unplug_stops,
]

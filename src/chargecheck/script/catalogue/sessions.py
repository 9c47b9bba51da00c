# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Charging sessions at their edges: Core profile cases on ConnectionTimeOut, the EV side
disconnecting, a card of the same group, the Authorization Cache and remote starts the
station cannot take.

OCPP 1.6 sections 4.1 (Authorize), 4.10 (StopTransaction, the EV side keys), 5.11
(RemoteStartTransaction), 5.12, 5.18, 6.33, 7.14 (parentIdTag), 9.1 (ConnectionTimeOut,
StopTransactionOnEVSideDisconnect, UnlockConnectorOnEVSideDisconnect), 3.5.1 (the cache).

What the specification leaves to the station is NOT TESTED here, never FAIL: that a card
of the starter's parentIdTag stops a transaction (1.6 describes the group, it has no SHALL
that the station honours it), that a cached idTag starts one (4.1: a Charge Point MAY
still send Authorize.req; no SHALL starts a transaction), which answer a remote start on a
busy connector gets when the station does start one (5.11 only makes the answer tell
whether it can), and Accepted for connectorId 0 (6.33 forbids the Central System to send
it, no SHALL says how the Charge Point answers it).
"""

from __future__ import annotations

from chargecheck.csms.errors import CallErrorReceived, SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import (
    answered,
    ask,
    ask_accepted,
    case,
    new_tag,
    not_tested,
    on,
    parent_of,
    present,
    running,
    running_from_idle,
    stop_arrives,
    stop_quietly,
    stop_seen,
    watch,
)
from chargecheck.script.catalogue.session_steps import (
    cable_awaited,
    keys_set,
    stop_reason,
    stopped_by_unplug,
    tidy,
    times_out,
    unplugged_at_ev,
)
from chargecheck.script.catalogue.transactions import authorised_start, authorize_sent
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    CHARGING_STATES,
    make_idle,
    open_transactions,
    stop_remote,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome

# -- the cases, in OCTT's order ----------------------------------------------------------------


@case(
    "TC_004_2_CS",
    "Regular Charging Session – Identification First - ConnectionTimeOut",
    "4.1, 9.1",
    """
ConnectionTimeOut is set short (the station's own value is waited out if short enough; else NOT TESTED)
An unknown idTag is presented with no cable: the station sends Authorize for it (4.1 SHALL)
The connector goes Preparing (none is NOT TESTED: 4.9 "typically"), then back to Available once ConnectionTimeOut expired, not well before (9.1 SHALL go back to the original state)""",
)
async def identified_times_out(ctx: CaseContext) -> str:
    async with cable_awaited(ctx) as awaited:
        return "" if awaited is None else await _card_times_out(ctx, *awaited)


async def _card_times_out(ctx: CaseContext, c: int, timeout: int, name: str, cursor: Cursor) -> str:
    tag = new_tag()
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag):
        return ""
    if await authorize_sent(ctx, c, tag, cursor) is None:
        await tidy(ctx, cursor)
        return ""
    return await times_out(ctx, c, cursor, timeout, f"card {tag} authorised", name)


@case(
    "TC_069_CS",
    "Stop transaction - ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction",
    "4.1, 4.10, 7.14",
    """
The bench answers the starting idTag and a second, unknown idTag with the same parentIdTag (7.14)
With a transaction running, the second card is presented: Authorize for it, then a StopTransaction of that transaction
A station that does not ask about the second card, or does not stop, is NOT TESTED: OCPP 1.6 has no SHALL that a card of the same parentIdTag stops a transaction
The StopTransaction names the second card (6.49: the identifier used to stop); no idTag or another is NOT TESTED (the field is optional)""",
)
async def group_card_stops(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, parent, other = ctx.settings.connector, new_tag("GP"), new_tag("GM")
    with parent_of(ctx, parent, ctx.settings.valid_id_tag, other):
        tx = await running(ctx, c)
        return "" if tx is None else await _stopped_by(ctx, c, tx, other, parent)


async def _stopped_by(ctx: CaseContext, c: int, tx: int, other: str, parent: str) -> str:
    name = "a card of the same parentIdTag stops the transaction"
    cursor = ctx.mark()
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, other):
        await stop_remote(ctx, tx, c)
        return ""
    wait = ctx.settings.timeouts.transaction
    stop = await stop_seen(ctx, tx, cursor, wait)
    asked = [m for m in ctx.session.received("Authorize", cursor) if m.payload["idTag"] == other]
    seen = tuple(m.entry_id for m in asked) + ((stop.entry_id,) if stop else ())
    if stop is None or not asked or asked[0].index > stop.index:
        if stop is not None:
            said = (
                "the transaction stopped with no Authorize.req for it first (4.1 says the Charge "
                "Point has to authorize the operation, not in SHALL words)"
            )
        elif asked:
            said = (
                f"Authorize.req answered Accepted (parentIdTag {parent}), the transaction goes on"
            )
        else:
            said = "no Authorize.req for it, the transaction goes on"
        not_tested(
            ctx,
            name,
            f"card {other} presented: {said}; OCPP 1.6 has no SHALL that a card of the "
            "starter's parentIdTag stops a transaction",
            seen,
            c,
        )
        if stop is None:
            await stop_remote(ctx, tx, c)
        else:
            await unplug_quietly(ctx, c)
        return ""
    ctx.check(
        True,
        name,
        f"Authorize for {other} (parentIdTag {parent}), then transaction {tx} stopped, "
        f"reason {stop.payload.get('reason', 'Local')}",
        seen,
        c,
    )
    by = stop.payload.get("idTag")
    named = "the StopTransaction names the card that stopped it (6.49)"
    if by == other:
        ctx.check(True, named, f"idTag {by}", (stop.entry_id,), c)
    else:
        not_tested(
            ctx,
            named,
            f"idTag {by or 'absent'}: 6.49 describes the field as the identifier used to "
            "stop, an optional field with no SHALL",
            (stop.entry_id,),
            c,
        )
    await unplug_quietly(ctx, c)
    return f"OK, transaction {tx} stopped by {other} of group {parent}"


@case(
    "TC_005_2_CS",
    "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = false",
    "4.10, 5.18, 9.1",
    """
StopTransactionOnEVSideDisconnect true and UnlockConnectorOnEVSideDisconnect false (set by the bench; a key it cannot set is NOT TESTED)
Unplugging the cable at the EV stops the transaction: a StopTransaction (4.10 SHALL be stopped; SHALL send StopTransaction.req)
Its reason is EVDisconnected (7.41); another reason is NOT TESTED (4.10 SHOULD)
UnlockConnector afterwards is answered (5.18 SHALL respond): Unlocked or NotSupported; UnlockFailed is NOT TESTED (5.18: the answer tells whether it could unlock)""",
)
async def unplug_stops_cable_locked(ctx: CaseContext) -> str:
    name = "StopTransaction when the EV is unplugged (4.10 SHALL)"
    async with unplugged_at_ev(ctx, name, stop=True) as unplugged:
        return "" if unplugged is None else await _stopped_at_ev(ctx, name, *unplugged)


async def _stopped_at_ev(ctx: CaseContext, name: str, c: int, tx: int, cursor: Cursor) -> str:
    if await stopped_by_unplug(ctx, name, tx, cursor, c) is None:
        return ""
    unlocked = await _unlock_answered(ctx, c)
    return f"OK, transaction {tx} stopped at the EV side; UnlockConnector {unlocked}"


async def _unlock_answered(ctx: CaseContext, c: int) -> str:
    name = "UnlockConnector after the stop: Unlocked or NotSupported (5.18 SHALL respond)"
    result = await ask(ctx, name, "UnlockConnector", {"connectorId": c}, c)
    if result is None:
        return "not answered"
    status = str(result.get("status"))
    if status == "UnlockFailed":
        not_tested(
            ctx,
            name,
            "answered UnlockFailed: 5.18 has the answer say whether it could unlock",
            (result.call_entry_id, result.entry_id),
            c,
        )
    else:
        answered(ctx, name, result, ("Unlocked", "NotSupported"), "5.18, 7.46", c)
    return status


@case(
    "TC_005_3_CS",
    "EV Side Disconnected - StopTransactionOnEVSideDisconnect = false - UnlockConnectorOnEVSideDisconnect = false",
    "4.10, 5.12, 9.1",
    """
StopTransactionOnEVSideDisconnect and UnlockConnectorOnEVSideDisconnect false (set by the bench; a key it cannot set is NOT TESTED)
Unplugging the cable at the EV does not stop the transaction: no StopTransaction (4.10: the transaction SHALL NOT be stopped)
RemoteStopTransaction of it is Accepted and a StopTransaction follows (5.12 SHALL)
Its reason is Remote (7.41); another reason is NOT TESTED (4.10 SHOULD)""",
)
async def unplug_keeps_transaction(ctx: CaseContext) -> str:
    name = "the transaction goes on after the EV is unplugged (4.10 SHALL NOT be stopped)"
    async with unplugged_at_ev(ctx, name, stop=False) as unplugged:
        return "" if unplugged is None else await _kept_at_ev(ctx, name, *unplugged)


async def _kept_at_ev(ctx: CaseContext, name: str, c: int, tx: int, cursor: Cursor) -> str:
    wait = ctx.settings.timeouts.negative
    early = await stop_seen(ctx, tx, cursor, wait)
    if early is not None:
        ctx.check(
            False,
            name,
            f"StopTransaction (reason {early.payload.get('reason', 'Local')}) once the EV "
            "was unplugged, with StopTransactionOnEVSideDisconnect false: 4.10, the "
            "transaction SHALL NOT be stopped",
            (early.entry_id,),
            c,
        )
        return ""
    stop = await _remote_stop(ctx, c, tx, name, cursor, wait)
    return f"OK, transaction {tx} went on after the unplug, stopped remotely" if stop else ""


async def _remote_stop(
    ctx: CaseContext, c: int, tx: int, kept: str, cursor: Cursor, wait: float
) -> Message | None:
    """RemoteStopTransaction of ``tx``, still running after the EV side was unplugged:
    its StopTransaction is the evidence that ``kept`` held."""
    after = [m for m in ctx.session.received("StatusNotification", cursor) if on(c)(m.payload)]
    marker = ctx.mark()
    name = "RemoteStopTransaction Accepted, then StopTransaction (5.12 SHALL)"
    result = await ask(ctx, name, "RemoteStopTransaction", {"transactionId": tx}, c)
    if result is None:
        return None
    if not answered(
        ctx, name, result, ("Accepted",), "5.12: the transaction is ongoing, SHALL be stopped", c
    ):
        return None
    stop = await stop_arrives(ctx, name, tx, marker, c)
    if stop is None:
        return None
    shown = after[-1:]
    status = f", {shown[0].payload['status']} meanwhile" if shown else ""
    ctx.check(
        True,
        kept,
        f"no StopTransaction within {wait:g} s of the unplug{status}; ended by the remote stop",
        (*(m.entry_id for m in shown), result.entry_id, stop.entry_id),
        c,
    )
    stop_reason(ctx, stop, "Remote", c)
    return stop


@case(
    "TC_007_CS",
    "Regular Start Charging Session – Cached Id",
    "3.5.1, 4.1, 4.8",
    """
AuthorizationCacheEnabled and LocalPreAuthorize true (set by the bench; the cache is optional, 3.5.1: a key it cannot set is NOT TESTED)
The idTag gets into the cache: presented with the car plugged in, the station sends Authorize for it (4.1 SHALL), a transaction follows and is stopped
Presented again before the car is plugged in, the cached idTag starts a transaction (StartTransaction); with or without an Authorize (4.1 MAY); none at all is NOT TESTED (no SHALL starts one)""",
)
async def cached_id_starts(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("CI")
    name = "a transaction starts for the cached idTag"
    keys = {"AuthorizationCacheEnabled": "true", "LocalPreAuthorize": "true"}
    optional = "the Authorization Cache is optional (3.5.1)"
    async with keys_set(ctx, keys, name, optional) as ok:
        if not ok:
            return ""
        cursor = ctx.mark()
        if not await present(ctx, c, tag, name):
            return ""
        first = await authorised_start(ctx, c, tag, cursor, "a session puts the idTag in the cache")
        await stop_quietly(ctx, first, c)
        if first is None:
            return ""
        cursor = ctx.mark()
        if not await present(ctx, c, tag, name, plug=False):
            return ""
        if not await ctx.physical(StepKind.PLUG, c, name):
            return ""
        return await _cached_start(ctx, c, tag, cursor, name)


async def _cached_start(ctx: CaseContext, c: int, tag: str, cursor: Cursor, name: str) -> str:
    wait = ctx.settings.timeouts.transaction
    start = await watch(ctx, "StartTransaction", on(c, idTag=tag), cursor, wait)
    if start is None:
        not_tested(
            ctx,
            name,
            f"no StartTransaction for {tag} within {wait:g} s: no SHALL of OCPP 1.6 starts a "
            "transaction for an idTag in the cache",
            c=c,
        )
        await tidy(ctx, cursor)
        await unplug_quietly(ctx, c)
        return ""
    charging = await watch(
        ctx,
        "StatusNotification",
        lambda p: p["connectorId"] == c and p["status"] in CHARGING_STATES,
        cursor,
    )
    asked = [m for m in ctx.session.received("Authorize", cursor) if m.payload["idTag"] == tag]
    how = (
        "after an Authorize.req (4.1: MAY send one for a cached idTag)"
        if asked
        else "without an Authorize.req: from the Authorization Cache"
    )
    tx = transaction_of(ctx, start)
    ctx.check(
        True,
        name,
        f"transaction {tx} {how}" + (f", {charging.payload['status']}" if charging else ""),
        (*(m.entry_id for m in asked), start.entry_id, *((charging.entry_id,) if charging else ())),
        c,
    )
    await stop_quietly(ctx, start, c)
    return f"OK, transaction {tx} for the cached {tag}"


@case(
    "TC_011_2_CS",
    "Remote Start Charging Session – Time Out",
    "5.11, 9.1",
    """
ConnectionTimeOut is set short (the station's own value is waited out if short enough; else NOT TESTED)
RemoteStartTransaction with no cable: Accepted (Rejected is NOT TESTED: 5.11 lets the station say it cannot start)
The connector goes Preparing (none is NOT TESTED: 4.9 "typically"), then back to Available once ConnectionTimeOut expired, not well before (9.1 SHALL go back to the original state)""",
)
async def remote_start_times_out(ctx: CaseContext) -> str:
    async with cable_awaited(ctx) as awaited:
        return "" if awaited is None else await _remote_start_times_out(ctx, *awaited)


async def _remote_start_times_out(
    ctx: CaseContext, c: int, timeout: int, name: str, cursor: Cursor
) -> str:
    asked = "RemoteStartTransaction with no cable: Accepted (5.11)"
    payload = {"connectorId": c, "idTag": ctx.settings.valid_id_tag}
    refusal = ": 5.11 lets the station say it cannot start"
    if await ask_accepted(ctx, asked, "RemoteStartTransaction", payload, refusal, c) is None:
        return ""
    return await times_out(ctx, c, cursor, timeout, "RemoteStartTransaction Accepted", name)


@case(
    "TC_026_CS",
    "Remote Start Charging Session – Rejected",
    "5.11",
    """
A transaction runs on the connector; RemoteStartTransaction for the same connector is answered (5.11 SHALL reply)
Rejected PASSes; Accepted with no StartTransaction following FAILs (5.11: the answer SHALL tell whether it is able to start, and it SHALL then send StartTransaction.req with the idTag)
Accepted with a new transaction started is NOT TESTED: 5.11 has no SHALL that a busy connector refuses""",
)
async def remote_start_busy(ctx: CaseContext) -> str:
    started = await running_from_idle(ctx)
    if started is None:
        return ""
    c, tx, cursor = started
    name = "RemoteStartTransaction on a connector in a transaction: Rejected (5.11)"
    payload = {"connectorId": c, "idTag": new_tag("RS")}
    result = await ask(ctx, name, "RemoteStartTransaction", payload, c)
    outcome = ""
    if result is not None:
        outcome = await _busy_answer(ctx, c, tx, name, result, cursor)
    for connector_id, running_tx in open_transactions(ctx).items():
        await stop_remote(ctx, running_tx, connector_id)
    await unplug_quietly(ctx, c)
    return outcome


async def _busy_answer(
    ctx: CaseContext, c: int, tx: int, name: str, result: Result, cursor: Cursor
) -> str:
    evidence = (result.call_entry_id, result.entry_id)
    status = result.get("status")
    if status != "Accepted":
        ctx.check(True, name, f"answered {status} with transaction {tx} running", evidence, c)
        return f"OK, {status}"
    wait = ctx.settings.timeouts.transaction
    start = await watch(ctx, "StartTransaction", on(c), cursor, wait)
    if start is None:
        ctx.check(
            False,
            name,
            f"answered Accepted with transaction {tx} running, then no StartTransaction within "
            f"{wait:g} s: 5.11, the answer SHALL tell whether the station is able to start a "
            "transaction, and if able it SHALL send StartTransaction.req with the idTag",
            evidence,
            c,
        )
        return ""
    not_tested(
        ctx,
        name,
        f"answered Accepted and started transaction {transaction_of(ctx, start)} on connector "
        f"{c}: 5.11 has no SHALL that a connector in a transaction refuses another",
        (*evidence, start.entry_id),
        c,
    )
    return ""


@case(
    "TC_027_CS",
    "Remote start transaction - connector id shall not be 0",
    "5.11, 6.33",
    """
RemoteStartTransaction with connectorId 0 (6.33: connectorId SHALL be > 0) is answered (5.11 SHALL reply)
Rejected, or a CALLERROR (OCPP-J 4.2.3: a field with an invalid value), PASSes
Accepted is NOT TESTED (6.33 binds the Central System; no SHALL says how the Charge Point answers); a StartTransaction on connector 0 after it FAILs (6.45: connectorId > 0)""",
)
async def remote_start_connector_zero(ctx: CaseContext) -> str:
    await make_idle(ctx)
    name = "RemoteStartTransaction with connectorId 0: Rejected or CALLERROR (5.11, 6.33)"
    cursor = ctx.mark()
    payload = {"connectorId": 0, "idTag": new_tag("RZ")}
    try:
        result = await ctx.call("RemoteStartTransaction", payload)
    except CallErrorReceived as exc:
        ctx.check(True, name, f"CALLERROR {exc.code}", exc.evidence)
        return f"OK, CALLERROR {exc.code}"
    except SessionError as exc:
        ctx.record(name, Outcome.FAIL, f"{exc}: 5.11, the Charge Point SHALL reply", exc.evidence)
        return ""
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        ctx.check(True, name, f"answered {result.get('status')}", evidence)
        return f"OK, {result.get('status')}"
    start = await watch(ctx, "StartTransaction", None, cursor, ctx.settings.timeouts.negative)
    if start is not None and start.payload.get("connectorId") == 0:
        ctx.check(
            False,
            name,
            "answered Accepted, then a StartTransaction on connector 0: 6.45, connectorId > 0",
            (*evidence, start.entry_id),
        )
    else:
        where = (
            f", then transaction {transaction_of(ctx, start)} on connector {start.payload['connectorId']}"
            if start is not None
            else ""
        )
        not_tested(
            ctx,
            name,
            f"answered Accepted{where}: 6.33 forbids the Central System to send connectorId 0, "
            "no SHALL says how the Charge Point answers it",
            evidence + ((start.entry_id,) if start is not None else ()),
        )
    await tidy(ctx, cursor)
    return ""


CASES = [
    identified_times_out,
    group_card_stops,
    unplug_stops_cable_locked,
    unplug_keeps_transaction,
    cached_id_starts,
    remote_start_times_out,
    remote_start_busy,
    remote_start_connector_zero,
]

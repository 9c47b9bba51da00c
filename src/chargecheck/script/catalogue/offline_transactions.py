# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Transactions started while offline: Core profile cases (OCPP 1.6 sections 3.5.4, 3.7,
4.8, 4.10, 9.1).

The bench makes the outage itself (``base.outage``): it closes the socket and refuses
reconnections for ``settings.outage`` seconds; the physical steps happen meanwhile. The
idTag is new to the station, so it starts offline only with AllowOfflineTxForUnknownId
true or from its Authorization Cache (``offline_authorised``).

What can FAIL here: 3.5.4 "the Charge Point SHALL send a Start Transaction request for any
transaction that was authorized offline"; 3.7 "When offline, the Charge Point MUST queue
any transaction-related messages that it would have sent", delivered in chronological
order; 9.1 StopTransactionOnEVSideDisconnect true: the Charge Point SHALL stop the
transaction when the cable is unplugged.

What cannot: whether a station starts offline at all (3.5.4 MAY, AllowOfflineTxForUnknownId;
3.5.1 the cache SHOULD be used), and what it does with a transaction whose
StartTransaction.conf is not Accepted: 3.5.4 and 4.8 say it SHOULD stop it with reason
DeAuthorized (StopTransactionOnInvalidId true) or SHOULD only stop the energy (false).
Those are NOT TESTED when the station does otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    CatalogueCase,
    case,
    keys_at,
    new_tag,
    not_tested,
    on,
    outage,
    present,
    stop_seen,
    watch,
)
from chargecheck.script.catalogue.offline import (
    MUST_QUEUE,
    attempt_offline,
    cache_tag,
    cleanup,
    judge_started_offline,
    started_offline,
)
from chargecheck.script.catalogue.outages import IN_ORDER
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import make_idle, stop_remote, transaction_of, unplug_quietly

START_SHALL = "StartTransaction of the offline transaction after the reconnection (3.5.4 SHALL)"


# -- the offline authorisation ---------------------------------------------------------------------


@asynccontextmanager
async def offline_authorised(
    ctx: CaseContext, c: int, tag: str, name: str, keys: dict[str, str]
) -> AsyncIterator[str | None]:
    """For the block, the case's ``keys`` set (``keys_at``), and ``tag`` (new to the
    station) can start a transaction offline at ``c`` (``_authorised``). Yields how, or
    None with ``name`` recorded NOT TESTED."""
    async with keys_at(ctx, keys) as refused:
        if refused is not None:
            not_tested(ctx, name, str(refused), c=c)
            yield None
            return
        async with _authorised(ctx, c, tag, name) as how:
            yield how


@asynccontextmanager
async def _authorised(ctx: CaseContext, c: int, tag: str, name: str) -> AsyncIterator[str | None]:
    """``tag`` can start a transaction offline at ``c``: with AllowOfflineTxForUnknownId
    true (3.5.4), else from the Authorization Cache (AuthorizationCacheEnabled and
    LocalAuthorizeOffline true, ``tag`` Accepted online first: 3.5.1, 4.1)."""
    async with keys_at(ctx, {"AllowOfflineTxForUnknownId": "true"}) as unknown:
        if unknown is None:
            yield "AllowOfflineTxForUnknownId"
            return
    cache = {"AuthorizationCacheEnabled": "true", "LocalAuthorizeOffline": "true"}
    async with keys_at(ctx, cache) as cached:
        if cached is None:
            # cache_tag records NOT TESTED on ``name`` when it cannot cache the idTag
            yield "the Authorization Cache" if await cache_tag(ctx, c, tag, name) else None
            return
    not_tested(
        ctx,
        name,
        f"the station cannot be made to start offline for a new idTag: {unknown}; {cached}; "
        "what would reach it: AllowOfflineTxForUnknownId true (3.5.4), or an Authorization "
        "Cache with LocalAuthorizeOffline true (3.5.1)",
        c=c,
    )
    yield None


def nothing(how: str) -> str:
    """Why a station that reported no transaction after the outage (authorised ``how``) is
    NOT TESTED: it may have started none offline."""
    said = "no transaction reported after the reconnection: the station may have started none"
    if how == "AllowOfflineTxForUnknownId":
        return f"{said} with {how} true (3.5.4: unknown offline authorization is a MAY)"
    return f"{said} from {how} (3.5.1: the cache SHOULD authorise offline, not SHALL)"


# -- TC_037_2_CS, TC_037_3_CS -------------------------------------------------------------------------


@asynccontextmanager
async def refused_later(ctx: CaseContext, tag: str) -> AsyncIterator[None]:
    """The bench answers ``tag`` Invalid (StartTransaction.conf, 4.8) for the block."""
    answers = ctx.session.answers
    answers.id_tags[tag] = "Invalid"
    try:
        yield
    finally:
        answers.id_tags.pop(tag, None)


async def invalid_offline(ctx: CaseContext, stop_on_invalid: bool) -> str:
    """A transaction started offline for a new idTag, answered Invalid once back, with
    StopTransactionOnInvalidId ``stop_on_invalid``."""
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("OI")
    key = {"StopTransactionOnInvalidId": str(stop_on_invalid).lower()}
    async with offline_authorised(ctx, c, tag, START_SHALL, key) as how:
        if how is None:
            return ""
        cursor = ctx.mark()
        async with refused_later(ctx, tag):
            later = "the bench will answer it Invalid once the station is back online"
            seen = await attempt_offline(ctx, c, tag, START_SHALL, refused=later)
            if seen is None:
                return ""
            start, charging = seen
            judge_started_offline(ctx, START_SHALL, c, start, charging, nothing(how))
            tx = transaction_of(ctx, start) if start is not None else None
            if start is None or tx is None:
                await cleanup(ctx, start, c)
                return ""
            judge = _deauthorized if stop_on_invalid else _suspended
            result = await judge(ctx, c, tx, start, cursor)
        if tx not in {s.payload.get("transactionId") for s in _stops(ctx, cursor)}:
            await stop_remote(ctx, tx, c)
        else:
            await unplug_quietly(ctx, c)
    return result


def _stops(ctx: CaseContext, cursor: Cursor) -> list[Message]:
    return [m for m in ctx.session.received("StopTransaction", cursor) if m.valid]


SHOULD_ON_INVALID = (
    "3.5.4 and 4.8: when the StartTransaction.conf is not Accepted the Charge Point SHOULD"
)


async def _deauthorized(ctx: CaseContext, c: int, tx: int, start: Message, cursor: Cursor) -> str:
    name = "the transaction answered Invalid is stopped, reason DeAuthorized (3.5.4, 4.8 SHOULD)"
    stop = await stop_seen(ctx, tx, cursor)
    if stop is None:
        not_tested(
            ctx,
            name,
            f"no StopTransaction for transaction {tx} within "
            f"{ctx.settings.timeouts.transaction:g} s; {SHOULD_ON_INVALID} stop it "
            "(StopTransactionOnInvalidId true)",
            (start.entry_id,),
            c,
        )
        return ""
    reason = stop.payload.get("reason", "Local")
    if reason != "DeAuthorized":
        not_tested(
            ctx,
            name,
            f"stopped with reason {reason}; {SHOULD_ON_INVALID} set the reason to DeAuthorized",
            (start.entry_id, stop.entry_id),
            c,
        )
        return ""
    ctx.check(True, name, f"stopped, reason {reason}", (start.entry_id, stop.entry_id), c)
    return f"OK, transaction {tx} answered Invalid, stopped DeAuthorized"


async def _suspended(ctx: CaseContext, c: int, tx: int, start: Message, cursor: Cursor) -> str:
    name = "the transaction answered Invalid goes on without energy: SuspendedEVSE, no StopTransaction (3.5.4, 4.8 SHOULD)"
    after = Cursor(start.index)
    suspended = await watch(
        ctx,
        "StatusNotification",
        on(c, status="SuspendedEVSE"),
        after,
        ctx.settings.timeouts.status,
    )
    stop = await stop_seen(ctx, tx, cursor, ctx.settings.timeouts.negative)
    if stop is not None:
        not_tested(
            ctx,
            name,
            f"stopped with reason {stop.payload.get('reason', 'Local')}; "
            f"{SHOULD_ON_INVALID} only stop the energy (StopTransactionOnInvalidId false)",
            (start.entry_id, stop.entry_id),
            c,
        )
        return ""
    if suspended is None:
        not_tested(
            ctx,
            name,
            f"no StatusNotification SuspendedEVSE within "
            f"{ctx.settings.timeouts.status:g} s; {SHOULD_ON_INVALID} stop energy delivery",
            (start.entry_id,),
            c,
        )
        return ""
    ctx.check(
        True,
        name,
        f"SuspendedEVSE, transaction {tx} not stopped",
        (start.entry_id, suspended.entry_id),
        c,
    )
    return f"OK, transaction {tx} answered Invalid, energy stopped, transaction kept"


def _invalid_offline_case(id_: str, *, stop_on_invalid: bool) -> CatalogueCase:
    """TC_037_2_CS (StopTransactionOnInvalidId false: the transaction goes on without
    energy) or TC_037_3_CS (true: it is stopped, reason DeAuthorized)."""
    value = str(stop_on_invalid).lower()
    then = (
        "The transaction is stopped with reason DeAuthorized; no stop, or another reason, is NOT TESTED (3.5.4, 4.8: SHOULD)"
        if stop_on_invalid
        else "The transaction goes on without energy: StatusNotification SuspendedEVSE and no StopTransaction; otherwise NOT TESTED (3.5.4, 4.8: SHOULD only stop energy delivery)"
    )

    @case(
        id_,
        f"Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = {value}",
        "3.5.4, 3.7, 4.8, 9.1",
        f"""
StopTransactionOnInvalidId {value} (set if writable, else NOT TESTED); a new idTag can start offline: AllowOfflineTxForUnknownId true, else the Authorization Cache with LocalAuthorizeOffline true and the idTag accepted online first (else NOT TESTED)
Offline, that idTag is presented with the car plugged in; a station that starts nothing is NOT TESTED (3.5.4: MAY)
After the reconnection the transaction is reported with a StartTransaction (3.5.4 SHALL; 3.7 MUST queue): a charging status with none FAILs; the bench answers it Invalid
{then}""",
    )
    async def run(ctx: CaseContext) -> str:
        return await invalid_offline(ctx, stop_on_invalid)

    return run


offline_invalid_kept = _invalid_offline_case("TC_037_2_CS", stop_on_invalid=False)
offline_invalid_stopped = _invalid_offline_case("TC_037_3_CS", stop_on_invalid=True)


# -- TC_039_CS ----------------------------------------------------------------------------------------


@case(
    "TC_039_CS",
    "Offline Transaction",
    "3.5.4, 3.7, 4.8, 4.10, 9.1",
    """
StopTransactionOnEVSideDisconnect true (set if writable, else NOT TESTED); a new idTag can start offline: AllowOfflineTxForUnknownId true, else the Authorization Cache with LocalAuthorizeOffline true and the idTag accepted online first (else NOT TESTED)
Offline, the car is plugged in, the idTag presented, then the car unplugged (9.1: the unplug SHALL stop the transaction)
After the reconnection the StartTransaction comes (3.5.4 SHALL; 3.7 MUST queue); nothing at all is NOT TESTED (3.5.4: starting offline is a MAY), a StopTransaction without it FAILs
Then the StopTransaction of that transaction (3.7 MUST queue; 4.10), after its StartTransaction (3.7 SHALL: in chronological order)""",
)
async def offline_transaction(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("OT")
    stopped = "StopTransaction of the offline transaction after the reconnection (3.7 MUST)"
    key = {"StopTransactionOnEVSideDisconnect": "true"}
    async with offline_authorised(ctx, c, tag, START_SHALL, key) as how:
        if how is None:
            return ""
        cursor = ctx.mark()
        async with outage(ctx, START_SHALL) as out:
            done = out and await present(ctx, c, tag, START_SHALL)
            if done:
                await asyncio.sleep(min(1.0, ctx.settings.outage / 4))  # it charges a while
                done = await ctx.physical(StepKind.UNPLUG, c, stopped)
            if done and ctx.session.connected:  # the steps outlasted the outage
                not_tested(
                    ctx,
                    stopped,
                    "the station was back online before the car was unplugged",
                    c=c,
                )
                done = False
        if not done or not ctx.session.connected:
            await unplug_quietly(ctx, c)
            return ""
        start, _ = await started_offline(ctx, c, tag, cursor)
        wait = ctx.settings.timeouts.transaction if start else ctx.settings.timeouts.negative
        stop = await watch(
            ctx,
            "StopTransaction",
            (lambda p: p["transactionId"] == transaction_of(ctx, start)) if start else None,
            cursor,
            wait,
        )
        return _judge_offline_transaction(ctx, c, how, start, stop, stopped)


def _judge_offline_transaction(
    ctx: CaseContext,
    c: int,
    how: str,
    start: Message | None,
    stop: Message | None,
    stopped: str,
) -> str:
    if start is None and stop is None:
        not_tested(ctx, START_SHALL, nothing(how), c=c)
        return ""
    if start is None:
        assert stop is not None
        ctx.check(
            False,
            START_SHALL,
            f"StopTransaction of transaction "
            f"{stop.payload['transactionId']} with no StartTransaction; 3.5.4 SHALL send it; "
            f"{MUST_QUEUE}",
            (stop.entry_id,),
            c,
        )
        return ""
    tx = transaction_of(ctx, start)
    ctx.check(True, START_SHALL, f"transaction {tx}", (start.entry_id,), c)
    if stop is None:
        ctx.check(
            False,
            stopped,
            f"no StopTransaction for transaction {tx} within "
            f"{ctx.settings.timeouts.transaction:g} s, although the car was unplugged offline "
            f"with StopTransactionOnEVSideDisconnect true (9.1 SHALL stop); {MUST_QUEUE}",
            (start.entry_id,),
            c,
        )
        return ""
    ok = stop.index > start.index
    ctx.check(
        ok,
        stopped,
        f"reason {stop.payload.get('reason', 'Local')}, after its StartTransaction"
        if ok
        else f"StopTransaction before its StartTransaction; {IN_ORDER}",
        (start.entry_id, stop.entry_id),
        c,
    )
    return f"OK, transaction {tx} started and stopped offline, both reported after" if ok else ""


CASES = [offline_invalid_kept, offline_invalid_stopped, offline_transaction]

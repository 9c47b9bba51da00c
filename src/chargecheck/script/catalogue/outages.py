# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Connection loss during and around a transaction: Core profile cases (OCPP 1.6 sections
3.5.4, 3.7, 4.7, 4.8, 4.10, 9.1).

The bench makes the outage itself (``base.outage``): it closes the socket and refuses
reconnections for ``settings.outage`` seconds; the physical steps happen meanwhile.

What can FAIL here: 3.7 "When offline, the Charge Point MUST queue any transaction-related
messages that it would have sent" (StartTransaction, StopTransaction, periodic and
clock-aligned MeterValues) and "The delivery of new transaction-related messages SHALL wait
until the queue has been emptied" (they come in chronological order); 3.5.4 "the Charge
Point SHALL send a Start Transaction request for any transaction that was authorized
offline"; 9.1 StopTransactionOnEVSideDisconnect true: the Charge Point SHALL stop the
transaction when the cable is unplugged.

What cannot: whether a station starts offline at all (3.5.4 MAY, AllowOfflineTxForUnknownId;
3.5.1 the cache SHOULD be used), when it samples (4.7: up to the Charge Point), and what it
does with a transaction whose StartTransaction.conf is not Accepted: 3.5.4 and 4.8 say it
SHOULD stop it with reason DeAuthorized (StopTransactionOnInvalidId true) or SHOULD only stop
the energy (false). Those are NOT TESTED when the station does otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    case,
    new_tag,
    not_tested,
    of_transaction,
    on,
    outage,
    present,
    running,
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
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    configuration,
    configured,
    is_periodic,
    make_idle,
    sampled_meter_values,
    stop_remote,
    transaction_of,
    unplug_quietly,
)

IN_ORDER = (
    "3.7: the delivery of new transaction-related messages SHALL wait until the queue has "
    "been emptied, so that they are delivered in chronological order"
)
START_SHALL = "StartTransaction of the offline transaction after the reconnection (3.5.4 SHALL)"


# -- keys and the offline authorisation ----------------------------------------------------------


@asynccontextmanager
async def keys_at(ctx: CaseContext, keys: dict[str, str]) -> AsyncIterator[str | None]:
    """Each key at its value for the block: left alone where it already is, else set and put
    back afterwards. Yields None, or why one could not be (nothing recorded)."""
    async with AsyncExitStack() as stack:
        for key, value in keys.items():
            now = await configuration(ctx, key)
            if now is not None and now.strip().lower() == value.lower():
                continue
            if not await stack.enter_async_context(configured(ctx, key, value, "")):
                was = "not reported" if now is None else f"{now}"
                yield f"{key} ({was}) cannot be set to {value}"
                return
        yield None


@asynccontextmanager
async def offline_authorised(
    ctx: CaseContext, c: int, tag: str, name: str
) -> AsyncIterator[str | None]:
    """For the block, ``tag`` (new to the station) can start a transaction offline at ``c``:
    with AllowOfflineTxForUnknownId true (3.5.4), else from the Authorization Cache
    (AuthorizationCacheEnabled and LocalAuthorizeOffline true, ``tag`` Accepted online
    first: 3.5.1, 4.1). Yields how, or None with ``name`` recorded NOT TESTED."""
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


# -- timestamps ------------------------------------------------------------------------------------


def stamp(message: Message) -> datetime | None:
    """When the station says it took ``message``: its timestamp, or its first meterValue's."""
    p = message.payload
    text = p.get("timestamp") or next(
        (mv.get("timestamp") for mv in p.get("meterValue", []) if mv.get("timestamp")), None
    )
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def arrived(ctx: CaseContext, message: Message) -> datetime:
    """The bench's UTC time when ``message`` arrived."""
    clock = ctx.session.clock
    return clock.utc() - timedelta(seconds=clock.mono() - message.mono)


def in_order(messages: list[Message]) -> tuple[bool, str]:
    """Are the messages' own timestamps chronological in the order they came?"""
    stamps = [stamp(m) for m in messages]
    late = [
        f"{b.action} {sb:%H:%M:%S} came after {a.action} {sa:%H:%M:%S}"
        for (a, sa), (b, sb) in pairwise(zip(messages, stamps, strict=True))
        if sa is not None and sb is not None and sb < sa
    ]
    shown = ", ".join(
        f"{m.action} {s:%H:%M:%S}" for m, s in zip(messages, stamps, strict=True) if s
    )
    return not late, f"{shown}; out of order: {', '.join(late)}" if late else shown


# -- TC_036_CS ----------------------------------------------------------------------------------------


@case(
    "TC_036_CS",
    "Connection Loss During Transaction",
    "3.7, 4.7, 9.1",
    """
MeterValueSampleInterval is set to the bench's meter interval (else NOT TESTED); the outage must last longer than it (else NOT TESTED: no sample falls in it)
A transaction runs and sends a periodic MeterValues before the outage (none: NOT TESTED, 4.7 leaves sampling to the Charge Point)
MeterValues sampled while offline are delivered after the reconnection (3.7 MUST queue): none, while the station samples before and after the outage, FAILs
The transaction-related messages after the reconnection come in chronological order (3.7 SHALL: new ones wait until the queue is emptied); the spacing is reported, not judged (4.7)""",
)
async def connection_loss(ctx: CaseContext) -> str:
    meter, c = ctx.settings.meter, ctx.settings.connector
    queued = "MeterValues sampled while offline are delivered after the reconnection (3.7 MUST)"
    ordered = (
        "transaction-related messages after the reconnection in chronological order (3.7 SHALL)"
    )
    limit = meter.interval * (1 + meter.tolerance)
    if ctx.settings.outage <= limit:
        not_tested(
            ctx,
            queued,
            f"the outage ({ctx.settings.outage:g} s) is not longer than "
            f"MeterValueSampleInterval ({meter.interval} s): no sample need fall in it",
        )
        return ""
    await make_idle(ctx)
    async with keys_at(ctx, {"MeterValueSampleInterval": str(meter.interval)}) as refused:
        if refused is not None:
            not_tested(ctx, queued, refused)
            return ""
        cursor = ctx.mark()
        tx = await running(ctx, c)
        if tx is None:
            return ""
        try:
            return await _through_outage(ctx, c, tx, cursor, queued, ordered, limit)
        finally:
            await stop_remote(ctx, tx, c)


async def _through_outage(
    ctx: CaseContext, c: int, tx: int, cursor: Cursor, queued: str, ordered: str, limit: float
) -> str:
    before = await sampled_meter_values(ctx, tx, c, 1, limit, cursor)
    if not before:
        not_tested(
            ctx,
            queued,
            f"no periodic MeterValues of transaction {tx} online; 4.7: it is up "
            "to the Charge Point to decide when it will send meter values",
            c=c,
        )
        return ""
    went = ctx.mark()
    async with outage(ctx, queued) as out:
        if not out:
            return ""
    if not ctx.session.connected:
        return ""
    back = ctx.session.clock.utc()
    skew = arrived(ctx, before[-1]) - (stamp(before[-1]) or arrived(ctx, before[-1]))
    old = before[-1].connection
    wait = limit + ctx.settings.timeouts.status
    after = await _delivered(ctx, tx, c, went, old, back, skew, wait)
    offline = [m for m in after if (stamp(m) or back) + skew < back]
    live = [m for m in after if m not in offline]
    evidence = tuple(m.entry_id for m in after)
    if offline:
        ctx.check(True, queued, f"{len(offline)} sampled offline, delivered after", evidence, c)
    elif live:
        ctx.check(
            False,
            queued,
            f"periodic MeterValues every {ctx.settings.meter.interval} s before and after the "
            f"outage, none of the {ctx.settings.outage:g} s offline delivered; {MUST_QUEUE}",
            (before[-1].entry_id, *evidence),
            c,
        )
    else:
        not_tested(
            ctx,
            queued,
            "no periodic MeterValues after the reconnection, queued or new: the "
            "station may have stopped sampling (4.7)",
            (before[-1].entry_id,),
            c,
        )
        return ""
    related = [
        m
        for m in ctx.session.received(cursor=went)
        if m.connection != old and m.valid and _related(m, tx)
    ]
    if len(related) < 2:
        not_tested(ctx, ordered, "fewer than two transaction-related messages to order", c=c)
    else:
        ok, detail = in_order(related)
        taken = sorted(s for s in map(stamp, offline + live) if s is not None)
        gaps = [b - a for a, b in pairwise(taken)]
        spacing = ", ".join(f"{g.total_seconds():.1f}" for g in gaps)
        ctx.check(
            ok,
            ordered,
            detail
            + ("" if ok else f"; {IN_ORDER}")
            + (f" (sample spacing {spacing} s)" if spacing else ""),
            tuple(m.entry_id for m in related),
            c,
        )
    return f"OK, {len(offline)} MeterValues sampled offline delivered in order" if offline else ""


def _related(message: Message, tx: int) -> bool:
    """A transaction-related message of ``tx`` (3.7): its Start/StopTransaction, or a
    periodic or clock-aligned MeterValues of it."""
    p = message.payload
    if message.action == "MeterValues":
        return p.get("transactionId") == tx and (is_periodic(message) or _clock(message))
    return message.action == "StopTransaction" and p.get("transactionId") == tx


def _clock(message: Message) -> bool:
    return any(
        sv.get("context") == "Sample.Clock"
        for mv in message.payload.get("meterValue", [])
        for sv in mv.get("sampledValue", [])
    )


async def _delivered(
    ctx: CaseContext,
    tx: int,
    c: int,
    cursor: Cursor,
    old: int,
    back: datetime,
    skew: timedelta,
    wait: float,
) -> list[Message]:
    """The periodic (or clock-aligned) MeterValues of ``tx`` since ``cursor`` that came on
    a connection after ``old``: until ``timeouts.negative`` after the first one taken after
    ``back`` (a new sample: any queue should be behind it, 3.7), or ``wait`` seconds."""
    own, found = Cursor(cursor.start), []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait

    def of_tx(p: dict[str, Any]) -> bool:
        named = p.get("transactionId", tx if p["connectorId"] == c else None)
        return named == tx and p["meterValue"] != []

    while (left := deadline - loop.time()) > 0:
        try:
            message = await ctx.session.expect("MeterValues", of_tx, left, own)
        except SessionError:
            break
        if message.connection == old or not (is_periodic(message) or _clock(message)):
            continue
        found.append(message)
        if (stamp(message) or back) + skew >= back:  # a new sample: what follows it, briefly
            deadline = min(deadline, loop.time() + ctx.settings.timeouts.negative)
    return found


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
    async with keys_at(ctx, key) as refused:
        if refused is not None:
            not_tested(ctx, START_SHALL, refused, c=c)
            return ""
        async with offline_authorised(ctx, c, tag, START_SHALL) as how:
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
    stop = await watch(
        ctx, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.transaction
    )
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
    stop = await watch(
        ctx, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.negative
    )
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


@case(
    "TC_037_2_CS",
    "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = false",
    "3.5.4, 3.7, 4.8, 9.1",
    """
StopTransactionOnInvalidId false (set if writable, else NOT TESTED); a new idTag can start offline: AllowOfflineTxForUnknownId true, else the Authorization Cache with LocalAuthorizeOffline true and the idTag accepted online first (else NOT TESTED)
Offline, that idTag is presented with the car plugged in; a station that starts nothing is NOT TESTED (3.5.4: MAY)
After the reconnection the transaction is reported with a StartTransaction (3.5.4 SHALL; 3.7 MUST queue): a charging status with none FAILs; the bench answers it Invalid
The transaction goes on without energy: StatusNotification SuspendedEVSE and no StopTransaction; otherwise NOT TESTED (3.5.4, 4.8: SHOULD only stop energy delivery)""",
)
async def offline_invalid_kept(ctx: CaseContext) -> str:
    return await invalid_offline(ctx, stop_on_invalid=False)


@case(
    "TC_037_3_CS",
    "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = true",
    "3.5.4, 3.7, 4.8, 9.1",
    """
StopTransactionOnInvalidId true (set if writable, else NOT TESTED); a new idTag can start offline: AllowOfflineTxForUnknownId true, else the Authorization Cache with LocalAuthorizeOffline true and the idTag accepted online first (else NOT TESTED)
Offline, that idTag is presented with the car plugged in; a station that starts nothing is NOT TESTED (3.5.4: MAY)
After the reconnection the transaction is reported with a StartTransaction (3.5.4 SHALL; 3.7 MUST queue): a charging status with none FAILs; the bench answers it Invalid
The transaction is stopped with reason DeAuthorized; no stop, or another reason, is NOT TESTED (3.5.4, 4.8: SHOULD)""",
)
async def offline_invalid_stopped(ctx: CaseContext) -> str:
    return await invalid_offline(ctx, stop_on_invalid=True)


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
    async with keys_at(ctx, {"StopTransactionOnEVSideDisconnect": "true"}) as refused:
        if refused is not None:
            not_tested(ctx, START_SHALL, refused, c=c)
            return ""
        async with offline_authorised(ctx, c, tag, START_SHALL) as how:
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


CASES = [connection_loss, offline_invalid_kept, offline_invalid_stopped, offline_transaction]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Connection loss during a transaction: a Core profile case (OCPP 1.6 sections 3.7, 4.7,
9.1), and the timestamps the offline cases judge order by.

The bench makes the outage itself (``base.outage``): it closes the socket and refuses
reconnections for ``settings.outage`` seconds.

What can FAIL here: 3.7 "When offline, the Charge Point MUST queue any transaction-related
messages that it would have sent" (periodic and clock-aligned MeterValues) and "The
delivery of new transaction-related messages SHALL wait until the queue has been emptied"
(they come in chronological order). What cannot: when the station samples (4.7: up to the
Charge Point), NOT TESTED when it samples none.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import case, keys_at, not_tested, outage, running
from chargecheck.script.catalogue.offline import MUST_QUEUE
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import is_periodic, make_idle, sampled_meter_values, stop_remote

IN_ORDER = (
    "3.7: the delivery of new transaction-related messages SHALL wait until the queue has "
    "been emptied, so that they are delivered in chronological order"
)


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
            not_tested(ctx, queued, str(refused))
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
            message = await ctx.expect("MeterValues", of_tx, left, own, quiet=True)
        except SessionError:
            break
        if message.connection == old or not (is_periodic(message) or _clock(message)):
            continue
        found.append(message)
        if (stamp(message) or back) + skew >= back:  # a new sample: what follows it, briefly
            deadline = min(deadline, loop.time() + ctx.settings.timeouts.negative)
    return found


CASES = [connection_loss]

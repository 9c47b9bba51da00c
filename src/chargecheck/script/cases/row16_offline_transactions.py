"""Row 16 - Get past charge transactions (OCPP 1.6 sections 3.6, 4.7 offline behaviour).

The bench forces the outage itself (DESIGN.md): with a transaction running, it closes the
socket and refuses reconnects for the settings' ``outage``; meanwhile the transaction is
stopped (the operator pulls the cable). After the station reconnects by itself, the
cached StopTransaction (and any transaction MeterValues) must arrive without the bench
asking, in the order they happened.

With nobody to pull the cable (an unattended run, ``--ev-connected``), the transaction
runs through the outage instead, sampled every ``min(meter interval, outage / 4)``
seconds (the outage lasts at least three samples and two seconds): what the station
sampled while offline are transaction-related messages it MUST queue (OCPP 1.6,
"Transaction-related messages": StartTransaction, StopTransaction and the MeterValues of
a transaction), so they must come after the reconnect, unasked and in order. A station
that sends no periodic MeterValues for the transaction at all, even once back online, had
nothing to cache: NOT TESTED. The result names the method used.

What each FAIL rests on: the seed ("When Charging Station reconnects, after being
offline, the cached transactions must be sent to the server automatically"): that it
reconnects, that the StopTransaction (or the transaction's MeterValues sampled while
offline) comes unasked, that it was stopped while offline (by the station's own clock,
which OCPP 1.6 does not bind to the bench's), and that the cached messages keep the order
they happened in.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from chargecheck.csms.errors import NotConnected, SessionError
from chargecheck.csms.session import Cursor, Message, Session
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.reach import start_remote
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    configuration,
    configured,
    make_idle,
    stop_remote,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome
from chargecheck.wording import counted

CACHED = ("StopTransaction", "MeterValues", "StartTransaction")
KEY = "MeterValueSampleInterval"


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def _stamp(payload: dict[str, Any]) -> datetime | None:
    if "timestamp" in payload:
        return _time(payload["timestamp"])
    stamps = [_time(mv.get("timestamp", "")) for mv in payload.get("meterValue", [])]
    return min((s for s in stamps if s), default=None)


def _station_clock_offset(ctx: CaseContext, tx: int) -> timedelta:
    """How far the station's clock is ahead of the bench's: the timestamp of the
    transaction's StartTransaction less the bench's time when it arrived (zero if
    unknown). A StartTransaction sent a while after it was stamped makes this smaller,
    which only makes the judgement kinder."""
    session = ctx.session
    for message in session.inbox:
        if message.action == "StartTransaction" and message.valid:
            if transaction_of(ctx, message) != tx:
                continue
            stamp = _time(message.payload["timestamp"])
            arrived = session.clock.utc() - timedelta(seconds=session.clock.mono() - message.mono)
            return stamp - arrived if stamp is not None else timedelta(0)
    return timedelta(0)


async def run(ctx: CaseContext) -> str:
    if ctx.central is None:
        ctx.record("the bench forces an outage", Outcome.ERROR, "no Central System handle")
        return ""
    await make_idle(ctx)
    # Not a criterion: samples to cache if the transaction runs through the outage.
    sample = max(1, int(min(ctx.settings.meter.interval, ctx.settings.outage / 4)))
    async with configured(ctx, KEY, str(sample), "") as sampling:
        interval = sample if sampling else _whole(await configuration(ctx, KEY))
        return await _offline(ctx, interval)


async def _offline(ctx: CaseContext, interval: int | None) -> str:
    assert ctx.central is not None
    c = ctx.settings.connector
    tx = await start_remote(ctx, c, "a transaction running when the network goes")
    if tx is None:
        return ""
    session, outage = ctx.session, ctx.settings.outage
    connection = session.connections
    ctx.central.refuse(session.identity, outage)
    ctx.say(f"  outage: the bench closes the socket and refuses reconnects for {outage:g} s")
    await session.disconnect(1001, "chargecheck: forced outage")
    offline_from = session.clock.utc()
    name = "the transaction is stopped while offline"
    unplugged = await ctx.physical(
        StepKind.UNPLUG, c, name, otherwise="the transaction runs through the outage"
    )
    if not unplugged and interval:
        # Long enough for samples clear of the reconnect by more than a clock's second.
        outage = max(outage, 3 * interval + 2.0)
        ctx.central.refuse(session.identity, outage - _since(session, offline_from))
    await asyncio.sleep(max(0.0, outage - _since(session, offline_from)))
    try:
        await ctx.wait_connected(ctx.settings.timeouts.reboot, "the station to reconnect")
    except NotConnected as exc:  # judged once: not PASS as well if it comes back later
        ctx.record("the station reconnects by itself", Outcome.FAIL, str(exc))
        return ""
    back = session.clock.utc()
    ctx.record(
        "the station reconnects by itself",
        Outcome.PASS,
        f"connection {session.connections} after the outage",
        tuple(x for x in [session.connect_entry_id] if x),
    )
    cursor = ctx.mark()
    cursor.start = next(
        (m.index for m in session.inbox if m.connection > connection), len(session.inbox)
    )
    if not unplugged:
        return await _ran_through(ctx, tx, cursor, (offline_from, back), interval)
    stop = await ctx.attempt(
        "the cached StopTransaction is sent automatically",
        ctx.expect(
            "StopTransaction",
            lambda p: p["transactionId"] == tx,
            timeout=ctx.settings.timeouts.transaction,
            cursor=cursor,
        ),
    )
    if stop is None:
        await stop_remote(ctx, tx, c)
        return ""
    stopped_at = _time(stop.payload["timestamp"])
    # Judged on the station's clock: OCPP 1.6 only RECOMMENDS that it follows the Central
    # System's (section 4.2), so the bench's offline moment is moved by the offset the
    # StartTransaction of this transaction showed.
    offset = _station_clock_offset(ctx, tx)
    offline_station = (offline_from + offset).replace(microsecond=0)
    during = stopped_at is not None and stopped_at >= offline_station
    ctx.check(
        True,
        "the cached StopTransaction is sent automatically",
        f"transaction {tx}, stopped at {stop.payload['timestamp']}",
        (stop.entry_id,),
    )
    ctx.check(
        during,
        name,
        f"stopped at {stop.payload['timestamp']}, offline from "
        f"{offline_from.isoformat(timespec='seconds')}"
        + (
            f" ({offline_station.isoformat(timespec='seconds')} on the station's clock)"
            if abs(offset) >= timedelta(seconds=1)
            else ""
        ),
        (stop.entry_id,),
    )
    cached = [
        m for m in session.inbox[cursor.start : stop.index + 1] if m.action in CACHED and m.valid
    ]
    _check_order(ctx, cached)
    await unplug_quietly(ctx, c)
    return f"OK, {counted(len(cached), 'cached transaction message')} sent after reconnect"


async def _ran_through(
    ctx: CaseContext,
    tx: int,
    cursor: Cursor,
    outage: tuple[datetime, datetime],
    interval: int | None,
) -> str:
    """Nobody stopped the transaction: judge the MeterValues it sampled while offline
    (stamped before the reconnect, on the station's clock), then stop it remotely."""
    session, c = ctx.session, ctx.settings.connector
    name = "the transaction's MeterValues sampled offline are sent automatically"
    # A second's margin: a station may stamp to the second, and the offset (from the
    # StartTransaction's stamp, taken before it was sent) errs on the small side.
    back = outage[1] + _station_clock_offset(ctx, tx) - timedelta(seconds=1)

    def ours(payload: dict[str, Any]) -> bool:
        return payload.get("transactionId") == tx and _stamp(payload) is not None

    def cached(payload: dict[str, Any]) -> bool:
        stamp = _stamp(payload)
        return ours(payload) and stamp is not None and stamp < back

    try:
        first = await ctx.expect(
            "MeterValues", cached, timeout=ctx.settings.timeouts.transaction, cursor=cursor
        )
    except SessionError:
        first = None
    if first is None:
        await _no_cached_values(ctx, tx, cursor, outage, interval, name)
        await stop_remote(ctx, tx, c)
        return ""
    # The rest of the queue follows the first at once; a live sample marks its end.
    with suppress(SessionError):
        await ctx.expect(
            "MeterValues",
            lambda p: ours(p) and not cached(p),
            timeout=(interval or 0) + ctx.settings.timeouts.status,
            cursor=cursor,
        )
    sent = [
        m
        for m in session.inbox[cursor.start :]
        if m.action == "MeterValues" and m.valid and cached(m.payload)
    ]
    ctx.check(
        True,
        name,
        f"transaction {tx}: {len(sent)} MeterValues stamped before the reconnect at "
        f"{outage[1].isoformat(timespec='seconds')}",
        tuple(m.entry_id for m in sent),
    )
    _check_order(
        ctx,
        [
            m
            for m in session.inbox[cursor.start : sent[-1].index + 1]
            if m.action in CACHED and m.valid
        ],
    )
    await stop_remote(ctx, tx, c)
    return (
        f"OK, {len(sent)} cached MeterValues of transaction {tx} sent after reconnect "
        "(nobody pulled the cable: the transaction ran through the outage)"
    )


async def _no_cached_values(
    ctx: CaseContext,
    tx: int,
    cursor: Cursor,
    outage: tuple[datetime, datetime],
    interval: int | None,
    name: str,
) -> None:
    """No MeterValues from the outage: FAIL if the station samples this transaction (a
    live sample after the reconnect) at an interval the outage was long enough for,
    else NOT TESTED."""
    seconds = (outage[1] - outage[0]).total_seconds()
    try:
        live = await ctx.expect(
            "MeterValues",
            lambda p: p.get("transactionId") == tx,
            timeout=(interval or 0) + ctx.settings.timeouts.status,
            cursor=cursor,
        )
    except SessionError:
        ctx.record(
            name,
            Outcome.NOT_TESTED,
            f"the station sends no periodic MeterValues for transaction {tx} "
            f"(MeterValueSampleInterval {interval}), so it had none to cache",
        )
        return
    if interval and interval <= seconds:
        ctx.record(
            name,
            Outcome.FAIL,
            f"sampled every {interval} s, offline {seconds:.0f} s: nothing sampled while "
            f"offline arrived within {ctx.settings.timeouts.transaction:g} s of the "
            "reconnect (OCPP 1.6: transaction-related messages MUST be queued offline)",
            (live.entry_id,),
        )
    else:
        ctx.record(
            name,
            Outcome.NOT_TESTED,
            f"MeterValueSampleInterval {interval} is longer than the {seconds:.0f} s outage",
            (live.entry_id,),
        )


def _check_order(ctx: CaseContext, cached: list[Message]) -> None:
    stamps = [_stamp(m.payload) for m in cached]
    ordered = all(a <= b for a, b in pairwise(stamps) if a and b)
    ctx.check(
        ordered,
        "cached messages arrive in order",
        ", ".join(
            f"{m.action}@{(s.isoformat(timespec='seconds') if s else '?')}"
            for m, s in zip(cached, stamps, strict=True)
        ),
        tuple(m.entry_id for m in cached),
    )


def _since(session: Session, moment: datetime) -> float:
    return (session.clock.utc() - moment).total_seconds()


def _whole(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


CASE = seed_case(16, run)

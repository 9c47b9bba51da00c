# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Offline behaviour, the Local Authorization List and the Authorization Cache offline
(OCPP 1.6 sections 3.5, 3.5.1, 3.5.4, 3.7, 4.1, 5.4).

The bench makes the outage itself (``base.outage``): it closes the socket and refuses
reconnections for ``settings.outage`` seconds, and the physical steps happen meanwhile.

What can FAIL here: 3.7 "When offline, the Charge Point MUST queue any transaction-
related messages"; 3.5.4 "When connection to the Central Server is restored, the Charge
Point SHALL send a Start Transaction request for any transaction that was authorized
offline" and "Identifiers that are present in a Local Authorization List that have a
status other than Accepted ... MUST be rejected"; 4.1 "The Charge Point SHALL only supply
energy after authorization". Whether a station authorises offline from its list or its
cache at all is its choice (3.5: MAY support; 3.5.1: the cache SHOULD conform): a station
that does not is NOT TESTED there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from chargecheck.csms.errors import arrival_text
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import (
    ask,
    case,
    new_tag,
    not_tested,
    on,
    outage,
    present,
    running,
    stop_quietly,
    stop_seen,
    watch,
)
from chargecheck.script.catalogue.local_list import entry, send_list
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    CHARGING_STATES,
    configured,
    make_idle,
    stop_remote,
    transaction_of,
    unplug_quietly,
)

MUST_QUEUE = "3.7: when offline the Charge Point MUST queue transaction-related messages"


@asynccontextmanager
async def settings_for(ctx: CaseContext, name: str, keys: dict[str, str]) -> AsyncIterator[bool]:
    """Each key set to its value for the block (and put back); False (NOT TESTED
    recorded) when one cannot be."""
    async with AsyncExitStack() as stack:
        for key, value in keys.items():
            if not await stack.enter_async_context(configured(ctx, key, value, "")):
                not_tested(ctx, name, f"{key} cannot be set to {value}")
                yield False
                return
        yield True


async def offline_start(
    ctx: CaseContext, c: int, tag: str, name: str, refused: str = ""
) -> Cursor | None:
    """An outage during which the car is plugged in and ``tag`` presented at ``c``; the
    cursor from before the outage once the station is back (None: not done). ``refused``:
    why the station should refuse the card (the operator is told)."""
    cursor = ctx.mark()
    async with outage(ctx, name) as out:
        if not out:
            return None
        done = await present(ctx, c, tag, name, refused=refused)
    if done and not ctx.session.connected:  # not judged: end what may have started
        await unplug_quietly(ctx, c)
    if not done or not ctx.session.connected:
        return None
    return cursor


async def started_offline(
    ctx: CaseContext, c: int, tag: str, cursor: Cursor
) -> tuple[Message | None, Message | None]:
    """After the outage: the StartTransaction of ``tag`` the station sent (if any) and
    a charging status of ``c`` it reported (if any)."""
    start = await watch(
        ctx, "StartTransaction", on(c, idTag=tag), cursor, ctx.settings.timeouts.transaction
    )
    charging = await watch(
        ctx,
        "StatusNotification",
        lambda p: p["connectorId"] == c and p["status"] in CHARGING_STATES,
        cursor,
        0 if start else ctx.settings.timeouts.negative,
    )
    return start, charging


async def attempt_offline(
    ctx: CaseContext, c: int, tag: str, name: str, refused: str = ""
) -> tuple[Message | None, Message | None] | None:
    """``offline_start`` then ``started_offline``: what ``tag`` started while offline,
    as the station reports it once back (None: the attempt could not be made)."""
    cursor = await offline_start(ctx, c, tag, name, refused)
    if cursor is None:
        return None
    return await started_offline(ctx, c, tag, cursor)


async def refused_offline(ctx: CaseContext, c: int, tag: str, name: str, rule: str) -> bool:
    """Offline, ``tag`` must start nothing: judged by ``judge_refused`` (``rule`` is the
    MUST or SHALL a start breaks), then whatever started is ended. False: not judged."""
    seen = await attempt_offline(ctx, c, tag, name, "the station should refuse it offline")
    if seen is None:
        return False
    start, charging = seen
    judge_refused(ctx, name, c, tag, start, charging, rule)
    await cleanup(ctx, start, c)
    return True


def judge_started_offline(
    ctx: CaseContext,
    name: str,
    c: int,
    start: Message | None,
    charging: Message | None,
    nothing: str,
) -> None:
    """A transaction started offline is reported with its StartTransaction (3.5.4 SHALL;
    3.7 MUST queue): a charging status without one FAILs; nothing started at all is NOT
    TESTED for the reason ``nothing`` (starting offline is the station's choice)."""
    if start is None and charging is None:
        not_tested(ctx, name, nothing, c=c)
        return
    ctx.check(
        start is not None,
        name,
        f"transaction {transaction_of(ctx, start)}"
        if start
        else f"{charging.payload['status'] if charging else '?'} reported, no "
        f"StartTransaction; 3.5.4 SHALL send it; {MUST_QUEUE}",
        tuple(m.entry_id for m in (start, charging) if m is not None),
        c,
    )


def judge_refused(
    ctx: CaseContext,
    name: str,
    c: int,
    tag: str,
    start: Message | None,
    charging: Message | None,
    rule: str,
) -> bool:
    seen = start or charging
    return ctx.check(
        seen is None,
        name,
        "no transaction, no charging status"
        if seen is None
        else f"{seen.action} {seen.payload.get('status', tag)}; {rule}",
        (seen.entry_id,) if seen else (),
        c,
    )


@case(
    "TC_038_CS",
    "Offline Stop Transaction",
    "3.7, 4.10",
    """
With StopTransactionOnEVSideDisconnect true (set if writable, else NOT TESTED), a transaction runs and the network goes
The car is unplugged while offline
After the reconnection the StopTransaction comes without being asked (3.7 MUST queue; 4.10 SHALL send it)
This case stops the offline transaction by unplugging the EV, not by a card.""",
)
async def queued_offline(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = "the StopTransaction made offline comes after the reconnection (3.7 MUST)"
    async with settings_for(ctx, name, {"StopTransactionOnEVSideDisconnect": "true"}) as ok:
        if not ok:
            return ""
        tx = await running(ctx, c)
        if tx is None:
            return ""
        cursor = ctx.mark()
        async with outage(ctx, name) as out:
            unplugged = out and await ctx.physical(StepKind.UNPLUG, c, name)
        if not out or not ctx.session.connected:
            return ""
        if not unplugged:
            await stop_remote(ctx, tx, c)
            return ""
        stop = await stop_seen(ctx, tx, cursor)
        instead = ctx.session.received(cursor=cursor)[-4:]  # what shows there was none
        ctx.check(
            stop is not None,
            name,
            f"stopped at {stop.payload['timestamp']}"
            if stop
            else f"no StopTransaction for transaction {tx} (received: "
            f"{', '.join(map(arrival_text, instead)) or 'nothing'}); {MUST_QUEUE}",
            (stop.entry_id,) if stop else tuple(m.entry_id for m in instead),
            c,
        )
        if stop is None:
            await stop_remote(ctx, tx, c)
            return ""
    return f"OK, transaction {tx} stopped offline, reported after the reconnection"


async def cleanup(ctx: CaseContext, start: Message | None, c: int) -> None:
    """Stop what started (the bench knows its transaction id once its StartTransaction
    came), else just unplug."""
    if start is not None and transaction_of(ctx, start) is not None:
        await stop_quietly(ctx, start, c)
    else:
        await unplug_quietly(ctx, c)


@case(
    "TC_037_1_CS",
    "Offline Start Transaction - Valid IdTag",
    "3.5, 3.5.4, 3.7",
    """
LocalAuthListEnabled and LocalAuthorizeOffline true (set if writable, else NOT TESTED); a Full list with an Accepted idTag is Accepted (else NOT TESTED)
Offline, that idTag is presented with the car plugged in; a station that starts nothing is NOT TESTED (3.5: MAY authorise locally)
A transaction started offline is reported with a StartTransaction after the reconnection (3.5.4 SHALL; 3.7 MUST queue): a charging status with no StartTransaction FAILs""",
    "LocalAuthListManagement",
)
async def offline_local_list(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("OL")
    name = "StartTransaction of the offline transaction after the reconnection (3.5.4 SHALL)"
    keys = {"LocalAuthListEnabled": "true", "LocalAuthorizeOffline": "true"}
    async with settings_for(ctx, name, keys) as ok:
        if not ok or not await _listed(ctx, name, [entry(tag)]):
            return ""
        seen = await attempt_offline(ctx, c, tag, name)
        if seen is None:
            return ""
        start, charging = seen
        nothing = "nothing started offline (3.5: local authorization is a MAY)"
        judge_started_offline(ctx, name, c, start, charging, nothing)
        await cleanup(ctx, start, c)
    return "OK, started offline from the list, reported after" if start else ""


async def _listed(ctx: CaseContext, name: str, entries: list[dict[str, object]]) -> bool:
    version = await ask(ctx, name, "GetLocalListVersion", {})
    if version is None:
        return False
    sent = await send_list(
        ctx, name, max(int(version.get("listVersion", 0)), 0) + 1, "Full", entries
    )
    if sent is None:
        return False
    status, evidence = sent
    if status != "Accepted":
        not_tested(ctx, name, f"SendLocalList Full answered {status}", evidence)
        return False
    return True


@case(
    "CC_058_CS",
    "Offline, a blocked idTag of the Local Authorization List is refused",
    "3.5.4, 4.1",
    """
LocalAuthListEnabled true (set if writable, else NOT TESTED); a Full list with a Blocked idTag is Accepted (else NOT TESTED)
Offline, that idTag is presented with the car plugged in
No transaction for it, during or after the outage (3.5.4: an idTag of the list with a status other than Accepted MUST be rejected)""",
    "LocalAuthListManagement",
)
async def offline_blocked(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("OB")
    name = "a Blocked idTag of the list is refused offline (3.5.4 MUST)"
    async with settings_for(ctx, name, {"LocalAuthListEnabled": "true"}) as ok:
        if not ok or not await _listed(ctx, name, [entry(tag, "Blocked")]):
            return ""
        rule = "3.5.4: an idTag the list does not hold Accepted MUST be rejected"
        if not await refused_offline(ctx, c, tag, name, rule):
            return ""
    return "OK, refused offline"


async def cache_tag(ctx: CaseContext, c: int, tag: str, name: str) -> bool:
    """Online: ``tag`` presented, Authorized by the bench (4.1 SHALL: the cache is then
    updated), its transaction stopped; True once that went through."""
    cursor = ctx.mark()
    if not await present(ctx, c, tag, name):
        return False
    authorize = await watch(
        ctx, "Authorize", lambda p: p["idTag"] == tag, cursor, ctx.settings.timeouts.transaction
    )
    start = await watch(
        ctx, "StartTransaction", on(c, idTag=tag), cursor, ctx.settings.timeouts.transaction
    )
    await cleanup(ctx, start, c)
    if authorize is None:
        not_tested(ctx, name, f"no Authorize for {tag}, so nothing to cache", c=c)
        return False
    return True


@case(
    "CC_059_CS",
    "The Authorization Cache authorises offline",
    "3.5, 3.5.1, 3.5.4, 3.7",
    """
AuthorizationCacheEnabled and LocalAuthorizeOffline true (set if writable, else NOT TESTED)
Online, a new idTag is presented and Accepted (4.1 SHALL update the cache)
Offline, the same idTag is presented with the car plugged in; a station that starts nothing is NOT TESTED (3.5.1: the cache SHOULD be used)
A transaction started offline is reported with a StartTransaction after the reconnection (3.5.4 SHALL; 3.7 MUST queue)""",
)
async def cache_offline(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("CA")
    name = "StartTransaction of the offline transaction after the reconnection (3.5.4 SHALL)"
    keys = {"AuthorizationCacheEnabled": "true", "LocalAuthorizeOffline": "true"}
    async with settings_for(ctx, name, keys) as ok:
        if not ok or not await cache_tag(ctx, c, tag, name):
            return ""
        seen = await attempt_offline(ctx, c, tag, name)
        if seen is None:
            return ""
        start, charging = seen
        nothing = "the cached idTag started nothing offline (3.5.1: SHOULD)"
        judge_started_offline(ctx, name, c, start, charging, nothing)
        await cleanup(ctx, start, c)
    return "OK, the cached idTag charged offline" if start else ""


@case(
    "TC_061_CS",
    "Clear Authorization Data in Authorization Cache",
    "5.4, 3.5.1, 4.1",
    """
AuthorizationCacheEnabled true, AllowOfflineTxForUnknownId false (set if writable, else NOT TESTED)
Online, a new idTag is presented and Accepted (4.1 SHALL update the cache)
ClearCache is answered Accepted (5.4 SHALL say whether it cleared the cache; Rejected is NOT TESTED)
Offline, that idTag (in no list, no longer cached, unknown) starts no transaction (4.1: SHALL only supply energy after authorization)""",
)
async def clear_cache(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("CX")
    name = "a cleared idTag is not authorised offline (4.1 SHALL)"
    keys = {"AuthorizationCacheEnabled": "true", "AllowOfflineTxForUnknownId": "false"}
    async with settings_for(ctx, name, keys) as ok:
        if not ok or not await cache_tag(ctx, c, tag, name):
            return ""
        result = await ask(ctx, "ClearCache Accepted", "ClearCache", {})
        if result is None:
            return ""
        if result.get("status") != "Accepted":
            said = f"answered {result.get('status')} (5.4 allows it)"
            evidence = (result.call_entry_id, result.entry_id)
            not_tested(ctx, "ClearCache Accepted", said, evidence)
            return ""
        ctx.check(True, "ClearCache Accepted", "Accepted", (result.call_entry_id, result.entry_id))
        rule = (
            "ClearCache was Accepted (5.4), the idTag is in no list and unknown offline "
            "authorization is off: 4.1 SHALL only supply energy after authorization"
        )
        if not await refused_offline(ctx, c, tag, name, rule):
            return ""
    return "OK, cleared, not authorised offline"


CASES = [queued_offline, offline_local_list, offline_blocked, cache_offline, clear_cache]

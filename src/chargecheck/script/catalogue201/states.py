"""OCTT's reusable states that the 2.0.1 cases need, reached the way the tool reaches
them, each ending NOT TESTED (naming what would reach it) where the station legally
refuses or nobody does the physical step:

- ``charging``: EnergyTransferStarted: a remote start (RequestStartTransaction with an
  idToken and a remoteStartId) and the car plugged in (the operator's step), until a
  TransactionEvent of that transaction says chargingState Charging;
- ``finish``: the transaction stopped remotely (RequestStopTransaction) and the car
  unplugged, nothing judged (clean-up);
- ``start_point``: TxCtrlr.TxStartPoint holding the value a case is written for, set for
  the case when the station lets it be set, put back after.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Message
from chargecheck.script.catalogue.base import not_tested
from chargecheck.script.catalogue201.base import (
    TX_START_POINT,
    Variable,
    evidence_of,
    get_quietly,
    set_quietly,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind

REMOTE_TOKEN = {"idToken": "CCREMOTE201", "type": "Central"}


def running_transactions(ctx: CaseContext) -> dict[str, Message]:
    """The transactions the station has started and not ended, by transactionId: their
    last TransactionEvent."""
    running: dict[str, Message] = {}
    for m in ctx.session.inbox:
        if m.action == "TransactionEvent" and m.valid:
            tid = m.payload["transactionInfo"]["transactionId"]
            if m.payload["eventType"] == "Ended":
                running.pop(tid, None)
            else:
                running[tid] = m
    return running


def events_of(ctx: CaseContext, transaction_id: str, since: int = 0) -> list[Message]:
    """The valid TransactionEvents of a transaction since inbox index ``since``."""
    return [
        m
        for m in ctx.session.inbox[since:]
        if m.action == "TransactionEvent"
        and m.valid
        and m.payload["transactionInfo"]["transactionId"] == transaction_id
    ]


def points(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


@asynccontextmanager
async def variable_set(
    ctx: CaseContext, variable: Variable, value: str
) -> AsyncIterator[str | None]:
    """``variable`` set to ``value`` for the block and put back after; yields None when
    it was set (or already had that value), else why not."""
    before = await get_quietly(ctx, variable)
    if before == value:
        yield None
        return
    status = await set_quietly(ctx, variable, value)
    if status != "Accepted":
        yield f"{variable} is {before!r}; setting it to {value!r} was answered {status}"
        return
    ctx.say(f"  {variable} set to {value} (was {before})")
    try:
        yield None
    finally:
        if before is not None:
            await set_quietly(ctx, variable, before)


@asynccontextmanager
async def start_point(ctx: CaseContext, wanted: str) -> AsyncIterator[str | None]:
    """TxStartPoint holding ``wanted`` for the block (set to it alone when the station
    lets it be set; put back after); yields None, or why it does not hold it."""
    now = points(await get_quietly(ctx, TX_START_POINT))
    if wanted in now:
        yield None
        return
    async with variable_set(ctx, TX_START_POINT, wanted) as problem:
        yield problem


@dataclass(frozen=True)
class Charging:
    transaction_id: str
    evse: int
    remote_start_id: int
    since: int  # the inbox index from before the start
    evidence: tuple[int, ...]


async def remote_start_accepted(
    ctx: CaseContext, name: str, evse: int, note: str = ""
) -> tuple[int, tuple[int, ...]] | None:
    """RequestStartTransaction for ``evse`` with the bench's token, Accepted: its
    remoteStartId and the answer's evidence. None (``name`` NOT TESTED, with ``note``)
    when it fails or the station refuses (F01.FR.21-24 let it)."""
    remote_start_id = secrets.randbelow(1 << 30) + 1
    request: dict[str, Any] = {
        "idToken": REMOTE_TOKEN,
        "remoteStartId": remote_start_id,
        "evseId": evse,
    }
    try:
        result = await ctx.call("RequestStartTransaction", request)
    except SessionError as exc:
        not_tested(ctx, name, f"RequestStartTransaction: {exc}")
        return None
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"RequestStartTransaction answered {result.get('status')}: a station may refuse "
            f"it (F01.FR.21-24){note}",
            evidence_of(result),
        )
        return None
    return remote_start_id, evidence_of(result)


async def charging(
    ctx: CaseContext, name: str, evse: int = 1, *, beside: tuple[str, ...] = ()
) -> Charging | None:
    """EnergyTransferStarted on ``evse`` (OCTT's reusable state): RequestStartTransaction
    and the car plugged in, until the transaction says chargingState Charging; None (and
    ``name`` NOT TESTED, naming what would reach it) if not reached. ``beside``: the
    transactions (ids) the case itself runs on other EVSEs."""
    if set(running_transactions(ctx)) - set(beside):
        not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
        return None
    since = len(ctx.session.inbox)
    cursor = ctx.mark()
    accepted = await remote_start_accepted(ctx, name, evse, "; a card at the EVSE would start one")
    if accepted is None:
        return None
    remote_start_id, answered = accepted
    if not await ctx.physical(StepKind.PLUG, evse, name):
        return None
    try:
        first = await ctx.expect(
            "TransactionEvent",
            lambda p: p["transactionInfo"].get("remoteStartId") == remote_start_id,
            ctx.settings.timeouts.transaction,
            cursor,
            what="the transaction of the remote start",
        )
        tid = first.payload["transactionInfo"]["transactionId"]
        if first.payload["transactionInfo"].get("chargingState") != "Charging":
            await ctx.expect(
                "TransactionEvent",
                lambda p: (
                    p["transactionInfo"]["transactionId"] == tid
                    and p["transactionInfo"].get("chargingState") == "Charging"
                ),
                ctx.settings.timeouts.transaction,
                cursor,
                what="chargingState Charging",
            )
    except SessionError as exc:
        not_tested(
            ctx,
            name,
            f"no transaction charging after the remote start and the plug ({exc}): the car "
            "may not draw energy",
            answered,
        )
        await finish(ctx, None, evse)
        return None
    evidence = (*answered, first.entry_id)
    return Charging(tid, evse, remote_start_id, since, evidence)


async def stopped(ctx: CaseContext, transaction_id: str) -> bool:
    """RequestStopTransaction, then its Ended waited for; judges nothing: whether the
    Ended came."""
    cursor = ctx.mark()
    with suppress(SessionError):
        result = await ctx.session.call(
            "RequestStopTransaction", {"transactionId": transaction_id}, ctx.settings.timeouts.call
        )
        if result.get("status") == "Accepted":
            await ctx.session.expect(
                "TransactionEvent",
                lambda p: (
                    p["eventType"] == "Ended"
                    and p["transactionInfo"]["transactionId"] == transaction_id
                ),
                ctx.settings.timeouts.status,
                cursor,
            )
            return True
    ctx.say(f"  clean-up: transaction {transaction_id} was not stopped")
    return False


async def finish(ctx: CaseContext, transaction_id: str | None, evse: int) -> None:
    """Clean-up, nothing judged: the transaction stopped remotely (``stopped``) and the
    car unplugged."""
    if transaction_id is not None:
        await stopped(ctx, transaction_id)
    await ctx.physical(StepKind.UNPLUG, evse, "the car is unplugged", otherwise="clean-up")

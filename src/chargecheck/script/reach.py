"""Reaching the state a case needs: one mechanism for the seed's rows and the catalogue
(OCTT's "reusable states").

A precondition is not a criterion. To get a transaction to stop, to measure or to run
through an outage, the bench tries the legal ways, in order:

1. let the connector settle: one left Finishing by an earlier stop (the cable still in,
   OCPP 1.6 section 4.9) gets a clean-up unplug, and the bench waits for the status
   that follows before anything else (no car is plugged 20 ms after it was pulled);
2. a car plugged in (the operator; an EV connected for the whole run will do) and
   RemoteStartTransaction (section 5.11);
3. if the station answers Rejected, which 5.11 allows: pulling the cable and plugging it
   back in (a station may refuse while Finishing), then RemoteStartTransaction again;
4. a card presented at the connector (sections 3.5, 4.8), where the case needs no
   charging profile sent with the start.

If none of them gives a transaction, the criterion is NOT TESTED, naming the state the
bench could not reach and what would reach it. Only where the seed or a SHALL makes the
very step the criterion (``judged``: the seed's row 6, "After sending
RemoteStartTransaction the transaction must start", from an idle connector) is a refusal
a FAIL. An Accepted remote start with no StartTransaction FAILs everywhere: 5.11, the
Charge Point SHALL use the idTag to send StartTransaction.req.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    CHARGING_STATES,
    UNPLUGGED_STATES,
    last_status,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome

# Where a new session can begin: free, or a car in and waiting (section 4.9).
IDLE_STATES = frozenset({"Available", "Preparing"})


@dataclass(frozen=True)
class Started:
    """A transaction the bench reached: its id, the StartTransaction, the charging status
    that followed (None: none came in time) and the journal ids that show it."""

    transaction_id: int
    start: Message
    charging: Message | None
    evidence: tuple[int, ...]
    how: str  # "RemoteStartTransaction" or "a card"


async def settle(ctx: CaseContext, c: int) -> str | None:
    """Connector ``c`` after an earlier case: left Finishing, a clean-up unplug and a wait
    for the status that follows; left Unavailable (a change of availability an earlier
    case made, or one the station applied late, 5.2), ChangeAvailability Operative and a
    wait for the status that follows. The status it is last known in."""
    if last_status(ctx, c) == "Finishing":
        await unplug_quietly(ctx, c)
    if last_status(ctx, c) == "Unavailable":
        cursor = ctx.mark()
        with suppress(SessionError):
            await ctx.session.call(
                "ChangeAvailability",
                {"connectorId": c, "type": "Operative"},
                ctx.settings.timeouts.call,
            )
            await _status_change(ctx, c, cursor, lambda s: s != "Unavailable")
    return last_status(ctx, c)


async def transaction(
    ctx: CaseContext,
    c: int,
    name: str,
    *,
    extra: dict[str, Any] | None = None,
    judged: bool = False,
    remote_only: bool = False,
) -> Started | None:
    """A running transaction on connector ``c`` (the ways in the module docstring), or
    None with ``name`` recorded NOT TESTED (a legal refusal, a step not done) or FAIL (a
    SHALL broken; with ``judged``, a refusal from an idle connector). ``remote_only``
    (implied by ``judged``): the case is about the remote start, a card will not do."""
    await settle(ctx, c)
    if not await ctx.physical(StepKind.PLUG, c, name):
        return None
    remote = await _remote_start(ctx, c, name, extra, judged)
    if not isinstance(remote, Refusal):
        return remote
    tried = [remote]
    if last_status(ctx, c) not in IDLE_STATES and await _replug(ctx, c, name):
        again = await _remote_start(ctx, c, name, extra, judged)
        if not isinstance(again, Refusal):
            return again
        tried.append(again)
    # a card cannot carry a profile, nor stand for the remote start a case is about
    card = extra is None and not (judged or remote_only)
    if card:
        carded = await _card_start(ctx, c, name)
        if not isinstance(carded, Refusal):
            return carded
        tried.append(carded)
    _unreached(ctx, c, name, tried, card)
    return None


@dataclass(frozen=True)
class Refusal:
    """A legal way that did not give a transaction: what happened, as a clause."""

    detail: str
    evidence: tuple[int, ...] = ()


async def _remote_start(
    ctx: CaseContext, c: int, name: str, extra: dict[str, Any] | None, judged: bool
) -> Started | Refusal | None:
    tag = ctx.settings.valid_id_tag
    cursor = ctx.mark()
    status = last_status(ctx, c)
    payload = {"connectorId": c, "idTag": tag, **(extra or {})}
    result = await ctx.attempt(name, ctx.call("RemoteStartTransaction", payload), c)
    if result is None:  # no answer, a CALLERROR, a result off the schema: 5.11 SHALL answer
        return None
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        said = f"RemoteStartTransaction answered {result.get('status')} with connector {c} " + (
            status or "not yet reported"
        )
        if judged and status in IDLE_STATES:
            ctx.record(
                name,
                Outcome.FAIL,
                f"{said}: the seed's 'after sending RemoteStartTransaction the transaction "
                "must start', from an idle connector",
                evidence,
                c,
            )
            return None
        return Refusal(f"{said} (5.11 allows it)", evidence)
    return await _started(ctx, c, name, cursor, evidence, "RemoteStartTransaction", tag)


async def _card_start(ctx: CaseContext, c: int, name: str) -> Started | Refusal | None:
    tag = ctx.settings.valid_id_tag
    cursor = ctx.mark()
    why = "the transaction is started with a card instead"
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag, otherwise=why):
        return Refusal(f"card {tag} not presented")
    start = None
    with suppress(SessionError):
        start = await ctx.expect(
            "StartTransaction", _on(c), ctx.settings.timeouts.transaction, cursor, quiet=True
        )
    if start is None:
        return Refusal(f"card {tag} presented, no StartTransaction followed")
    return await _started(ctx, c, name, cursor, (), "a card", tag, start)


async def _started(
    ctx: CaseContext,
    c: int,
    name: str,
    cursor: Cursor,
    evidence: tuple[int, ...],
    how: str,
    tag: str,
    start: Message | None = None,
) -> Started | None:
    """The StartTransaction (5.11: SHALL follow an Accepted remote start, with its idTag)
    and the charging status after it (waited for, not judged here)."""
    if start is None:
        try:
            start = await ctx.expect(
                "StartTransaction", _on(c), ctx.settings.timeouts.transaction, cursor
            )
        except SessionError as exc:
            if (silent := ctx.silent()) is not None:
                said = f"RemoteStartTransaction Accepted, then {exc}: {silent.cause()}"
                ctx.record(name, Outcome.NOT_TESTED, said, silent.evidence, c)
                return None
            ctx.record(
                name,
                Outcome.FAIL,
                f"RemoteStartTransaction Accepted, then {exc}: 5.11, the Charge Point SHALL "
                "use the idTag to send StartTransaction.req",
                evidence,
                c,
            )
            return None
    tx = transaction_of(ctx, start)
    got = start.payload["idTag"]
    if got != tag and how == "RemoteStartTransaction":
        ctx.record(
            name,
            Outcome.FAIL,
            f"StartTransaction with idTag {got}, not {tag}: 5.11, the Charge Point SHALL use "
            "the idTag given",
            (*evidence, start.entry_id),
            c,
        )
        return None
    if tx is None:  # the bench's own answer carries the id: not the station's doing
        ctx.record(name, Outcome.ERROR, "the bench's StartTransaction answer has no id")
        return None
    charging = None
    with suppress(SessionError):
        charging = await ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and p["status"] in CHARGING_STATES,
            ctx.settings.timeouts.status,
            Cursor(cursor.start),
            quiet=True,
        )
    shown = (*evidence, start.entry_id, *([charging.entry_id] if charging else []))
    return Started(tx, start, charging, shown, how)


async def _replug(ctx: CaseContext, c: int, name: str) -> bool:
    """Pull the cable and plug it back in, each step waited out; whether both were done.
    A step after which the connector stays in the status it was in (a reserved one stays
    Reserved) is not waited for: a status is reported when it changes (4.9)."""
    why = "pulling the cable and plugging it back in, for the transaction " + name
    for step, wanted in (
        (StepKind.UNPLUG, lambda s: s in UNPLUGGED_STATES),
        (StepKind.PLUG, lambda s: s != "Available"),
    ):
        cursor, before = ctx.mark(), last_status(ctx, c)
        if not await ctx.physical(step, c, name, otherwise=why):
            return False
        if before is None or not wanted(before):
            await _status_change(ctx, c, cursor, wanted)
    return True


def _unreached(
    ctx: CaseContext, c: int, name: str, tried: list[Refusal], card_possible: bool
) -> None:
    ways = ["pulling the cable and plugging it back in"]
    if card_possible:
        ways.append(f"presenting card {ctx.settings.valid_id_tag}")
    ctx.record(
        name,
        Outcome.NOT_TESTED,
        f"no transaction could be started on connector {c}: "
        + "; ".join(r.detail for r in tried)
        + "; what would reach it: "
        + " or ".join(ways),
        tuple(e for r in tried for e in r.evidence),
        c,
    )


async def _status_change(ctx: CaseContext, c: int, cursor: Cursor, wanted: Any) -> None:
    """Wait (bounded by ``timeouts.status``) for a status of ``c`` that ``wanted`` takes."""
    with suppress(SessionError):
        await ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == c and wanted(p["status"]),
            ctx.settings.timeouts.status,
            cursor,
            quiet=True,
        )


def _on(c: int) -> Any:
    return lambda p: p["connectorId"] == c


async def start_remote(ctx: CaseContext, c: int, name: str, *, judged: bool = False) -> int | None:
    """``transaction``, recording ``name`` PASS with the transaction id; the id or None.

    With ``judged`` (the seed's row 6) the remote start is the criterion: the seed's
    "followed by several StatusNotification messages" wants a charging status after it."""
    started = await transaction(ctx, c, name, judged=judged)
    if started is None:
        return None
    tx = started.transaction_id
    detail = f"transaction {tx} on connector {c}" + (
        ", started with a card" if started.how == "a card" else ""
    )
    if started.charging is None:
        wait = ctx.settings.timeouts.status
        if judged:
            ctx.record(
                name,
                Outcome.FAIL,
                f"{detail}, then no StatusNotification Charging, SuspendedEV or SuspendedEVSE "
                f"within {wait:g} s: the seed's 'followed by several StatusNotification "
                "messages (according to OCPP 1.6)'",
                started.evidence,
                c,
            )
            return None
        detail += f" (no charging status within {wait:g} s)"
    ctx.check(True, name, detail, started.evidence, c)
    return tx

"""Row 3 - Change availability (OCPP 1.6 sections 5.2, 4.9 and 5.17).

For connector 0 and every connector: ChangeAvailability Inoperative must give the status
Unavailable, Operative must give Available again, shown by a StatusNotification of that
connector. Every connector, 0 included, must report a StatusNotification, and a status
with an error carries its errorCode.

What each FAIL rests on:

- the status after ChangeAvailability: the seed ("the status must change to
  Unavailable", "This availability must be reflected by receiving a StatusNotification
  message"), and OCPP 1.6 section 4.9: "A Charge Point sends a notification to the
  Central System to inform the Central System about a status change", and may leave one
  out only for a status held shorter than MinimumStatusDuration. A change the bench
  caused is therefore judged on what the station sends unasked within
  ``timeouts.status``. A change the station answers Scheduled (section 5.2: the
  connector is not free, a car is plugged in) is awaited for its ConnectionTimeOut on
  top, at most ``timeouts.physical_step``, then the operator is asked to pull the cable;
  a Scheduled change that has not taken effect by then is NOT TESTED, never FAILed for
  the bench's impatience (5.2 lets it wait for the connector to be free).
- a StatusNotification per connector: the seed ("Receive a (not empty) StatusNotification
  message per connector (including connector 0)"). OCPP 1.6 does not require a report of
  every connector at boot (section 4.2 has no such SHALL; 4.9 reports changes), so it is
  judged on every StatusNotification the station sent up to the end of this row (those
  ChangeAvailability caused included), and a connector with none is asked with
  TriggerMessage before it is judged.
- an error status carries its errorCode: the seed ("If in error: error details
  (errorCode)"); the codes are those of OCPP 1.6 section 7.6 (ChargePointErrorCode).
"""

from __future__ import annotations

import math

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Predicate
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import ask_status, configuration, make_idle, statuses
from chargecheck.script.verdict import Outcome

TARGET = {"Inoperative": "Unavailable", "Operative": "Available"}


async def run(ctx: CaseContext) -> str:
    await make_idle(ctx)
    connectors = await ctx.connectors()
    for connector_id in connectors:
        down = await _change(ctx, connector_id, "Inoperative")
        await _change(ctx, connector_id, "Operative", judged=down)
    for connector_id in connectors:
        await _reported(ctx, connector_id)
    return f"OK, connectors {', '.join(map(str, connectors))}"


async def _change(ctx: CaseContext, connector_id: int, kind: str, judged: bool = True) -> bool:
    """Send the change and judge the status that follows; False if it was left NOT
    TESTED (a Scheduled change the bench did not wait out), and with ``judged`` False
    (the Inoperative one before it was not seen) only send it: back to Operative."""
    target = TARGET[kind]
    name = f"ChangeAvailability {kind} gives {target}"
    targets = {target}
    if kind == "Operative" and connector_id in ctx.settings.ev_connected:
        targets.add("Preparing")  # section 4.9 H2: operative again with a car plugged in
    cursor = ctx.mark()
    result = await ctx.attempt(
        name,
        ctx.call("ChangeAvailability", {"connectorId": connector_id, "type": kind}),
        connector_id,
    )
    if result is None:
        return True
    if not judged:
        ctx.record(
            name,
            Outcome.NOT_TESTED,
            f"answered {result.get('status')}; the Inoperative change was not seen, so the "
            "change back is not judged",
            (result.call_entry_id, result.entry_id),
            connector_id,
        )
        return False
    if result.get("status") not in ("Accepted", "Scheduled"):
        answered = f"answered {result.get('status')}"
        ctx.check(False, name, answered, (result.call_entry_id, result.entry_id), connector_id)
        return True
    timeout, evidence = ctx.settings.timeouts.status, (result.call_entry_id, result.entry_id)
    scheduled = result.get("status") == "Scheduled"
    if scheduled:
        # Section 5.2: the change waits for the connector to be free. A car plugged in
        # with no transaction frees it once ConnectionTimeOut runs out, or once the cable
        # is pulled: wait the first (at most timeouts.physical_step), then ask the second.
        timeout += min(await _connection_timeout(ctx), ctx.settings.timeouts.physical_step)
    where = lambda p: p["connectorId"] == connector_id and p["status"] in targets  # noqa: E731
    try:
        status = await ctx.expect("StatusNotification", where, timeout=timeout, cursor=cursor)
    except SessionError as exc:
        if not scheduled:
            ctx.record(name, Outcome.FAIL, str(exc), evidence, connector_id)
            return True
        freed = await _freed(ctx, connector_id, name, cursor, where)
        if freed is None:  # 5.2 lets a Scheduled change wait: never the station's FAIL
            ctx.record(
                name,
                Outcome.NOT_TESTED,
                f"answered Scheduled, and the change did not take effect within {timeout:g} s "
                "(5.2: it waits for the connector to be free); pulling the cable would reach it",
                evidence,
                connector_id,
            )
            return False
        status = freed
    ctx.check(
        True,
        name,
        f"{result.get('status')}, then {status.payload['status']}",
        (result.call_entry_id, result.entry_id, status.entry_id),
        connector_id,
    )
    return True


async def _freed(
    ctx: CaseContext, connector_id: int, name: str, cursor: Cursor, where: Predicate
) -> Message | None:
    """The operator pulls the cable so that a Scheduled change can take effect; the
    status that follows within ``timeouts.status``, or None (not done, none came)."""
    if connector_id == 0 or not await ctx.physical(
        StepKind.UNPLUG, connector_id, name, otherwise="the scheduled change is not judged"
    ):
        return None
    try:
        return await ctx.expect("StatusNotification", where, cursor=cursor)
    except SessionError:
        return None


async def _connection_timeout(ctx: CaseContext) -> float:
    """The station's ConnectionTimeOut in seconds (the settings' value where it is
    unreadable, negative or not finite)."""
    fallback = float(ctx.settings.connection_timeout)
    value = await configuration(ctx, "ConnectionTimeOut")
    try:
        seconds = float(value) if value is not None else fallback
    except ValueError:
        seconds = fallback
    if not math.isfinite(seconds) or seconds < 0:
        seconds = fallback
    return seconds


async def _reported(ctx: CaseContext, connector_id: int) -> None:
    """The seed's "a StatusNotification per connector (including connector 0)", judged on
    all the station sent up to now; a connector with none is asked first."""
    name = "a StatusNotification per connector"
    seen = statuses(ctx, connector_id, Cursor())
    if seen:
        ctx.check(True, name, f"{len(seen)} received", (seen[-1].entry_id,), connector_id)
    else:
        asked = await ask_status(ctx, connector_id)
        seen = statuses(ctx, connector_id, Cursor())
        ctx.check(
            bool(seen),
            name,
            f"none unasked; {asked.detail}"
            if seen
            else f"no StatusNotification received, even when asked: {asked.detail}",
            asked.evidence,
            connector_id,
        )
    faulty = [
        m for m in seen if m.payload["status"] == "Faulted" and m.payload["errorCode"] == "NoError"
    ]
    ctx.check(
        not faulty,
        "an error status carries its errorCode",
        "Faulted with errorCode NoError" if faulty else "consistent",
        tuple(m.entry_id for m in (faulty or seen)),
        connector_id,
    )


CASE = seed_case(3, run)

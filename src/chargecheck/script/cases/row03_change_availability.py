"""Row 3 - Change availability (OCPP 1.6 sections 5.2 and 4.9).

For connector 0 and every connector: ChangeAvailability Inoperative must give a
StatusNotification Unavailable for it, Operative must give Available again. Every
connector, 0 included, must have reported a StatusNotification since the station
connected; a status with an error carries its errorCode.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import make_idle, statuses

TARGET = {"Inoperative": "Unavailable", "Operative": "Available"}


async def run(ctx: CaseContext) -> str:
    await make_idle(ctx)
    connectors = await ctx.connectors()
    for connector_id in connectors:
        seen = statuses(ctx, connector_id, Cursor())
        ctx.check(
            bool(seen),
            "a StatusNotification per connector",
            f"{len(seen)} received" if seen else "no StatusNotification received",
            tuple(m.entry_id for m in seen[-1:]),
            connector_id,
        )
        faulty = [
            m
            for m in seen
            if m.payload["status"] == "Faulted" and m.payload["errorCode"] == "NoError"
        ]
        ctx.check(
            not faulty,
            "an error status carries its errorCode",
            "Faulted with errorCode NoError" if faulty else "consistent",
            tuple(m.entry_id for m in faulty),
            connector_id,
        )
    for connector_id in connectors:
        for kind in ("Inoperative", "Operative"):
            await _change(ctx, connector_id, kind)
    return f"OK, connectors {', '.join(map(str, connectors))}"


async def _change(ctx: CaseContext, connector_id: int, kind: str) -> None:
    name = f"ChangeAvailability {kind} gives {TARGET[kind]}"
    cursor = ctx.mark()
    result = await ctx.attempt(
        name,
        ctx.call("ChangeAvailability", {"connectorId": connector_id, "type": kind}),
        connector_id,
    )
    if result is None:
        return
    if result.get("status") not in ("Accepted", "Scheduled"):
        ctx.check(False, name, f"status {result.get('status')}", (result.entry_id,), connector_id)
        return
    status = await ctx.attempt(
        name,
        ctx.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == connector_id and p["status"] == TARGET[kind],
            cursor=cursor,
        ),
        connector_id,
    )
    if status is not None:
        ctx.check(
            True,
            name,
            f"{result.get('status')}, then {TARGET[kind]}",
            (result.call_entry_id, result.entry_id, status.entry_id),
            connector_id,
        )


CASE = seed_case(3, run)

"""Row 2 - Heartbeat (automatic).

Acceptance criteria (seed): Receive OCPP command from CS i.e.. heartbeat registered.
When CS is not providing heartbeat, send OCPP command to see heartbeat. Provide TCPIP
default heartbeat at least every 1 hour from CS (configurable under Set Configuration).

The bench reads HeartbeatInterval (at most the seed's hour), sets it to the settings'
interval and measures the gaps between heartbeats, then asks for one with TriggerMessage
(OCPP 1.6 section 5.17). The old interval is put back afterwards. A periodic heartbeat
must not pass for the triggered one: only a Heartbeat that arrives before the next
periodic one could (the last one + the interval less its tolerance) counts.

Every FAIL rests on the seed's words: HeartbeatInterval at most an hour ("at least every
1 hour"), Accepted by ChangeConfiguration ("configurable under Set Configuration"), kept
(section 4.6 lets any other message stand in for a heartbeat), and a Heartbeat when asked
("send OCPP command to see heartbeat"; TriggerMessage, OCPP 1.6 section 5.17).
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import change_configuration, configuration_read, silences_after
from chargecheck.script.verdict import Outcome


async def run(ctx: CaseContext) -> str:
    hb = ctx.settings.heartbeat
    original, read = await configuration_read(ctx, "HeartbeatInterval")
    fits = original is not None and original.isdigit() and 0 < int(original) <= hb.max_interval
    ctx.check(
        fits,
        f"default heartbeat at least every {hb.max_interval} s",
        "HeartbeatInterval not reported" if original is None else f"HeartbeatInterval={original}",
        read,
    )
    changed = await change_configuration(
        ctx, "HeartbeatInterval", str(hb.interval), "HeartbeatInterval is configurable"
    )
    current = hb.interval if changed else (int(original) if fits and original else None)
    try:
        if changed:
            await _measure(ctx, hb.interval, hb.samples, hb.tolerance)
        await _trigger(ctx, current, hb.tolerance)
    finally:
        if changed and original and original != str(hb.interval):
            await change_configuration(ctx, "HeartbeatInterval", original)
    return "OK"


async def _measure(ctx: CaseContext, interval: int, samples: int, tolerance: float) -> None:
    """The station's silences, measured over ``samples`` heartbeat intervals.

    The FAIL rests on the seed ("Provide TCPIP default heartbeat at least every 1 hour
    ... (configurable under Set Configuration)"): over JSON, OCPP 1.6 section 4.6 makes
    heartbeats optional, and a station "MAY skip sending a Heartbeat.req PDU when another
    PDU has been sent to the Central System within the configured heartbeat interval".
    So any CALL of the station ends a silence, and a FAIL is a silence longer than the
    configured interval (plus the tolerance)."""
    cursor = ctx.mark()
    limit = interval * (1 + tolerance)
    first = await ctx.attempt(
        "heartbeat registered",
        ctx.expect(
            "Heartbeat", timeout=max(limit, ctx.settings.timeouts.status) + limit, cursor=cursor
        ),
    )
    if first is None:
        return
    ctx.check(True, "heartbeat registered", "Heartbeat received", (first.entry_id,))
    silences = await silences_after(ctx, first, cursor, limit, samples)
    ctx.check(
        silences.within(limit),
        f"heartbeat every {interval} s",
        silences.detail(limit),
        silences.evidence,
    )


async def _trigger(ctx: CaseContext, interval: int | None, tolerance: float) -> None:
    cursor = ctx.mark()
    name = "TriggerMessage(Heartbeat) gives a heartbeat"
    result = await ctx.attempt(name, ctx.call("TriggerMessage", {"requestedMessage": "Heartbeat"}))
    if result is None:
        return
    if result.get("status") != "Accepted":
        answered = f"TriggerMessage(Heartbeat) answered {result.get('status')}"
        ctx.check(False, name, answered, (result.call_entry_id, result.entry_id))
        return
    timeout = ctx.settings.timeouts.status
    before = reversed(ctx.session.inbox[: cursor.start])
    last = next((m for m in before if m.action == "Heartbeat" and m.valid), None)
    if interval and last is not None:
        now = ctx.session.clock.mono()
        periodic_due = last.mono + interval * (1 - tolerance)
        if periodic_due <= now:  # it skips heartbeats (4.6): its timer runs from its last message
            latest = ctx.session.inbox[cursor.start - 1] if cursor.start else last
            periodic_due = max(last.mono, latest.mono) + interval * (1 - tolerance)
        timeout = min(timeout, periodic_due - now)
        if timeout <= 0:  # a periodic heartbeat is due: it could pass for the triggered one
            ctx.record(
                name,
                Outcome.NOT_TESTED,
                "a periodic Heartbeat was already due: a triggered one cannot be told from it",
                (result.entry_id,),
            )
            return
    beat = await ctx.attempt(name, ctx.expect("Heartbeat", timeout=timeout, cursor=cursor))
    if beat is not None:
        ctx.check(
            True, name, "Heartbeat after TriggerMessage", (result.call_entry_id, beat.entry_id)
        )


CASE = seed_case(2, run)

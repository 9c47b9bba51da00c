"""A station that has gone silent: it answers the bench's CALLs but sends nothing of its
own (an outbound queue that died after a reconnect, say). Recognised once, in the row
where it shows, and named as the cause in every later row that waits for the station:
those rows are NOT TESTED with that cause, not failed one by one for reasons that
mislead (a missing StartTransaction is not a second defect).

The probe runs after a row with a criterion that did not pass: TriggerMessage for a
Heartbeat, then for connector 0's StatusNotification. OCPP 1.6 section 5.17: Accepted
means the requested message will be sent; a station that accepts both and sends nothing
at all within ``timeouts.status`` has stopped sending. A station that does not accept the
trigger (RemoteTrigger is optional, 3.3) is not probed again.
"""

from __future__ import annotations

from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.protocol.versions import OCPP16
from chargecheck.script.context import CaseContext
from chargecheck.script.knowledge import Silence
from chargecheck.script.verdict import Outcome

PROBES = (
    ("Heartbeat", {"requestedMessage": "Heartbeat"}),
    ("StatusNotification", {"requestedMessage": "StatusNotification", "connectorId": 0}),
)


async def probe(ctx: CaseContext, row_id: str) -> None:
    """After row ``row_id``: if something in it did not pass, is the station silent? A
    silent one gets a FAIL criterion in this row and is remembered for the run."""
    known, session = ctx.known, ctx.session
    if known.silent is not None or not known.probe_works or not session.connected:
        return
    if session.version is not OCPP16:  # the probe is written from 1.6 (5.17) only
        return
    if all(c.outcome is Outcome.PASS for c in ctx.criteria):
        return
    cursor = ctx.mark()
    evidence: list[int] = []
    for action, payload in PROBES:
        try:
            result = await session.call("TriggerMessage", payload, ctx.settings.timeouts.call)
        except SessionError:
            known.probe_works = False
            return
        if result.get("status") != "Accepted":
            known.probe_works = False
            return
        evidence += [result.call_entry_id, result.entry_id]
        with suppress(SessionError):
            await session.expect(action, None, ctx.settings.timeouts.status, cursor)
        if len(session.inbox) > cursor.start:  # it sent something: not silent
            return
    wait = ctx.settings.timeouts.status
    detail = (
        f"TriggerMessage for a Heartbeat and for a StatusNotification answered Accepted, and "
        f"nothing at all came from the station within {wait:g} s of each (5.17: Accepted, "
        "the requested message will be sent)"
    )
    known.silent = Silence(detail, tuple(evidence), len(session.inbox), row_id)
    ctx.record("the station still sends messages of its own", Outcome.FAIL, detail, tuple(evidence))

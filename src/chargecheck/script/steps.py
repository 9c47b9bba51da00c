"""Steps several rows share: reading and changing configuration, starting and stopping a
transaction, checking a sequence of StatusNotifications against section 4.9, measuring
the station's silences between heartbeats (4.6) and collecting its periodic meter values
(4.7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from itertools import pairwise

from chargecheck.csms.errors import ExpectTimeout, SessionError
from chargecheck.csms.session import Cursor, Message, Predicate
from chargecheck.protocol.status_table import TRANSACTION_STATUSES, allowed
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import PhysicalStep, StepKind
from chargecheck.script.verdict import Outcome

CHARGING_STATES = {str(s) for s in TRANSACTION_STATUSES}


def on_connector(connector_id: int) -> Predicate:
    return lambda payload: payload["connectorId"] == connector_id


def statuses(ctx: CaseContext, connector_id: int, cursor: Cursor) -> list[Message]:
    return [
        m
        for m in ctx.session.received("StatusNotification", cursor)
        if m.valid and m.payload["connectorId"] == connector_id
    ]


def check_status_sequence(
    ctx: CaseContext, name: str, connector_id: int, cursor: Cursor, before: str | None = None
) -> bool:
    """Every StatusNotification of the connector since ``cursor`` is a 4.9 transition."""
    seen = statuses(ctx, connector_id, cursor)
    names = [m.payload["status"] for m in seen]
    previous = before
    bad = []
    for status in names:
        if previous is not None and not allowed(connector_id, previous, status):
            bad.append(f"{previous} -> {status}")
        previous = status
    detail = " -> ".join(([before] if before else []) + names) or "none"
    if not names:
        return ctx.check(False, name, "no StatusNotification received", (), connector_id)
    if bad:
        return ctx.check(
            False,
            name,
            f"{detail}; not allowed by OCPP 1.6 section 4.9: {', '.join(bad)}",
            tuple(m.entry_id for m in seen),
            connector_id,
        )
    return ctx.check(True, name, detail, tuple(m.entry_id for m in seen), connector_id)


async def await_statuses(
    ctx: CaseContext,
    connectors: Iterable[int],
    cursor: Cursor,
    timeout: float,
) -> dict[int, Message]:
    """connector id -> its first StatusNotification since ``cursor``, waiting up to
    ``timeout`` in all for the connectors that have none yet; a connector with none by
    then is left out. ``cursor`` is not consumed."""
    found: dict[int, Message] = {}
    missing = set(connectors)
    own = Cursor(cursor.start)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while missing:
        remaining = deadline - loop.time()
        try:
            message = await ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] in missing,
                max(0.0, remaining),
                own,
                quiet=True,
            )
        except ExpectTimeout:
            break
        found[message.payload["connectorId"]] = message
        missing.discard(message.payload["connectorId"])
    return found


@dataclass(frozen=True)
class Asked:
    """What TriggerMessage(StatusNotification) for one connector brought: the status it
    gave (None: none came), how it went, and the journal ids that show it."""

    status: Message | None
    detail: str
    evidence: tuple[int, ...]


async def ask_status(ctx: CaseContext, connector_id: int) -> Asked:
    """Ask for the connector's status with TriggerMessage (OCPP 1.6 section 5.17: on
    Accepted, "the requested notification will be sent") and wait for it."""
    cursor = ctx.mark()
    asking = "TriggerMessage(StatusNotification)"
    try:
        result = await ctx.call(
            "TriggerMessage",
            {"requestedMessage": "StatusNotification", "connectorId": connector_id},
        )
    except SessionError as exc:
        return Asked(None, f"{asking}: {exc}", tuple(x for x in [getattr(exc, "entry_id", 0)] if x))
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        return Asked(None, f"{asking} answered {result.get('status')}", evidence)
    try:
        status = await ctx.expect("StatusNotification", on_connector(connector_id), cursor=cursor)
    except SessionError as exc:
        return Asked(None, f"{asking} Accepted, then {exc}", evidence)
    return Asked(
        status,
        f"{status.payload['status']} (only when asked with {asking})",
        (*evidence, status.entry_id),
    )


def last_status(ctx: CaseContext, connector_id: int) -> str | None:
    seen = statuses(ctx, connector_id, Cursor())
    return seen[-1].payload["status"] if seen else None


async def configuration(ctx: CaseContext, key: str) -> str | None:
    return (await configuration_read(ctx, key))[0]


async def configuration_read(ctx: CaseContext, key: str) -> tuple[str | None, tuple[int, ...]]:
    """GetConfiguration of ``key``: its value (None: not reported, no answer) and the
    journal ids of the CALL and its result, the evidence of whatever is judged on it."""
    try:
        result = await ctx.session.call(
            "GetConfiguration", {"key": [key]}, ctx.settings.timeouts.call
        )
    except SessionError as exc:
        return None, tuple(x for x in [getattr(exc, "entry_id", None)] if x)
    evidence = (result.call_entry_id, result.entry_id)
    for item in result.get("configurationKey", []):
        if item.get("key") == key:
            value = item.get("value")
            return (value if isinstance(value, str) else None), evidence
    return None, evidence


async def change_configuration(
    ctx: CaseContext, key: str, value: str, name: str | None = None
) -> bool:
    """ChangeConfiguration; with ``name``, record a criterion that it was Accepted."""
    try:
        result = await ctx.call("ChangeConfiguration", {"key": key, "value": value})
    except SessionError as exc:
        if name:
            ctx.record(
                name,
                Outcome.FAIL,
                str(exc),
                tuple(x for x in [getattr(exc, "entry_id", None)] if x),
            )
        return False
    ok = result.get("status") == "Accepted"
    if name:
        ctx.check(
            ok,
            name,
            f"{key}={value} answered {result.get('status')}",
            (result.call_entry_id, result.entry_id),
        )
    return ok


async def rate_unit(ctx: CaseContext) -> str:
    """The chargingRateUnit the station takes: A when ChargingScheduleAllowedChargingRateUnit
    lists Current (or cannot be read), else W (OCPP 1.6 section 9.4: "Current" and/or
    "Power"). The bench never assumes the seed's charger."""
    allowed = await configuration(ctx, "ChargingScheduleAllowedChargingRateUnit") or "Current"
    return "A" if "current" in allowed.lower() else "W"


async def smart_charging_claimed(ctx: CaseContext) -> bool:
    """Does the station claim the SmartCharging profile? If not, NOT TESTED is recorded:
    the profile is optional (OCPP 1.6 section 3.3), reported in SupportedFeatureProfiles."""
    value = await configuration(ctx, "SupportedFeatureProfiles")
    if value is not None and "smartcharging" in value.replace(" ", "").lower().split(","):
        return True
    ctx.record(
        "the station supports smart charging",
        Outcome.NOT_TESTED,
        f"SupportedFeatureProfiles is {value}: SmartCharging is an optional profile (OCPP 1.6 "
        "section 3.3), not claimed"
        if value is not None
        else "SupportedFeatureProfiles could not be read",
    )
    return False


# A limit given in A as the power of that current on three phases of 230 V, for a station
# that takes its profiles in W only (the limit is not judged, only the answer).
VOLTS_THREE_PHASES = 230.0 * 3


def in_unit(limit_a: float, unit: str) -> float:
    return limit_a if unit == "A" else round(limit_a * VOLTS_THREE_PHASES)


@asynccontextmanager
async def configured(ctx: CaseContext, key: str, value: str, name: str) -> AsyncIterator[bool]:
    """Set a key for the block and put the old value back afterwards; ``name`` (when not
    empty) records a criterion that the change was Accepted."""
    old = await configuration(ctx, key)
    ok = await change_configuration(ctx, key, value, name)
    try:
        yield ok
    finally:
        if ok and old is not None and old != value:
            await change_configuration(ctx, key, old)


def transaction_of(ctx: CaseContext, start: Message) -> int | None:
    reply = ctx.session.replies.get(start.index, {})
    value = reply.get("transactionId")
    return value if isinstance(value, int) else None


def open_transactions(ctx: CaseContext) -> dict[int, int]:
    """connector id -> transaction id of every transaction the bench saw start and not stop."""
    running: dict[int, int] = {}
    for message in ctx.session.inbox:
        if not message.valid:
            continue
        if message.action == "StartTransaction":
            tx = transaction_of(ctx, message)
            if tx is not None:
                running[message.payload["connectorId"]] = tx
        elif message.action == "StopTransaction":
            running = {c: t for c, t in running.items() if t != message.payload["transactionId"]}
    return running


async def stop_remote(ctx: CaseContext, transaction_id: int, connector_id: int) -> bool:
    """Clean-up: RemoteStopTransaction, wait for the StopTransaction, unplug. A stop the
    station refuses (or leaves without a StopTransaction) is remembered for the run: no
    later clean-up asks again."""
    cursor = ctx.mark()
    try:
        result = await ctx.call("RemoteStopTransaction", {"transactionId": transaction_id})
        if result.get("status") != "Accepted":
            ctx.known.refused_stops.add(transaction_id)
            return False
        await ctx.expect(
            "StopTransaction",
            lambda p: p["transactionId"] == transaction_id,
            ctx.settings.timeouts.transaction,
            cursor,
        )
    except SessionError:
        ctx.known.refused_stops.add(transaction_id)
        return False
    finally:
        await unplug_quietly(ctx, connector_id)
    return True


# Where a connector is free of the car: the next case may begin (section 4.9).
CABLE_OUT_STATES = frozenset({"Available", "Unavailable", "Faulted"})
# What a connector reports once its cable is pulled: free, or held for a reservation
# (4.9 Reserved); the answer an unplug is waited out for.
UNPLUGGED_STATES = CABLE_OUT_STATES | {"Reserved"}


async def unplug_quietly(ctx: CaseContext, connector_id: int) -> bool:
    """Clean-up unplug: not a criterion, so a skipped step changes no verdict (and an EV
    connected for the whole run stays connected). A cable pulled from a connector that was
    occupied is waited out (``timeouts.status``) until the station reports it free, so the
    next case meets a settled connector, however slowly the act takes effect. Whether the
    cable was pulled."""
    keeps = getattr(ctx.operator, "keeps", None)
    if keeps is not None and keeps(PhysicalStep(StepKind.UNPLUG, connector_id, cleanup=True)):
        return False
    occupied = last_status(ctx, connector_id) not in CABLE_OUT_STATES
    cursor = ctx.mark()
    if not await step_quietly(ctx, StepKind.UNPLUG, connector_id):
        return False
    if occupied:
        with suppress(SessionError):
            await ctx.expect(
                "StatusNotification",
                lambda p: p["connectorId"] == connector_id and p["status"] in UNPLUGGED_STATES,
                ctx.settings.timeouts.status,
                cursor,
                quiet=True,
            )
    return True


async def step_quietly(ctx: CaseContext, kind: StepKind, connector_id: int) -> bool:
    """A clean-up step (unplug, remove an error): not a criterion, so a skipped step
    changes no verdict. Whether the operator says it was done."""
    from chargecheck.script.operator import StepNotDone

    try:
        await ctx.operator.perform(
            PhysicalStep(kind, connector_id, cleanup=True), ctx.settings.timeouts.physical_step
        )
    except StepNotDone:
        return False
    return True


async def make_idle(ctx: CaseContext) -> None:
    """Stop whatever transaction the bench knows to be running (left by an earlier row),
    but for those whose remote stop the station refused already."""
    for connector_id, tx in open_transactions(ctx).items():
        if tx not in ctx.known.refused_stops:
            await stop_remote(ctx, tx, connector_id)


# -- heartbeats (section 4.6) and periodic meter values (section 4.7) ------------------------


@dataclass(frozen=True)
class Silences:
    """The station's silences after a Heartbeat: one gap per CALL that ended one, how many
    of those CALLs were Heartbeats, the journal ids, and the silence the measurement
    ended in when it grew past the limit (0.0: none did)."""

    gaps: tuple[float, ...]
    beats: int
    evidence: tuple[int, ...]
    open_silence: float = 0.0

    def within(self, limit: float) -> bool:
        return not self.open_silence and max(self.gaps, default=0.0) <= limit

    def detail(self, limit: float) -> str:
        if self.open_silence:
            return (
                f"no Heartbeat (nor any other message) for {self.open_silence:.1f} s "
                f"(limit {limit:g} s)"
            )
        others = len(self.gaps) - self.beats
        return f"measured gaps {', '.join(f'{g:.1f}' for g in self.gaps)} s (limit {limit:g} s)" + (
            f", {others} of them ended by other messages (section 4.6)" if others else ""
        )


async def silences_after(
    ctx: CaseContext, first: Message, cursor: Cursor, limit: float, samples: int
) -> Silences:
    """The silences after the Heartbeat ``first`` (taken from ``cursor``, which goes on
    from it), over ``samples`` more heartbeats. OCPP 1.6 section 4.6: the station "MAY
    skip sending a Heartbeat.req PDU when another PDU has been sent to the Central System
    within the configured heartbeat interval", so any CALL of the station ends a
    silence. Ends early on a silence longer than ``limit``, or once the window of
    ``samples`` intervals has passed with only other messages."""
    previous, gaps, evidence = first, [], [first.entry_id]
    inbox = ctx.session.inbox
    window_end = first.mono + samples * limit + 1
    beats = 0
    while beats < samples:
        beat = None
        with suppress(SessionError):
            beat = await ctx.expect("Heartbeat", timeout=limit + 1, cursor=cursor)
        stop = beat.index + 1 if beat is not None else len(inbox)
        for message in inbox[previous.index + 1 : stop]:
            gaps.append(message.mono - previous.mono)
            evidence.append(message.entry_id)
            previous = message
        now = ctx.session.clock.mono()
        if beat is None and now - previous.mono > limit:
            return Silences(tuple(gaps), beats, tuple(evidence), now - previous.mono)
        if beat is not None:
            beats += 1
        elif now > window_end:
            break
    return Silences(tuple(gaps), beats, tuple(evidence))


def is_periodic(message: Message) -> bool:
    """Does a MeterValues carry a periodic sample (context Sample.Periodic, the default)?"""
    return any(
        sv.get("context", "Sample.Periodic") == "Sample.Periodic"
        for mv in message.payload.get("meterValue", [])
        for sv in mv.get("sampledValue", [])
    )


async def sampled_meter_values(
    ctx: CaseContext,
    transaction_id: int,
    connector_id: int,
    count: int,
    limit: float,
    cursor: Cursor,
) -> list[Message]:
    """Up to ``count`` periodic MeterValues of the transaction since ``cursor``, each
    within ``limit`` s of the one before (the first within ``timeouts.status`` more):
    fewer when one did not come in time. MeterValues.req's transactionId is optional
    (OCPP 1.6 section 6.31): samples of the transaction's connector that name no
    transaction are taken as the transaction's."""

    def of_transaction(p: dict[str, object]) -> bool:
        named = p.get("transactionId", transaction_id if p["connectorId"] == connector_id else None)
        return named == transaction_id and p["meterValue"] != []

    found: list[Message] = []
    with suppress(SessionError):
        while len(found) < count:
            timeout = limit + (0 if found else ctx.settings.timeouts.status)
            found.append(await ctx.expect("MeterValues", of_transaction, timeout, cursor))
            found = [m for m in found if is_periodic(m)]
    return found


def spacing(messages: list[Message], limit: float) -> tuple[bool, str]:
    """Are the messages at most ``limit`` s apart, and the gaps as a detail."""
    gaps = [b.mono - a.mono for a, b in pairwise(messages)]
    detail = f"gaps {', '.join(f'{g:.1f}' for g in gaps)} s (limit {limit:g} s)"
    return max(gaps, default=0.0) <= limit, detail

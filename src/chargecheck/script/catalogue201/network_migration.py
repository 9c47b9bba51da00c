# ruff: noqa: E501  (a detail is one line of the report)
"""How the block B cases of ``provisioning_network`` migrate the station to another network
connection profile (OCPP 2.0.1 part 2, use cases B09 and B10) and watch it connect.

``prepared``: a profile set into a free configuration slot (B09) and
OCPPCommCtrlr.NetworkConfigurationPriority set to "<new>,<old>" (B10.FR.01), each answer
judged, the putting back registered. The new profile points at the bench itself, on
another URL path (``/chargecheck-slot<N>``, the station's identity the last segment as
ever), so that every connection tells which profile it came over (the path of its
``connect`` entry); the endpoint that is down is the bench refusing the connections on a
path (``CentralSystem.refuse_path``, each refusal journaled). ``rebooted``: Reset OnIdle,
unless the station reboots by itself. ``watched``: its connection attempts after the
reboot, refused or connected, over the new profile, the old one or another path.

The putting back, nothing judged: NetworkConfigurationPriority as before and, when that
takes a reboot (RebootRequired) or the station is on another profile than before, one
more reset, so that the later cases find the station on its old profile. The new profile
stays in its slot: OCPP 2.0.1 has no request that empties one.
"""

from __future__ import annotations

import asyncio
import math
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from typing import Any

from chargecheck.csms.errors import NotConnected, SessionError
from chargecheck.csms.session import Cursor
from chargecheck.script.catalogue.base import ask, not_tested
from chargecheck.script.catalogue201.base import (
    MESSAGE_TIMEOUT,
    PART2,
    Variable,
    evidence_of,
    get_quietly,
    inventory,
    result_for,
    set_quietly,
)
from chargecheck.script.catalogue201.provisioning import _reset_accepted, _transaction_running
from chargecheck.script.catalogue201.provisioning_boot import PRIORITY, SECURITY_PROFILE
from chargecheck.script.catalogue201.provisioning_offline import (
    POLL,
    RANDOM_RANGE,
    REPEAT_TIMES,
    WAIT_MINIMUM,
    _integer,
)
from chargecheck.script.context import CaseContext

ATTEMPTS = Variable("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")
PATH = "/chargecheck-slot"  # the new profile's URL path, the slot number after it
TAKEN = ("Accepted", "RebootRequired")  # a value the station took (B10.FR.01, B05)


def _entries(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


@dataclass
class Migration:
    """A profile set into ``slot`` and NetworkConfigurationPriority set to ``slot,old``:
    what the station had (``before``, the path of its connection), the new profile's path
    prefix, and where the bench's records stand before the reboot."""

    slot: str
    before: str
    old_path: str
    prefix: str
    connections: int = 0
    refusals: int = 0
    cursor: Cursor = field(default_factory=Cursor)
    reboot_needed: bool = False  # a value put back takes effect at the next reboot


@dataclass(frozen=True)
class Attempt:
    """A connection attempt of the station after the reboot (bench clock): refused or
    connected, over the ``new`` profile, the ``old`` one or an ``other`` path."""

    refused: bool
    where: str
    said: str  # the refusal's reason, or the connection's path
    mono: float
    entry_id: int = 0  # its journal entry: the refusal, or the connect
    detail: dict[str, Any] = field(default_factory=dict)


async def _security_profile(ctx: CaseContext) -> int:
    """SecurityCtrlr.SecurityProfile, else what the connection shows (B09.FR.04: the new
    profile must not be lower)."""
    text = (await get_quietly(ctx, SECURITY_PROFILE) or "").strip()
    if text.isdigit():
        return int(text)
    detail = ctx.session.connect_detail
    tls = detail.get("tls")
    if tls:
        return 3 if tls.get("client_subject") else 2
    return 1 if detail.get("basic_auth") else 0


async def _connection_data(ctx: CaseContext, slot: str) -> dict[str, Any]:
    """The new profile: the bench's own address as the station reached it, on the slot's
    path; the station's security profile and message timeout."""
    host, port = ctx.session.local_address or ("127.0.0.1", 80)
    host = f"[{host}]" if ":" in host else host
    security = await _security_profile(ctx)
    timeout = _integer(await get_quietly(ctx, MESSAGE_TIMEOUT)) or 30
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": f"{'wss' if security >= 2 else 'ws'}://{host}:{port}{PATH}{slot}",
        "messageTimeout": timeout,
        "securityProfile": security,
        "ocppInterface": "Wired0",
    }


async def _free_slot(ctx: CaseContext, name: str) -> tuple[str, str] | None:
    """A slot of NetworkConfigurationPriority's valuesList not in its value, and the value
    (None: NOT TESTED, naming why)."""
    report = await inventory(ctx)
    item = report.find(PRIORITY) if report is not None else None
    characteristics = (item or {}).get("variableCharacteristics") or {}
    listed = _entries(str(characteristics.get("valuesList", "")))
    before = await get_quietly(ctx, PRIORITY)
    entries = _entries(before)
    if not entries:
        not_tested(ctx, name, f"{PRIORITY} could not be read (GetVariables)")
        return None
    if not listed:
        not_tested(
            ctx,
            name,
            f"the valuesList of {PRIORITY} is not known (no FullInventory): the bench cannot tell a free configuration slot",
        )
        return None
    free = [s for s in listed if s not in entries]
    if not free:
        not_tested(
            ctx,
            name,
            f"every slot of the valuesList ({','.join(listed)}) is in {PRIORITY} ({before}): no free slot, and the bench overwrites none of the station's profiles",
        )
        return None
    return free[0], str(before)


async def prepared(ctx: CaseContext, stack: AsyncExitStack) -> Migration | None:
    """SetNetworkProfile into a free slot (B09) and NetworkConfigurationPriority "new,old"
    (B10.FR.01), the putting back registered on ``stack``; None: the case ends (recorded)."""
    name = "SetNetworkProfile into a free configuration slot is Accepted"
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: the reboot would wait for its end")
        return None
    found = await _free_slot(ctx, name)
    if found is None:
        return None
    slot, before = found
    data = await _connection_data(ctx, slot)
    result = await ask(
        ctx, name, "SetNetworkProfile", {"configurationSlot": int(slot), "connectionData": data}
    )
    if result is None:
        return None
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"slot {slot} answered {result.get('status')}: the station checks a profile against what it supports and may refuse it (B09.FR.02 Rejected, B09.FR.03 Failed); the bench's: {data['ocppCsmsUrl']}, securityProfile {data['securityProfile']}, ocppInterface {data['ocppInterface']}",
            evidence_of(result),
        )
        return None
    ctx.check(True, name, f"slot {slot}: {data['ocppCsmsUrl']}", evidence_of(result))
    old_path = str(ctx.session.connect_detail.get("path", ""))
    migration = Migration(slot, before, old_path, f"{PATH}{slot}/")
    priority = f"{slot},{_entries(before)[0]}"
    name = f"SetVariables {PRIORITY} {priority} is Accepted or RebootRequired"
    rule = f"{PART2} B10.FR.01: a NetworkConfigurationPriority whose slots all hold valid profiles (slot {slot} was just Accepted, slot {_entries(before)[0]} is the station's own first entry) SHALL be answered Accepted or RebootRequired"
    try:
        answer = await ctx.call("SetVariables", {"setVariableData": [PRIORITY.set(priority)]})
    except SessionError as exc:
        ctx.check(False, name, f"{exc}: {rule}", exc.evidence)
        return None
    item = result_for(answer.get("setVariableResult") or [], PRIORITY) or {}
    status = item.get("attributeStatus")
    if not ctx.check(
        status in TAKEN,
        name,
        f"answered {status} (was {before})" + ("" if status in TAKEN else f": {rule}"),
        evidence_of(answer),
    ):
        return None
    stack.push_async_callback(_put_back, ctx, migration)
    return migration


async def _put_back(ctx: CaseContext, migration: Migration) -> None:
    """Clean-up, nothing judged: NetworkConfigurationPriority as before, and a reset when
    that waits for one or the station is not on its old profile."""
    central, session = ctx.central, ctx.session
    if central is not None:
        central.admit_path(migration.prefix)
        central.admit_path(migration.old_path)
    timeouts = ctx.settings.timeouts
    try:
        await ctx.wait_connected(timeouts.reboot + timeouts.connect, "the station to come back")
    except NotConnected:
        ctx.say(f"  clean-up: the station is not back; {PRIORITY} stays {migration.slot},...")
        return
    status = await set_quietly(ctx, PRIORITY, migration.before)
    ctx.say(f"  clean-up: {PRIORITY} put back to {migration.before}: {status}")
    on_old = session.connect_detail.get("path") == migration.old_path
    if status != "RebootRequired" and not migration.reboot_needed and on_old:
        return
    cursor = ctx.mark()
    with suppress(SessionError):
        await session.call("Reset", {"type": "OnIdle"}, timeouts.call)
        await session.expect("BootNotification", None, timeouts.reboot + timeouts.connect, cursor)
        ctx.say("  clean-up: the station rebooted onto its profile of before")


# -- the reboot and what the station tries after it ------------------------------------------------


async def rebooted(ctx: CaseContext, migration: Migration) -> bool:
    """Reset OnIdle, Accepted (else NOT TESTED); skipped if the station is rebooting by
    itself already (gone, or gone before it answered). Marks where the attempts begin."""
    session = ctx.session
    migration.connections = session.connections
    migration.refusals = len(ctx.central.refusals) if ctx.central is not None else 0
    migration.cursor = ctx.mark()
    name = "Reset OnIdle is Accepted"
    if not session.connected:
        ctx.say("  the station rebooted by itself: no Reset")
        return True
    try:
        result = await ctx.call("Reset", {"type": "OnIdle"})
    except SessionError as exc:
        if not session.connected:
            ctx.say(f"  the station rebooted by itself ({exc}): no Reset")
            return True
        rule = f"{PART2} B11.FR.01: the station SHALL answer ResetRequest"
        ctx.check(False, name, f"{exc}: {rule}", exc.evidence)
        return False
    return _reset_accepted(ctx, name, result)


def _where(migration: Migration, text: str) -> str:
    if text.startswith(migration.prefix) or f"the path {migration.prefix} " in text:
        return "new"
    if text == migration.old_path or f"the path {migration.old_path} " in text:
        return "old"
    return "other"


async def watched(ctx: CaseContext, migration: Migration, seconds: float) -> list[Attempt]:
    """The station's connection attempts since the reboot, watched until one connects or
    ``seconds`` have passed."""
    central, session = ctx.central, ctx.session
    clock = session.clock
    seen, count = migration.refusals, migration.connections
    attempts: list[Attempt] = []
    began = clock.mono()
    async with ctx.waiting("the station's connection attempts", seconds, quiet=True):
        while True:
            now = clock.mono()
            if central is not None:
                for n in range(seen, len(central.refusals)):
                    identity, _, reason = central.refusals[n]
                    entry = central.refusal_entries[n]
                    if identity == session.identity:
                        where = _where(migration, reason)
                        attempts.append(Attempt(True, where, reason, now, entry_id=entry))
                seen = len(central.refusals)
            if session.connections > count:
                count = session.connections
                detail = dict(session.connect_detail)
                path = str(detail.get("path", ""))
                where = _where(migration, path)
                entry = session.connect_entry_id
                attempts.append(Attempt(False, where, path, now, entry, detail))
            if any(not a.refused for a in attempts) or now - began >= seconds:
                return attempts
            await asyncio.sleep(POLL)


def told(a: Attempt) -> str:
    if a.refused:
        return f"refused over the {a.where} profile ({a.said.removeprefix('refused: ')})"
    return f"connected over the {a.where} profile ({a.said})"


def said(attempts: list[Attempt]) -> str:
    return "; ".join(told(a) for a in attempts)


def evidence(attempts: list[Attempt]) -> tuple[int, ...]:
    return tuple(a.entry_id for a in attempts if a.entry_id)


def longest(attempts: int, wait: int, spread: int, repeat: int) -> float:
    """The longest ``attempts`` reconnection waits may take (part 4 section 5.3)."""
    return float(sum(wait * 2 ** min(n, repeat) + spread for n in range(attempts)))


async def fallback_values(
    ctx: CaseContext, stack: AsyncExitStack, migration: Migration, attempts: int
) -> tuple[int, int, int, int] | None:
    """NetworkProfileConnectionAttempts ``attempts`` and a short, fixed back-off set for
    the case, put back after (before ``migration``'s putting back, whose reset applies a
    value put back with RebootRequired); the values in force after the case's reboot
    (attempts, wait, random range, repeat times): the one set when Accepted or
    RebootRequired, else the station's own. None: NOT TESTED, one could not be read."""
    wanted = {
        ATTEMPTS: str(attempts),
        WAIT_MINIMUM: str(max(1, math.ceil(ctx.settings.outage))),
        RANDOM_RANGE: "0",
        REPEAT_TIMES: "0",
    }
    in_force: list[int | None] = []
    for variable, value in wanted.items():
        before = await get_quietly(ctx, variable)
        status = "Accepted" if before == value else await set_quietly(ctx, variable, value)
        if status not in TAKEN:
            ctx.say(f"  {variable} {value} answered {status}: the station's own {before} is kept")
            in_force.append(_integer(before))
            continue
        if before not in (None, value):
            ctx.say(f"  {variable} set to {value} ({status}; was {before})")
            stack.push_async_callback(_restore, ctx, migration, variable, str(before))
        in_force.append(_integer(value))
    n, wait, spread, repeat = in_force
    if None in in_force or not n:
        not_tested(
            ctx,
            "the values the case is written for are in force",
            f"{', '.join(str(v) for v in wanted)} could not be read (or no attempt is configured): the attempts cannot be judged",
        )
        return None
    return int(n or 0), int(wait or 0), int(spread or 0), int(repeat or 0)


async def _restore(ctx: CaseContext, migration: Migration, variable: Variable, value: str) -> None:
    """Clean-up: ``variable`` back to ``value`` (a reset to come if it needs one)."""
    status = await set_quietly(ctx, variable, value)
    ctx.say(f"  clean-up: {variable} put back to {value}: {status}")
    migration.reboot_needed = migration.reboot_needed or status == "RebootRequired"

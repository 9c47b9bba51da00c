# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, migrating to another network connection profile: a profile set into a free
configuration slot (OCPP 2.0.1 part 2, use case B09), put first in
OCPPCommCtrlr.NetworkConfigurationPriority, then a reboot (use case B10): the station
connects over the new profile (TC_B_45) or, the new endpoint being down, falls back to
the next entry (TC_B_46) and, every entry failed, to its last successful one (TC_B_49).

How the bench sets the profile up, plays the second endpoint (its own address on another
path), refuses it, watches the attempts and puts everything back: ``network_migration``.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from chargecheck.csms.errors import SessionError
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import PART2, case201
from chargecheck.script.catalogue201.network_migration import (
    Attempt,
    Migration,
    evidence,
    fallback_values,
    longest,
    prepared,
    rebooted,
    said,
    told,
    watched,
)
from chargecheck.script.catalogue201.provisioning_offline import PART4, TOLERANCE
from chargecheck.script.context import CaseContext
from chargecheck.script.verdict import Outcome

if TYPE_CHECKING:
    from chargecheck.csms.server import CentralSystem


def _first_judged(
    ctx: CaseContext, migration: Migration, attempts: list[Attempt], seconds: float
) -> bool:
    """B10.FR.04: after the reboot the first attempt is over the first entry (the new
    profile); the attempts the bench refused for its own reasons are left out."""
    name = "after the reboot it connects over the first entry, the new profile, first"
    ours = [a for a in attempts if not (a.refused and a.where == "other")]
    if not ours:
        return ctx.check(
            False,
            name,
            f"no connection attempt within {seconds:g} s of the reset: {PART2} B11.FR.03: the station SHALL reboot; B10.FR.04: it SHALL then begin connecting to the first entry of NetworkConfigurationPriority",
        )
    first = ours[0]
    return ctx.check(
        first.where == "new",
        name,
        f"first attempt: {told(first)}"
        + (
            ""
            if first.where == "new"
            else f", not {migration.prefix}...: {PART2} B10.FR.04: after the reboot the station SHALL begin connecting to the first entry of NetworkConfigurationPriority (slot {migration.slot})"
        ),
        evidence([first]),
    )


async def _boot_judged(
    ctx: CaseContext, migration: Migration, connected: Attempt, over: str
) -> bool:
    """The BootNotification on that connection (the station rebooted: B11.FR.03, B01.FR.03)."""
    name = f"it boots over the {over} profile"
    try:
        boot = await ctx.expect(
            "BootNotification",
            None,
            ctx.settings.timeouts.boot,
            migration.cursor,
            what="the station's boot after the reset",
        )
    except SessionError as exc:
        return ctx.check(
            False,
            name,
            f"{exc}: {PART2} B11.FR.03: after the reset the station SHALL reboot and send a BootNotification (B01.FR.03)",
            (connected.entry_id,),
        )
    reason = boot.payload.get("reason")
    return ctx.check(
        True,
        name,
        f"BootNotification (reason {reason}) on connection {boot.connection}, over {connected.said}",
        (connected.entry_id, boot.entry_id),
    )


# -- TC_B_45: the new profile ------------------------------------------------------------------


@case201(
    "TC_B_45_CS",
    "Migrate to new ConnectionProfile - Success - Same CSMS Root",
    "B09.FR.01, B10.FR.01, B10.FR.04, B10.FR.06",
    """
SetNetworkProfile into a configurationSlot of NetworkConfigurationPriority's valuesList that is not in its value (no free slot, the valuesList not known or a transaction running: NOT TESTED): the bench's own address on another path (/chargecheck-slot<N>), ocppVersion OCPP20, JSON, the station's SecurityProfile and MessageTimeout; Accepted (B09.FR.01); Rejected or Failed is NOT TESTED (B09.FR.02, B09.FR.03: the station checks a profile against what it supports)
SetVariables OCPPCommCtrlr.NetworkConfigurationPriority "<new slot>,<its first entry>" is answered Accepted or RebootRequired (B10.FR.01 SHALL)
Reset OnIdle is Accepted (Rejected or Scheduled: NOT TESTED, B11.FR.06, B11.FR.07; skipped if the station reboots by itself)
After the reboot its first connection attempt is over the new profile's path (B10.FR.04 SHALL), its connection to the bench closed before (B10.FR.06 SHALL: not replaced while open), and it sends its BootNotification there (B11.FR.03, B01.FR.03)
Afterwards NetworkConfigurationPriority is put back, and the station reset again when that needs a reboot (clean-up, not judged)""",
)
async def migrate(ctx: CaseContext) -> str:
    async with AsyncExitStack() as stack:
        migration = await prepared(ctx, stack)
        if migration is None or not await rebooted(ctx, migration):
            return ""
        timeouts = ctx.settings.timeouts
        seconds = timeouts.reboot + timeouts.connect
        attempts = await watched(ctx, migration, seconds)
        if not _first_judged(ctx, migration, attempts, seconds):
            return ""
        connected = next((a for a in attempts if not a.refused), None)
        if connected is None or connected.where != "new":
            not_tested(
                ctx,
                "it boots over the new profile",
                f"no connection over the new profile: {said(attempts)}",
            )
            return ""
        name = "it closed its connection before connecting over the new profile"
        replaced = bool(connected.detail.get("replaced_open_connection"))
        gap = connected.detail.get("gap_s")
        ok = ctx.check(
            not replaced,
            name,
            f"{PART2} B10.FR.06: the station SHALL disconnect from the old CSMS before connecting to the new one; it opened {connected.said} with its connection to the bench still open"
            if replaced
            else f"the old connection closed {gap} s before",
            (connected.entry_id,),
        )
        ok = await _boot_judged(ctx, migration, connected, "new") and ok
    return "OK, booted over the new profile" if ok else ""


# -- TC_B_46: the new profile down, the next entry ---------------------------------------------------


@case201(
    "TC_B_46_CS",
    "Migrate to new ConnectionProfile - Fallback mechanism - Same CSMS Root",
    "B10.FR.03, B10.FR.04",
    """
OCPPCommCtrlr.NetworkProfileConnectionAttempts set to 2, RetryBackOffWaitMinimum to the outage (settings outage, at least 1 s), RetryBackOffRandomRange and RetryBackOffRepeatTimes to 0 (put back after); the values in force after the reboot are judged by: the one set when Accepted or RebootRequired, else the station's own
The new profile and NetworkConfigurationPriority "<new>,<old>" set as in TC_B_45_CS (what the station may refuse there is NOT TESTED the same way); the bench refuses every connection over the new profile's path; Reset OnIdle (as in TC_B_45_CS)
After the reboot the station tries the new profile first (B10.FR.04 SHALL), exactly NetworkProfileConnectionAttempts times (B10.FR.03 SHALL), then connects over the next entry, its old profile (B10.FR.03 SHALL: the attempts per entry, then the next), and sends its BootNotification there (B11.FR.03, B01.FR.03)
Afterwards the bench accepts the new path again and NetworkConfigurationPriority is put back (clean-up, as in TC_B_45_CS)""",
)
async def fallback(ctx: CaseContext) -> str:
    async with AsyncExitStack() as stack:
        set_up = await _fallback_set_up(ctx, stack, "the bench refuses the new profile", 2)
        if set_up is None:
            return ""
        central, migration, values = set_up
        n = values[0]
        central.refuse_path(migration.prefix)
        stack.callback(central.admit_path, migration.prefix)
        watch = await _watched_after_reboot(ctx, migration, n + 1, values)
        if watch is None:
            return ""
        attempts, seconds = watch
        ok = _next_entry_judged(ctx, attempts, n, seconds)
        ok = await _connection_booted(ctx, migration, attempts) and ok
    return "OK, fell back to the next entry and booted" if ok else ""


async def _fallback_set_up(
    ctx: CaseContext, stack: AsyncExitStack, name: str, attempts: int
) -> tuple[CentralSystem, Migration, tuple[int, int, int, int]] | None:
    """The bench's Central System (none: ``name`` is the bench's ERROR), the new profile
    ``prepared`` and the ``fallback_values`` with ``attempts`` per entry, both put back by
    ``stack``; None: the case ends (recorded)."""
    central = ctx.central
    if central is None:
        ctx.record(
            name, Outcome.ERROR, "the bench has no Central System handle to refuse connections"
        )
        return None
    migration = await prepared(ctx, stack)
    if migration is None:
        return None
    values = await fallback_values(ctx, stack, migration, attempts)
    if values is None:
        return None
    return central, migration, values


async def _watched_after_reboot(
    ctx: CaseContext, migration: Migration, waits: int, values: tuple[int, int, int, int]
) -> tuple[list[Attempt], float] | None:
    """The reboot (``rebooted``), then the station's attempts watched for the reboot and
    connect timeouts and ``waits`` reconnection waits of ``values``, the first judged
    (B10.FR.04); with how long they were watched. None: the case ends (recorded)."""
    if not await rebooted(ctx, migration):
        return None
    _, wait, spread, repeat = values
    timeouts = ctx.settings.timeouts
    seconds = timeouts.reboot + timeouts.connect + longest(waits, wait, spread, repeat)
    attempts = await watched(ctx, migration, seconds)
    if not _first_judged(ctx, migration, attempts, seconds):
        return None
    return attempts, seconds


async def _connection_booted(
    ctx: CaseContext, migration: Migration, attempts: list[Attempt]
) -> bool:
    """The BootNotification over the attempt that connected judged (none connected: True,
    the attempts' own judgement says so)."""
    connected = next((a for a in attempts if not a.refused), None)
    return connected is None or await _boot_judged(ctx, migration, connected, connected.where)


def _next_entry_judged(ctx: CaseContext, attempts: list[Attempt], n: int, seconds: float) -> bool:
    """B10.FR.03: ``n`` refused attempts over the new profile, then the next entry."""
    name = "after NetworkProfileConnectionAttempts over the new profile it connects over the next entry"
    on_new = [a for a in attempts if a.refused and a.where == "new"]
    connected = next((a for a in attempts if not a.refused), None)
    rule = f"{PART2} B10.FR.03: the station SHALL make NetworkProfileConnectionAttempts ({n}) attempts per entry of NetworkConfigurationPriority, then go on to the next"
    if connected is None:
        return ctx.check(
            False,
            name,
            f"{len(on_new)} refused attempt(s) over the new profile, no connection over another within {seconds:g} s: {rule}",
        )
    ok = len(on_new) == n and connected.where != "new"
    return ctx.check(
        ok,
        name,
        said(attempts)
        + ("" if ok else f": {len(on_new)} attempt(s) over the new profile, not {n}: {rule}"),
        evidence(attempts),
    )


# -- TC_B_49: every entry down, the last successful one --------------------------------------------


@case201(
    "TC_B_49_CS",
    "Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per NetworkConfigurationPriority failed - Same CSMS Root",
    "B10.FR.03, B10.FR.04, B10.FR.07, OCPP-J 2.0.1 part 4 section 5.3",
    """
OCPPCommCtrlr.NetworkProfileConnectionAttempts set to 1, RetryBackOffRepeatTimes and RetryBackOffRandomRange to 0, RetryBackOffWaitMinimum to the outage (settings outage, at least 1 s) (put back after); the values in force after the reboot are judged by: the one set when Accepted or RebootRequired, else the station's own
The new profile and NetworkConfigurationPriority "<new>,<old>" set as in TC_B_45_CS (what the station may refuse there is NOT TESTED the same way); the bench refuses every connection over the new profile and the next NetworkProfileConnectionAttempts over the old one; Reset OnIdle (as in TC_B_45_CS)
After the reboot the station tries the new profile first (B10.FR.04 SHALL), NetworkProfileConnectionAttempts times, then the old one as many times (B10.FR.03 SHALL)
Every entry failed, it falls back to the profile of its last successful connection, the old one (B10.FR.07; a SHOULD: starting the list again instead is NOT TESTED), not before RetryBackOffWaitMinimum after the refused attempt (part 4 section 5.3 SHALL); no attempt within the back-off and the connect timeout FAILs (part 4 section 5.3: it SHALL keep reconnecting); it sends its BootNotification there (B11.FR.03, B01.FR.03)
Afterwards the bench accepts both paths again and NetworkConfigurationPriority is put back (clean-up, as in TC_B_45_CS)""",
)
async def fallback_last_successful(ctx: CaseContext) -> str:
    async with AsyncExitStack() as stack:
        set_up = await _fallback_set_up(ctx, stack, "the bench refuses both profiles", 1)
        if set_up is None:
            return ""
        central, migration, values = set_up
        n, wait = values[0], values[1]
        central.refuse_path(migration.prefix)
        central.refuse_path(migration.old_path, times=n)
        stack.callback(central.admit_path, migration.prefix)
        stack.callback(central.admit_path, migration.old_path)
        watch = await _watched_after_reboot(ctx, migration, 3 * n + 1, values)
        if watch is None:
            return ""
        attempts, seconds = watch
        ok = _every_entry_judged(ctx, attempts, n) and _fallback_judged(
            ctx, attempts, n, wait, seconds
        )
        ok = await _connection_booted(ctx, migration, attempts) and ok
    return "OK, fell back to its last successful profile and booted" if ok else ""


def _every_entry_judged(ctx: CaseContext, attempts: list[Attempt], n: int) -> bool:
    """B10.FR.03: ``n`` attempts over the new profile, then ``n`` over the old one."""
    name = "NetworkProfileConnectionAttempts over each entry, the new profile then the old one"
    ours = [a for a in attempts if not (a.refused and a.where == "other")]
    wanted = ["new"] * n + ["old"] * n
    got = [a.where for a in ours[: 2 * n]]
    ok = got == wanted and all(a.refused for a in ours[: 2 * n])
    return ctx.check(
        ok,
        name,
        said(ours[: 2 * n + 1])
        + (
            ""
            if ok
            else f": {PART2} B10.FR.03: the station SHALL make NetworkProfileConnectionAttempts ({n}) attempts per entry of NetworkConfigurationPriority ({n} over the new profile, then {n} over the old one)"
        ),
        evidence(ours[: 2 * n + 1]),
    )


def _fallback_judged(
    ctx: CaseContext, attempts: list[Attempt], n: int, wait: int, seconds: float
) -> bool:
    """B10.FR.07 and part 4 section 5.3: the attempt after every entry failed (the ``n``
    over each, as ``_every_entry_judged`` found)."""
    name = "every entry failed, it reconnects over its last successful profile after RetryBackOffWaitMinimum"
    ours = [a for a in attempts if not (a.refused and a.where == "other")]
    after = ours[2 * n] if len(ours) > 2 * n else None
    if after is None:
        return ctx.check(
            False,
            name,
            f"no attempt within {seconds:g} s after the last refusal: {PART4}: the station SHALL keep reconnecting",
        )
    if after.where != "old":
        not_tested(
            ctx,
            name,
            f"next attempt: {told(after)}: {PART2} B10.FR.07 is a SHOULD, a station may start NetworkConfigurationPriority again",
            evidence([after]),
        )
        return False
    gap = after.mono - ours[2 * n - 1].mono
    early = gap < wait - TOLERANCE
    return ctx.check(
        not early,
        name,
        f"{'refused' if after.refused else 'connected'} over the old profile {gap:.1f} s after the refused attempt (RetryBackOffWaitMinimum {wait} s)"
        + (
            f": {PART4}: a reconnection attempt SHALL come after RetryBackOffWaitMinimum at the least"
            if early
            else ""
        ),
        evidence([ours[2 * n - 1], after]),
    )


CASES: list[CatalogueCase] = [
    migrate,
    fallback,
    fallback_last_successful,
]

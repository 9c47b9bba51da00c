# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, the reset of one EVSE (OCPP 2.0.1 part 2, B11.FR.08-10, B12.FR.07-09).

Resetting one EVSE alone is the station's option: it answers Rejected when it cannot
(B11.FR.09, B12.FR.09). The cases written for a station that can (TC_B_25_CS to
TC_B_27_CS) are NOT TESTED on that answer, and those written for one that cannot
(TC_B_28_CS, TC_B_29_CS) judge it; EVSE.AllowReset in the FullInventory (B11.FR.10, a
SHOULD) settles it beforehand when the station reports it.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested
from chargecheck.script.catalogue201.base import PART2, Variable, case201, evidence_of, inventory
from chargecheck.script.catalogue201.provisioning import _transaction_running
from chargecheck.script.catalogue201.provisioning_reset import (
    RESET_REFUSED,
    _clean_up,
    _end,
    _is_ended,
    _no_cut,
    _watch,
    watch_connector,
)
from chargecheck.script.catalogue201.states import charging
from chargecheck.script.context import CaseContext


async def _allow_reset(ctx: CaseContext, evse: int) -> str | None:
    """EVSE.AllowReset of ``evse`` as the FullInventory reports it (None: not reported)."""
    report = await inventory(ctx)
    item = report.find(Variable("EVSE", "AllowReset", None, evse)) if report else None
    if item is None:
        return None
    for attribute in item.get("variableAttribute") or []:
        if attribute.get("type", "Actual") == "Actual" and "value" in attribute:
            return str(attribute["value"]).lower()
    return None


async def _reset_evse(
    ctx: CaseContext, name: str, kind: str, evse: int
) -> tuple[str, tuple[int, ...]] | None:
    """Reset ``kind`` of ``evse`` (B11.FR.01: a ResetResponse, else FAIL): its status."""
    result = await ask(ctx, name, "Reset", {"type": kind, "evseId": evse})
    if result is None:
        return None
    return str(result.get("status")), evidence_of(result)


ONE_EVSE = "the station does not reset one EVSE alone"


async def _can_reset_evse(ctx: CaseContext, name: str, evse: int, wanted: bool) -> bool:
    """Whether the case goes on: EVSE.AllowReset (B11.FR.10) false ends a case for a
    station that resets one EVSE (``wanted`` True), true one for a station that cannot."""
    allowed = await _allow_reset(ctx, evse)
    if allowed is None or (allowed == "true") == wanted:
        return True
    other = "TC_B_28_CS, TC_B_29_CS" if wanted else "TC_B_25_CS to TC_B_27_CS"
    not_tested(
        ctx,
        name,
        f"the FullInventory reports EVSE.AllowReset {allowed} for EVSE {evse}: the case is for a station that {'does' if wanted else 'does not'} reset one EVSE ({other})",
    )
    return False


@case201(
    "TC_B_25_CS",
    "Reset EVSE - Without ongoing transaction",
    "B11.FR.01, B11.FR.08",
    """
For a station that resets one EVSE alone: EVSE.AllowReset false in its FullInventory is NOT TESTED; the station runs no transaction (one running: NOT TESTED)
Reset OnIdle with evseId 1 is answered (B11.FR.01 SHALL) Accepted: the station resets that EVSE (B11.FR.08); Rejected is NOT TESTED (a station that cannot: TC_B_28_CS judges it), Scheduled is NOT TESTED (B11.FR.07)""",
)
async def reset_evse_idle(ctx: CaseContext) -> str:
    name = "Reset OnIdle of EVSE 1 is Accepted"
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: TC_B_26_CS is the case with one")
        return ""
    if not await _can_reset_evse(ctx, name, 1, True):
        return ""
    cursor = ctx.mark()
    got = await _reset_evse(ctx, name, "OnIdle", 1)
    if got is None:
        return ""
    status, evidence = got
    if status != "Accepted":
        why = (
            ONE_EVSE + " (B11.FR.09): TC_B_28_CS judges that"
            if status == "Rejected"
            else RESET_REFUSED + " or schedule it (B11.FR.07)"
        )
        not_tested(ctx, name, f"answered {status}: {why}", evidence)
        return ""
    ctx.check(True, name, "Accepted (B11.FR.08: the station resets EVSE 1)", evidence)
    if await _allow_reset(ctx, 1) is None:
        ctx.say(
            "  note: EVSE.AllowReset is not in the FullInventory (B11.FR.10 SHOULD set it true)"
        )
    went = await watch_connector(  # the EVSE may go Unavailable while it resets (B11.FR.08: MAY)
        ctx, 1, lambda s: s == "Unavailable", ctx.settings.timeouts.negative, cursor
    )
    if went is not None:  # and comes back: nothing judged, the next case needs it
        await watch_connector(
            ctx,
            1,
            lambda s: s != "Unavailable",
            ctx.settings.timeouts.reboot,
            Cursor(went.index + 1),
        )
    return "OK, EVSE 1 reset"


async def _evse_with_transaction(ctx: CaseContext, kind: str, name: str, wanted: str) -> str:
    """Reset ``kind`` of EVSE 1 while a transaction charges there, answered ``wanted``
    (Scheduled: B12.FR.01, Accepted: B12.FR.02); then the transaction ends as B12.FR.07 /
    B12.FR.08 say."""
    if not await _can_reset_evse(ctx, name, 1, True):
        return ""
    session = await charging(ctx, name)
    if session is None:
        return ""
    try:
        cursor = ctx.mark()
        got = await _reset_evse(ctx, name, kind, 1)
        if got is None:
            return ""
        status, evidence = got
        if status == "Rejected":
            not_tested(
                ctx,
                name,
                f"answered Rejected: {ONE_EVSE} (B11.FR.09, B12.FR.09): TC_B_28_CS and TC_B_29_CS judge that",
                evidence,
            )
            return ""
        rule = "B12.FR.01" if wanted == "Scheduled" else "B12.FR.02"
        ok = ctx.check(
            status == wanted,
            name,
            f"answered {status}"
            + (
                ""
                if status == wanted
                else f": {PART2} {rule}: with a transaction running a {kind} reset SHALL be answered {wanted}"
            ),
            evidence,
        )
        if not ok:
            return ""
        tid = session.transaction_id
        if kind == "OnIdle":
            if not await _no_cut(ctx, [tid], cursor, evidence):
                return ""
            ended = await _end(ctx, session)
            if ended is None:
                not_tested(
                    ctx,
                    "the transaction ends normally",
                    "it did not end (RequestStopTransaction and the unplug)",
                )
                return ""
            ctx.check(
                True,
                "the transaction ends normally",
                f"triggerReason {ended.payload.get('triggerReason')} (B12.FR.07)",
                (ended.entry_id,),
            )
            return "OK, Scheduled, the transaction ended normally"
        ended = await _watch(
            ctx, "TransactionEvent", _is_ended(tid), ctx.settings.timeouts.status, cursor
        )
        name_ended = "the transaction's TransactionEvent Ended comes"
        if ended is None:
            ctx.check(
                False,
                name_ended,
                f"no Ended within {ctx.settings.timeouts.status:g} s: {PART2} B12.FR.08: on an Immediate reset of the EVSE the station SHALL end its transaction and send TransactionEvent Ended",
            )
            return ""
        info = ended.payload["transactionInfo"]
        ctx.check(
            True,
            name_ended,
            f"triggerReason {ended.payload.get('triggerReason')}, stoppedReason {info.get('stoppedReason')}",
            (ended.entry_id,),
        )
        return "OK, Accepted, the transaction ended"
    finally:
        await _clean_up(ctx, [session])


@case201(
    "TC_B_26_CS",
    "Reset EVSE - With Ongoing Transaction - OnIdle",
    "B12.FR.01, B12.FR.07",
    """
For a station that resets one EVSE alone (EVSE.AllowReset false: NOT TESTED); a transaction charging on EVSE 1 (not reached: NOT TESTED)
Reset OnIdle with evseId 1 is answered Scheduled (B12.FR.01 SHALL); Accepted FAILs, Rejected is NOT TESTED (a station that cannot: TC_B_29_CS)
For a while (timeouts.negative) the transaction is not cut (B12.FR.07 SHALL: it ends normally before the EVSE reset); the bench then ends it (RequestStopTransaction, then the unplug if needed)""",
)
async def reset_evse_on_idle(ctx: CaseContext) -> str:
    return await _evse_with_transaction(
        ctx, "OnIdle", "Reset OnIdle of EVSE 1 is answered Scheduled", "Scheduled"
    )


@case201(
    "TC_B_27_CS",
    "Reset EVSE - With Ongoing Transaction - Immediate",
    "B12.FR.02, B12.FR.08",
    """
For a station that resets one EVSE alone (EVSE.AllowReset false: NOT TESTED); a transaction charging on EVSE 1 (not reached: NOT TESTED)
Reset Immediate with evseId 1 is answered Accepted (B12.FR.02 SHALL); Scheduled FAILs, Rejected is NOT TESTED (a station that cannot: TC_B_28_CS, TC_B_29_CS)
The transaction's TransactionEvent Ended comes (B12.FR.08 SHALL: the station ends it before resetting the EVSE); the car is unplugged after""",
)
async def reset_evse_immediate(ctx: CaseContext) -> str:
    return await _evse_with_transaction(
        ctx, "Immediate", "Reset Immediate of EVSE 1 is answered Accepted", "Accepted"
    )


async def _evse_refused(ctx: CaseContext, name: str, rule: str, others: str) -> str:
    got = await _reset_evse(ctx, name, "OnIdle", 1)
    if got is None:
        return ""
    status, evidence = got
    if status != "Rejected":
        not_tested(
            ctx,
            name,
            f"answered {status}: the station resets one EVSE alone ({others} judge that)",
            evidence,
        )
        return ""
    ctx.check(True, name, f"Rejected ({rule})", evidence)
    return "OK, Rejected"


@case201(
    "TC_B_28_CS",
    "Reset EVSE - Not Supported",
    "B11.FR.01, B11.FR.09",
    """
For a station that does not reset one EVSE alone: EVSE.AllowReset true in its FullInventory is NOT TESTED; the station runs no transaction (one running: NOT TESTED)
Reset OnIdle with evseId 1 is answered (B11.FR.01 SHALL) Rejected (B11.FR.09 SHALL); Accepted or Scheduled is NOT TESTED (the station resets one EVSE: TC_B_25_CS)""",
)
async def reset_evse_not_supported(ctx: CaseContext) -> str:
    name = "Reset OnIdle of EVSE 1 is answered Rejected"
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: TC_B_29_CS is the case with one")
        return ""
    if not await _can_reset_evse(ctx, name, 1, False):
        return ""
    return await _evse_refused(ctx, name, "B11.FR.09", "TC_B_25_CS")


@case201(
    "TC_B_29_CS",
    "Reset EVSE - With ongoing transaction - Not Supported",
    "B11.FR.01, B12.FR.09",
    """
For a station that does not reset one EVSE alone (EVSE.AllowReset true: NOT TESTED); a transaction charging on EVSE 1 (not reached: NOT TESTED)
Reset OnIdle with evseId 1 is answered (B11.FR.01 SHALL) Rejected (B12.FR.09 SHALL); Scheduled or Accepted is NOT TESTED (the station resets one EVSE: TC_B_26_CS); the bench then stops the transaction""",
)
async def reset_evse_charging_not_supported(ctx: CaseContext) -> str:
    name = "Reset OnIdle of EVSE 1 is answered Rejected"
    if not await _can_reset_evse(ctx, name, 1, False):
        return ""
    session = await charging(ctx, name)
    if session is None:
        return ""
    try:
        return await _evse_refused(ctx, name, "B12.FR.09", "TC_B_26_CS, TC_B_27_CS")
    finally:
        await _clean_up(ctx, [session])


CASES: list[CatalogueCase] = [
    reset_evse_idle,
    reset_evse_on_idle,
    reset_evse_immediate,
    reset_evse_not_supported,
    reset_evse_charging_not_supported,
]

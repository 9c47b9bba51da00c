# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Charging profiles the station must refuse, and one it must apply to a running
transaction: Smart Charging profile cases (OCPP 1.6 sections 3.13, 5.16, 5.11, 5.7).

A refusal is a status that is not Accepted in the .conf (3.13.1: "discard it and return
an error status"), or a CALLERROR PropertyConstraintViolation: OCPP-J 4.2.3, a payload
whose field holds a value the receiver cannot take. A profile Accepted and shown in
GetCompositeSchedule is judged as in ``smart_charging``: 3.13.3, the composite limit
SHALL be at most the lowest limit of the merged profiles.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.errors import CallErrorReceived
from chargecheck.csms.session import Result
from chargecheck.script import reach
from chargecheck.script.catalogue.authorization_lists import ask_or_callerror
from chargecheck.script.catalogue.base import (
    call_quietly,
    case,
    key_int,
    on,
    running,
    watch,
)
from chargecheck.script.catalogue.profiles import (
    COMBINE,
    LIMITS,
    charging_profile,
    judge_at_most,
    new_id,
    set_profile,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import (
    make_idle,
    open_transactions,
    rate_unit,
    stop_remote,
    transaction_of,
)

PROFILE = "SmartCharging"
REFUSED_CODES = ("PropertyConstraintViolation",)  # OCPP-J 4.2.3


def judge_refused(
    ctx: CaseContext,
    name: str,
    reply: Result | CallErrorReceived,
    rule: str,
    c: int,
) -> bool:
    """``reply`` refuses (a status not Accepted, or CALLERROR PropertyConstraintViolation):
    PASS; Accepted FAILs quoting ``rule``; another CALLERROR FAILs (no .conf)."""
    if isinstance(reply, CallErrorReceived):
        ok = reply.code in REFUSED_CODES
        detail = f"CALLERROR {reply.code}" + (
            ""
            if ok
            else ": neither a .conf (the Charge Point SHALL respond with one) nor "
            "PropertyConstraintViolation"
        )
        return ctx.check(ok, name, detail, (reply.entry_id,), c)
    status = reply.get("status")
    ok = status != "Accepted"
    return ctx.check(
        ok,
        name,
        f"answered {status}" if ok else f"answered Accepted: {rule}",
        (reply.call_entry_id, reply.entry_id),
        c,
    )


async def ask_refused(
    ctx: CaseContext, name: str, action: str, payload: dict[str, Any], rule: str, c: int
) -> tuple[Result | CallErrorReceived, bool] | None:
    """``action`` sent (``ask_or_callerror``), its reply judged by ``judge_refused``: the
    reply and whether it refused; None: no reply (``name`` FAILed)."""
    reply = await ask_or_callerror(ctx, name, action, payload, c)
    if reply is None:
        return None
    return reply, judge_refused(ctx, name, reply, rule, c)


def accepted(reply: Result | CallErrorReceived | None) -> bool:
    return isinstance(reply, Result) and reply.get("status") == "Accepted"


@case(
    "TC_058_2_CS",
    "Central Smart Charging - Wrong transactionId",
    "3.13.1, 5.16.3, 7.8",
    """
A transaction runs on the connector (reached the shared way; not reached: NOT TESTED)
SetChargingProfile TxProfile whose transactionId is not the running transaction's is refused: Rejected or NotSupported, or CALLERROR PropertyConstraintViolation (3.13.1: for a TxProfile with no active transaction the Charge Point SHALL discard it and return an error status; 5.16.3: no TxProfile without its active transaction; 7.8: transactionId ties the profile to that transaction)""",
    PROFILE,
)
async def wrong_transaction(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    tx = await running(ctx, c)
    if tx is None:
        return ""
    taken = set(open_transactions(ctx).values()) | {tx}
    wrong = next(t for t in range(tx + 1000, tx + 2000) if t not in taken)
    name = "TxProfile for another transactionId refused (3.13.1 SHALL discard)"
    profile = charging_profile(pid, "TxProfile", 1, LIMITS[unit][0], unit, ctx, wrong)
    payload = {"connectorId": c, "csChargingProfiles": profile}
    rule = (
        f"the TxProfile names transaction {wrong}, not the running {tx}; 3.13.1: the "
        "Charge Point SHALL discard a TxProfile without its active transaction and "
        "return an error status"
    )
    reply = None
    try:
        asked = await ask_refused(ctx, name, "SetChargingProfile", payload, rule, c)
        if asked is None:
            return ""
        reply, ok = asked
        return f"OK, refused a TxProfile for transaction {wrong}" if ok else ""
    finally:
        if accepted(reply):
            await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
        await stop_remote(ctx, tx, c)


@case(
    "TC_082_CS",
    "Central Smart Charging - TxDefaultProfile - with ongoing transaction",
    "5.16, 3.13.1, 3.13.3, 5.7",
    """
A transaction runs on the connector (reached the shared way; not reached: NOT TESTED)
SetChargingProfile TxDefaultProfile on the connector, at the highest stack level it takes, is Accepted (else NOT TESTED: 5.16 has no SHALL to accept)
GetCompositeSchedule of the connector is Accepted and its limit now is at most the profile's (5.7 SHALL calculate; 3.13.3 SHALL be at most the lowest limit of the merged profiles)""",
    PROFILE,
)
async def default_during_transaction(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    limit = LIMITS[unit][1]
    stack = await key_int(ctx, "ChargeProfileMaxStackLevel")
    tx = await running(ctx, c)
    if tx is None:
        return ""
    got = None
    profile = charging_profile(pid, "TxDefaultProfile", max(stack or 0, 0), limit, unit, ctx)
    try:
        name = "SetChargingProfile TxDefaultProfile during the transaction"
        if await set_profile(ctx, name, c, profile):
            got = await judge_at_most(
                ctx, "composite schedule within the TxDefaultProfile", c, unit, limit, COMBINE
            )
    finally:
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
        await stop_remote(ctx, tx, c)
    if got is None or not 0 < got <= limit + max(0.1, 0.005 * limit):
        return ""
    return f"OK, composite {got:g} {unit} during transaction {tx}"


@case(
    "TC_060_CS",
    "Remote Start Transaction with Charging Profile - Rejected",
    "5.11, 5.16.2, 6.34",
    """
RemoteStartTransaction with a chargingProfile of purpose TxDefaultProfile is refused: Rejected, or CALLERROR PropertyConstraintViolation (5.11, 6.34: its purpose MUST be TxProfile; 5.16.2: the Charge Point SHALL use an accepted profile for the transaction, which only a TxProfile can be); Accepted FAILs""",
    PROFILE,
)
async def remote_start_wrong_purpose(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, unit, pid = ctx.settings.connector, await rate_unit(ctx), new_id()
    await reach.settle(ctx, c)
    profile = charging_profile(pid, "TxDefaultProfile", 0, LIMITS[unit][1], unit, ctx)
    name = "RemoteStartTransaction with a TxDefaultProfile refused (5.11 MUST be TxProfile)"
    payload: dict[str, Any] = {
        "connectorId": c,
        "idTag": ctx.settings.valid_id_tag,
        "chargingProfile": profile,
    }
    cursor = ctx.mark()
    rule = (
        "5.11, the chargingProfile's purpose MUST be TxProfile, and 5.16.2, the Charge Point "
        "SHALL use an accepted profile for the transaction"
    )
    asked = await ask_refused(ctx, name, "RemoteStartTransaction", payload, rule, c)
    if asked is None:
        return ""
    reply, ok = asked
    if accepted(reply):
        start = await watch(
            ctx, "StartTransaction", on(c), cursor, ctx.settings.timeouts.transaction
        )
        tx = transaction_of(ctx, start) if start is not None else None
        if tx is not None:
            await stop_remote(ctx, tx, c)
        await call_quietly(ctx, "ClearChargingProfile", {"id": pid})
    if not ok:
        return ""
    said = reply.code if isinstance(reply, CallErrorReceived) else reply.get("status")
    return f"OK, {said}"


CASES = [wrong_transaction, default_during_transaction, remote_start_wrong_purpose]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Availability, unlocking and vendor data: Core profile cases.

OCPP 1.6 sections 5.2 (ChangeAvailability), 4.9 (persistent Unavailable), 5.18
(UnlockConnector), 4.3/5.6 (DataTransfer). Boot and reset are ``boot``'s.
"""

from __future__ import annotations

from chargecheck.csms.session import Cursor
from chargecheck.script.catalogue.base import (
    CatalogueCase,
    answered,
    arrives,
    ask,
    ask_expecting,
    case,
    claims,
    not_tested,
    of_transaction,
    on,
    running,
    running_from_idle,
    unknown_connector,
    watch,
)
from chargecheck.script.catalogue.boot import reset_and_boot
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import (
    ask_status,
    make_idle,
    stop_remote,
    unplug_quietly,
)


@case(
    "CC_013_CS",
    "ChangeAvailability of an idle connector",
    "5.2",
    """
Inoperative is Accepted and a StatusNotification Unavailable follows (5.2 SHALL inform of the new availability)
Inoperative again is Accepted (5.2 SHALL when already in that status)
Operative is Accepted and a StatusNotification leaves Unavailable (5.2 SHALL)
Operative again is Accepted (5.2 SHALL)""",
)
async def change_availability_idle(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    if not await _switch(ctx, c, "Inoperative", ("Unavailable",)):
        return ""
    await _switch(ctx, c, "Operative", ("Available", "Preparing"))
    return "OK, Unavailable and back"


async def _switch(
    ctx: CaseContext, c: int, kind: str, statuses: tuple[str, ...], *, again: bool = True
) -> bool:
    name = f"ChangeAvailability {kind}"
    cursor = ctx.mark()
    result = await ask(ctx, name, "ChangeAvailability", {"connectorId": c, "type": kind}, c)
    if result is None:
        return False
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"answered {result.get('status')} on an idle connector (5.2: the answer says "
            "whether it is able to)",
            (result.entry_id,),
            c,
        )
        if kind == "Inoperative" and result.get("status") == "Scheduled":
            await _operative(ctx, c)
        return False
    ctx.check(True, name, "Accepted", (result.call_entry_id, result.entry_id), c)
    seen = await arrives(
        ctx,
        f"{kind}: StatusNotification {' or '.join(statuses)} (5.2 SHALL)",
        "StatusNotification",
        lambda p: p["connectorId"] == c and p["status"] in statuses,
        cursor,
        connector_id=c,
    )
    if seen is not None:
        ctx.check(
            True,
            f"{kind}: StatusNotification {' or '.join(statuses)} (5.2 SHALL)",
            seen.payload["status"],
            (seen.entry_id,),
            c,
        )
    if again:
        await ask_expecting(
            ctx,
            f"{kind} again: Accepted",
            "ChangeAvailability",
            {"connectorId": c, "type": kind},
            ("Accepted",),
            "5.2: asked for the status it is already in, the Charge Point SHALL answer Accepted",
            c,
        )
    if seen is None and kind == "Inoperative":
        await _operative(ctx, c)
    return seen is not None


async def _operative(ctx: CaseContext, c: int) -> None:
    from chargecheck.script.catalogue.base import call_quietly

    await call_quietly(ctx, "ChangeAvailability", {"connectorId": c, "type": "Operative"})


@case(
    "CC_014_CS",
    "ChangeAvailability during a transaction",
    "5.2",
    """
Inoperative during a transaction is answered Scheduled (5.2 SHALL)
Once the transaction ends, a StatusNotification Unavailable (5.2 SHALL inform of the new availability)""",
)
async def change_availability_in_transaction(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    tx = await running(ctx, c)
    if tx is None:
        return ""
    name = "Inoperative during a transaction: Scheduled"
    result = await ask(ctx, name, "ChangeAvailability", {"connectorId": c, "type": "Inoperative"})
    scheduled = result is not None and answered(
        ctx,
        name,
        result,
        ("Scheduled",),
        "5.2: when a transaction is in progress the Charge Point SHALL respond Scheduled",
        c,
    )
    cursor = ctx.mark()
    await stop_remote(ctx, tx, c)
    if scheduled:
        seen = await arrives(
            ctx,
            "Unavailable once the transaction ended (5.2 SHALL)",
            "StatusNotification",
            on(c, status="Unavailable"),
            cursor,
            connector_id=c,
        )
        if seen is not None:
            ctx.check(
                True,
                "Unavailable once the transaction ended (5.2 SHALL)",
                "Unavailable",
                (seen.entry_id,),
                c,
            )
    await _operative(ctx, c)
    return "OK, Scheduled, then Unavailable"


def _reset_while_unavailable(kind: str, id_: str, title: str) -> CatalogueCase:
    @case(
        id_,
        title,
        "5.2, 5.14, 4.2, 4.9",
        f"""
ChangeAvailability Inoperative of an idle connector is Accepted and a StatusNotification Unavailable follows (5.2 SHALL inform of the new availability)
Reset {kind} is Accepted, the station reboots and sends a BootNotification first (4.2 SHALL; 5.14 lets it answer Rejected: NOT TESTED)
After the reboot the connector is still Unavailable (4.9: the Unavailable status MUST be persistent across reboots)
ChangeAvailability Operative is Accepted and a StatusNotification Available follows (5.2 SHALL)""",
    )
    async def run(ctx: CaseContext) -> str:
        await make_idle(ctx)
        c = ctx.settings.connector
        if not await _switch(ctx, c, "Inoperative", ("Unavailable",), again=False):
            return ""
        name = "Unavailable after the reboot (4.9 MUST persist)"
        try:
            booted = await reset_and_boot(ctx, kind)
            if booted is None:
                return ""
            _, boot = booted
            status = await watch(ctx, "StatusNotification", on(c), Cursor(boot.index))
            evidence: tuple[int, ...] = (status.entry_id,) if status else ()
            if status is None and await claims(ctx, "RemoteTrigger"):
                asked = await ask_status(ctx, c)
                status, evidence = asked.status, asked.evidence
            if status is None:
                not_tested(ctx, name, "the station reported no status for the connector", c=c)
                return ""
            got = status.payload["status"]
            ctx.check(
                got == "Unavailable",
                name,
                got if got == "Unavailable" else f"{got}; 4.9: Unavailable MUST persist a reboot",
                evidence,
                c,
            )
        except BaseException:
            await _operative(ctx, c)
            raise
        if not await _switch(ctx, c, "Operative", ("Available", "Preparing"), again=False):
            await _operative(ctx, c)
            return ""
        return f"OK, still Unavailable after a {kind} reset, then Available"

    return run


TC_013 = _reset_while_unavailable("Hard", "TC_013_CS", "Hard Reset Without transaction")
TC_014 = _reset_while_unavailable("Soft", "TC_014_CS", "Soft Reset Without Transaction")


@case(
    "TC_017_1_CS",
    "Unlock connector - no charging session running (Not fixed cable)",
    "5.18",
    """
UnlockConnector is answered with UnlockConnector.conf (5.18 SHALL); NotSupported is NOT TESTED
No transaction starts or stops because of it""",
)
async def unlock_idle(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c = ctx.settings.connector
    name = "UnlockConnector answered"
    cursor = ctx.mark()
    result = await ask(ctx, name, "UnlockConnector", {"connectorId": c}, c)
    if result is None:
        return ""
    status = result.get("status")
    if status == "NotSupported":
        not_tested(ctx, name, "NotSupported: the station cannot unlock remotely", c=c)
        return ""
    ctx.check(True, name, str(status), (result.call_entry_id, result.entry_id), c)
    other = await watch(
        ctx, "StopTransaction", None, cursor, ctx.settings.timeouts.negative
    ) or await watch(ctx, "StartTransaction", None, cursor, 0)
    ctx.check(
        other is None,
        "no transaction event",
        f"{other.action} after UnlockConnector with no transaction" if other else "none",
        (other.entry_id,) if other else (result.call_entry_id, result.entry_id),
        c,
    )
    return f"OK, {status}"


@case(
    "TC_018_1_CS",
    "Unlock Connector - With Charging Session (Not fixed cable)",
    "5.18, 4.10",
    """
UnlockConnector is answered (5.18 SHALL); NotSupported is NOT TESTED
The transaction on the connector is finished first: a StopTransaction (5.18 SHALL finish the transaction first; 4.10 SHALL send StopTransaction)""",
)
async def unlock_in_transaction(ctx: CaseContext) -> str:
    started = await running_from_idle(ctx)
    if started is None:
        return ""
    c, tx, cursor = started
    name = "StopTransaction after UnlockConnector (5.18 SHALL)"
    result = await ask(ctx, name, "UnlockConnector", {"connectorId": c}, c)
    if result is None or result.get("status") == "NotSupported":
        if result is not None:
            not_tested(ctx, name, "NotSupported: the station cannot unlock remotely", c=c)
        await stop_remote(ctx, tx, c)
        return ""
    stop = await arrives(
        ctx, name, "StopTransaction", of_transaction(tx), cursor, ctx.settings.timeouts.transaction
    )
    await unplug_quietly(ctx, c)
    if stop is None:
        await stop_remote(ctx, tx, c)
        return ""
    ctx.check(
        True,
        name,
        f"{result.get('status')}, reason {stop.payload.get('reason', '-')}",
        (result.entry_id, stop.entry_id),
        c,
    )
    return f"OK, {result.get('status')}, transaction {tx} stopped"


@case(
    "TC_031_CS",
    "Unlock Connector – Unknown Connector",
    "5.18, 3.8",
    """
UnlockConnector for a connector the station does not have is not answered Unlocked (5.18: the answer SHALL indicate whether it was able to unlock; 3.8: connector ids MUST NOT exceed the number of connectors)""",
)
async def unlock_unknown(ctx: CaseContext) -> str:
    from chargecheck.csms.errors import CallErrorReceived

    c = await unknown_connector(ctx)
    name = "not Unlocked"
    try:
        result = await ctx.call("UnlockConnector", {"connectorId": c})
    except CallErrorReceived as exc:
        ctx.check(True, name, f"CALLERROR {exc.code}", (exc.entry_id,), c)
        return f"OK, CALLERROR {exc.code}"
    answered(
        ctx,
        name,
        result,
        ("UnlockFailed", "NotSupported"),
        f"connector {c} does not exist, so it cannot have been unlocked (5.18 SHALL indicate "
        "whether it was able to unlock)",
        c,
    )
    return f"OK, {result.get('status')}"


@case(
    "TC_062_CS",
    "Data Transfer to a Charge Point",
    "5.6, 4.3",
    """
DataTransfer with a vendorId the station has no implementation for is answered UnknownVendorId (4.3 SHALL)
The answer carries no data element (4.3 SHALL not be present)""",
)
async def data_transfer_unknown_vendor(ctx: CaseContext) -> str:
    name = "DataTransfer answered UnknownVendorId"
    vendor = "org.chargecheck.no-such-vendor"
    result = await ask_expecting(
        ctx,
        name,
        "DataTransfer",
        {"vendorId": vendor, "messageId": "Probe"},
        ("UnknownVendorId",),
        "4.3: a recipient with no implementation for the vendorId SHALL return UnknownVendor",
    )
    if result is None:
        return ""
    ctx.check(
        "data" not in result,
        "no data in the answer",
        "none" if "data" not in result else "data present; 4.3: SHALL not be present",
        (result.entry_id,),
    )
    return "OK, UnknownVendorId"


CASES = [
    data_transfer_unknown_vendor,
    change_availability_idle,
    change_availability_in_transaction,
    TC_013,
    TC_014,
    unlock_idle,
    unlock_in_transaction,
    unlock_unknown,
]

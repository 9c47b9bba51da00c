# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, what the station refuses and what it must refuse: its registration Rejected by
the bench (OCPP 2.0.1 part 2, use case B03), a base report it does not support
(B07.FR.02) and a network profile into a slot it does not have (B09.FR.05).

The bench answers the BootNotification of a reboot it asks for (Reset OnIdle) Rejected
for the cases that need it, then Accepted, so that the station is registered again after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chargecheck.csms.errors import CallErrorReceived, NotConnected, SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested
from chargecheck.script.catalogue201.base import (
    PART2,
    Variable,
    case201,
    evidence_of,
    get_quietly,
    inventory,
    request_id,
)
from chargecheck.script.catalogue201.provisioning import (
    PENDING_INTERVAL,
    _boot_not_before,
    _booted,
    _connectors_known,
    _nothing_between_boots,
    _reset_then_boot,
    _transaction_running,
)
from chargecheck.script.context import CaseContext

REJECTED_INTERVAL = PENDING_INTERVAL  # seconds: the interval the bench gives with Rejected

PRIORITY = Variable("OCPPCommCtrlr", "NetworkConfigurationPriority")
SECURITY_PROFILE = Variable("SecurityCtrlr", "SecurityProfile")


# -- a registration Rejected (B03) ---------------------------------------------------------------


def _registration(
    ctx: CaseContext, decide: Callable[[], str]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The bench's BootNotificationResponse: ``decide()``'s status, with REJECTED_INTERVAL
    unless Accepted."""

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        status = decide()
        interval = (
            ctx.session.answers.heartbeat_interval if status == "Accepted" else REJECTED_INTERVAL
        )
        return {
            "status": status,
            "currentTime": ctx.session.clock.utc_text(),
            "interval": interval,
        }

    return answer


async def _reset_for_boot(ctx: CaseContext, name: str, cursor: Cursor) -> Message | None:
    """Reset OnIdle, Accepted (else NOT TESTED), and the BootNotification after it."""
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: the reset would wait for its end")
        return None
    return await _reset_then_boot(ctx, name, cursor)


@case201(
    "TC_B_03_CS",
    "Cold Boot Charging Station - Rejected",
    "B03.FR.02, B03.FR.06, B01.FR.05",
    """
The station reboots (Reset OnIdle, Accepted; another answer or a transaction running is NOT TESTED) and the bench answers its BootNotification Rejected with a short interval
Until the interval has passed it sends no message at all, the BootNotification included (B03.FR.02 SHALL NOT); closing its connection meanwhile is its choice (B03.FR.04)
It sends BootNotification again once the interval has passed (B03.FR.06 SHALL); answered Accepted it reports every connector (B01.FR.05 SHALL)""",
)
async def boot_rejected(ctx: CaseContext) -> str:
    wanted = await _connectors_known(ctx)
    boots: list[str] = []

    def decide() -> str:
        boots.append("Accepted" if boots else "Rejected")
        return boots[-1]

    cursor = ctx.mark()
    timeouts = ctx.settings.timeouts
    with ctx.session.answers.override("BootNotification", _registration(ctx, decide)):
        rejected = await _reset_for_boot(ctx, "Reset OnIdle is Accepted", cursor)
        if rejected is None:
            return ""
        try:
            again = await ctx.expect(
                "BootNotification",
                None,
                REJECTED_INTERVAL + timeouts.status + timeouts.connect,
                Cursor(rejected.index + 1),
                what="the BootNotification after the Rejected interval",
            )
        except SessionError as exc:
            ctx.check(
                False,
                "BootNotification again after the interval",
                f"{exc}: {PART2} B03.FR.06: with status Rejected and an interval the station SHALL send BootNotification again once it has passed",
                (rejected.entry_id,),
            )
            return ""
    closed = again.connection != rejected.connection
    silent = f"{PART2} B03.FR.02: once Rejected the station SHALL NOT send any message until the interval has passed"
    ok = _boot_not_before(
        ctx,
        "BootNotification again after the interval, not before",
        rejected,
        again,
        REJECTED_INTERVAL,
        silent,
        "; the connection closed meanwhile (B03.FR.04 allows it)" if closed else "",
    )
    ok = (
        _nothing_between_boots(ctx, "no other request while Rejected", rejected, again, silent)
        and ok
    )
    ok = await _booted(ctx, again, wanted) and ok
    return "OK, Rejected then Accepted" if ok else ""


@case201(
    "TC_B_30_CS",
    "Cold Boot Charging Station - Pending/Rejected - SecurityError",
    "B03.FR.08",
    """
The station reboots (Reset OnIdle, Accepted; another answer or a transaction running is NOT TESTED) and the bench answers its BootNotification Rejected (again, until the station has answered)
While Rejected, GetBaseReport FullInventory is answered CALLERROR SecurityError (B03.FR.08 SHALL); a CALLRESULT, another error or no answer FAILs; a station that closed its connection meanwhile is NOT TESTED (B03.FR.04 lets it)
Its next BootNotification is answered Accepted (waited for, not judged: TC_B_03_CS judges it)""",
)
async def rejected_security_error(ctx: CaseContext) -> str:
    rejecting = [True]
    cursor = ctx.mark()

    def decide() -> str:
        return "Rejected" if rejecting[0] else "Accepted"

    with ctx.session.answers.override("BootNotification", _registration(ctx, decide)):
        boot = await _reset_for_boot(ctx, "Reset OnIdle is Accepted", cursor)
        if boot is None:
            return ""
        try:
            return await _refused_while_rejected(ctx, boot)
        finally:
            rejecting[0] = False
            await _accepted_again(ctx, boot)


async def _refused_while_rejected(ctx: CaseContext, boot: Message) -> str:
    name = "GetBaseReport is answered CALLERROR SecurityError while Rejected"
    rule = f"{PART2} B03.FR.08: while Rejected the station SHALL answer a request of the CSMS with CALLERROR SecurityError"
    payload = {"requestId": request_id(), "reportBase": "FullInventory"}
    try:
        result = await ctx.call("GetBaseReport", payload)
    except CallErrorReceived as exc:
        ok = exc.code == "SecurityError"
        ctx.check(ok, name, f"CALLERROR {exc.code}" + ("" if ok else f": {rule}"), exc.evidence)
        return "OK, SecurityError" if ok else ""
    except NotConnected as exc:
        not_tested(ctx, name, f"{exc}: a Rejected station may close its connection (B03.FR.04)")
        return ""
    except SessionError as exc:
        ctx.check(False, name, f"{exc}: {rule}", exc.evidence)
        return ""
    later = [m for m in ctx.session.inbox[boot.index + 1 :] if m.action == "BootNotification"]
    if later:
        not_tested(
            ctx,
            name,
            f"answered {result.get('status')} after the station's next BootNotification: no longer Rejected",
            (*evidence_of(result), later[0].entry_id),
        )
        return ""
    ctx.check(False, name, f"answered {result.get('status')}: {rule}", evidence_of(result))
    return ""


async def _accepted_again(ctx: CaseContext, rejected: Message) -> None:
    """The station's BootNotification answered Accepted after ``rejected``: waited for."""
    timeouts = ctx.settings.timeouts
    seconds = REJECTED_INTERVAL + timeouts.status + timeouts.connect
    cursor = Cursor(rejected.index + 1)
    while True:
        try:
            boot = await ctx.expect(
                "BootNotification", None, seconds, cursor, what="the next BootNotification"
            )
        except SessionError:
            ctx.say("  note: no BootNotification answered Accepted came (TC_B_03_CS judges that)")
            return
        if ctx.session.replies.get(boot.index, {}).get("status") == "Accepted":
            return
        cursor = Cursor(boot.index + 1)


# -- a base report not supported (B07) -----------------------------------------------------------


@case201(
    "TC_B_15_CS",
    "Get Base Report - Not Supported base report",
    "B07.FR.02, B07.FR.05",
    """
GetBaseReport SummaryInventory (a report Core does not require) is answered NotSupported (B07.FR.02 SHALL); Accepted is NOT TESTED (the station supports it: the case is for one that does not), Rejected or EmptyResultSet is NOT TESTED (B07.FR.13: not now)
No NotifyReport with its requestId comes for timeouts.negative (B07.FR.05 SHALL NOT)""",
)
async def report_not_supported(ctx: CaseContext) -> str:
    name = "GetBaseReport SummaryInventory is answered NotSupported"
    rid = request_id()
    cursor = ctx.mark()
    result = await ask(
        ctx, name, "GetBaseReport", {"requestId": rid, "reportBase": "SummaryInventory"}
    )
    if result is None:
        return ""
    status, evidence = result.get("status"), evidence_of(result)

    def of_request(payload: dict[str, Any]) -> bool:
        return bool(payload.get("requestId") == rid)

    if status == "Accepted":
        not_tested(
            ctx,
            name,
            "answered Accepted: the station supports SummaryInventory (the case is for a station that does not)",
            evidence,
        )
        while True:  # its report, taken in before the next case (nothing judged)
            try:
                part = await ctx.expect(
                    "NotifyReport", of_request, ctx.settings.timeouts.status, cursor, quiet=True
                )
            except SessionError:
                return ""
            if not part.payload.get("tbc", False):
                return ""
    if status != "NotSupported":
        not_tested(
            ctx,
            name,
            f"answered {status}: a station may refuse a report for now (B07.FR.13)",
            evidence,
        )
        return ""
    ctx.check(True, name, "NotSupported", evidence)
    seconds = ctx.settings.timeouts.negative
    try:
        sent = await ctx.expect("NotifyReport", of_request, seconds, cursor, quiet=True)
    except SessionError:
        ctx.check(True, "no NotifyReport of it", f"none in {seconds:g} s", evidence)
        return "OK, NotSupported, no report"
    ctx.check(
        False,
        "no NotifyReport of it",
        f"NotifyReport requestId {rid}: {PART2} B07.FR.05: for a report answered NotSupported the station SHALL NOT send NotifyReport",
        (*evidence, sent.entry_id),
    )
    return ""


# -- a network profile refused (B09) -------------------------------------------------------------


@case201(
    "TC_B_43_CS",
    "Set new NetworkConnectionProfile - Rejected",
    "B09.FR.02, B09.FR.05",
    """
SetNetworkProfile into a configurationSlot out of OCPPCommCtrlr.NetworkConfigurationPriority's valuesList (999, or the first number after it out of the list), the profile otherwise valid (the bench's own address, the station's SecurityProfile)
Answered Rejected (B09.FR.05 SHALL, B09.FR.02); Accepted or Failed FAILs; Accepted of a station whose valuesList the bench could not read (no FullInventory) is NOT TESTED""",
)
async def network_profile_rejected(ctx: CaseContext) -> str:
    report = await inventory(ctx)
    item = report.find(PRIORITY) if report is not None else None
    characteristics = (item or {}).get("variableCharacteristics") or {}
    listed = [v.strip() for v in str(characteristics.get("valuesList", "")).split(",") if v.strip()]
    slot = 999
    while str(slot) in listed:
        slot += 1
    security = (await get_quietly(ctx, SECURITY_PROFILE) or "").strip()
    profile = int(security) if security.isdigit() else 1
    host, port = ctx.session.local_address or ("127.0.0.1", 80)
    scheme = "wss" if profile >= 2 else "ws"
    payload = {
        "configurationSlot": slot,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": f"{scheme}://{host}:{port}/ocpp",
            "messageTimeout": 30,
            "securityProfile": profile,
            "ocppInterface": "Wired0",
        },
    }
    name = f"SetNetworkProfile into slot {slot} is Rejected"
    try:
        result = await ctx.call("SetNetworkProfile", payload)
    except SessionError as exc:
        rule = f"{PART2} B09.FR.01, B09.FR.02: the station SHALL validate the profile and answer SetNetworkProfileResponse"
        ctx.check(False, name, f"{exc}: {rule}", exc.evidence)
        return ""
    status, evidence = result.get("status"), evidence_of(result)
    reason = (result.get("statusInfo") or {}).get("reasonCode")
    said = f"answered {status}" + (f" ({reason})" if reason else "")
    where = f"valuesList {','.join(listed)}" if listed else "valuesList not read"
    if status == "Rejected":
        ctx.check(True, name, f"{said}; {where}", evidence)
        return f"OK, slot {slot} Rejected"
    if not listed and status == "Accepted":
        not_tested(
            ctx,
            name,
            f"{said}: the bench could not read NetworkConfigurationPriority's valuesList (no FullInventory), slot {slot} may be one of the station's",
            evidence,
        )
        return ""
    ctx.check(
        False,
        name,
        f"{said}; {where}: {PART2} B09.FR.05: a configurationSlot out of NetworkConfigurationPriority's valuesList SHALL be answered Rejected",
        evidence,
    )
    return ""


CASES: list[CatalogueCase] = [
    boot_rejected,
    rejected_security_error,
    report_not_supported,
    network_profile_rejected,
]

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Firmware and diagnostics: Firmware Management profile cases (OCPP 1.6 sections 5.19
UpdateFirmware, 4.5 FirmwareStatusNotification, 5.9 GetDiagnostics, 4.4
DiagnosticsStatusNotification, 4.2.1).

The bench serves the firmware and receives the diagnostics itself (``ctx.files``); a
run without file services, or without a firmware file to serve, is NOT TESTED here.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import arrives, ask, case, not_tested, watch
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import make_idle
from chargecheck.script.verdict import Outcome

PROFILE = "FirmwareManagement"
FINAL = ("Installed", "InstallationFailed", "DownloadFailed")
MISSING_IMAGE = "chargecheck-no-such-image.bin"


def statuses(ctx: CaseContext, cursor: Cursor) -> list[Message]:
    return [m for m in ctx.session.received("FirmwareStatusNotification", cursor) if m.valid]


def trail(messages: list[Message]) -> str:
    return " -> ".join(m.payload["status"] for m in messages) or "none"


async def update_firmware(ctx: CaseContext, name: str, location: str) -> bool:
    payload = {
        "location": location,
        "retrieveDate": ctx.session.clock.utc_text(),
        "retries": 1,
        "retryInterval": 0,
    }
    return await ask(ctx, name, "UpdateFirmware", payload) is not None


def served_firmware(ctx: CaseContext, name: str) -> str | None:
    """The URL of the firmware file the run serves (None: ``name`` NOT TESTED)."""
    if ctx.files is None or ctx.firmware is None:
        not_tested(ctx, name, "the run serves no firmware (chargecheck run --firmware FILE)")
        return None
    url: str = ctx.files.firmware_url(ctx.firmware)
    return url


async def final_status(ctx: CaseContext, name: str, location: str) -> tuple[Message, Cursor] | None:
    """UpdateFirmware of ``location`` and the FirmwareStatusNotification it ends in
    (one of ``FINAL``), with the cursor from before the request; None: ``name`` FAILed
    (no answer, or no final status in time)."""
    cursor = ctx.mark()
    if not await update_firmware(ctx, name, location):
        return None
    final = await arrives(
        ctx,
        name,
        "FirmwareStatusNotification",
        lambda p: p["status"] in FINAL,
        cursor,
        ctx.settings.timeouts.firmware,
        what=f"FirmwareStatusNotification {' or '.join(FINAL)}",
    )
    if final is None:
        return None
    await _settled(ctx, cursor, final)
    return final, cursor


async def update_ended(
    ctx: CaseContext, name: str, location: str | None
) -> tuple[Message, Cursor, int] | None:
    """With ``location`` served (None: nothing to update to, ``name`` recorded already),
    the station made idle, then ``final_status``: the final notification, the cursor from
    before the request and the file services' mark from before it (``since``)."""
    if location is None or ctx.files is None:
        return None
    await make_idle(ctx)
    since = ctx.files.mark()
    ended = await final_status(ctx, name, location)
    return None if ended is None else (*ended, since)


async def diagnostics_requested(
    ctx: CaseContext, name: str, status_name: str, payload: dict[str, Any], cursor: Cursor
) -> tuple[str, Message] | None:
    """GetDiagnostics with ``payload`` names a file (PASS ``name``; no fileName is NOT
    TESTED, 5.9: no diagnostics available), then the DiagnosticsStatusNotification it
    ends in since ``cursor``, Uploaded or UploadFailed (none in time FAILs
    ``status_name``, 5.9 MUST send them): the file name and that notification."""
    result = await ask(ctx, name, "GetDiagnostics", payload)
    if result is None:
        return None
    file_name = result.get("fileName")
    evidence = (result.call_entry_id, result.entry_id)
    if not file_name:
        said = "no fileName: 5.9 says so when no diagnostics are available"
        not_tested(ctx, name, said, evidence)
        return None
    ctx.check(True, name, str(file_name), evidence)
    final = await arrives(
        ctx,
        status_name,
        "DiagnosticsStatusNotification",
        lambda p: p["status"] in ("Uploaded", "UploadFailed"),
        cursor,
        ctx.settings.timeouts.diagnostics,
        what="DiagnosticsStatusNotification Uploaded or UploadFailed",
    )
    return None if final is None else (str(file_name), final)


async def _settled(ctx: CaseContext, cursor: Cursor, final: Message) -> None:
    """The next case starts with a settled station: one that reported Installing or
    Installed reboots to run the new image (it may before or after the notification),
    so its BootNotification and its connection are waited for (``timeouts.reboot``).
    An update that ended in a failure while the station stayed connected leaves nothing
    to reboot for: InstallationFailed is the end of it (4.5), so nothing is waited for."""
    if not any(m.payload["status"] in ("Installing", "Installed") for m in statuses(ctx, cursor)):
        return
    rebooted = ctx.session.received("BootNotification", cursor)
    if final.payload["status"] != "Installed" and ctx.session.connected and not rebooted:
        return
    if await watch(ctx, "BootNotification", None, cursor, ctx.settings.timeouts.reboot):
        with suppress(SessionError):
            await ctx.wait_connected(ctx.settings.timeouts.connect)


@case(
    "TC_044_2_CS",
    "Firmware Update - Download Failed",
    "5.19, 4.5",
    """
UpdateFirmware of a location where there is no file is answered (5.19 SHALL)
The station reports DownloadFailed (4.5 SHALL inform of the progress of the download; 5.19 MUST send FirmwareStatusNotifications while downloading)
It never reports Installing or Installed: there was nothing to install""",
    PROFILE,
)
async def download_failed(ctx: CaseContext) -> str:
    name = "FirmwareStatusNotification DownloadFailed (4.5 SHALL)"
    served = served_firmware(ctx, name)
    if served is None:
        return ""
    ended = await final_status(ctx, name, served.rsplit("/", 1)[0] + "/" + MISSING_IMAGE)
    if ended is None:
        return ""
    final, cursor = ended
    seen = statuses(ctx, cursor)
    ok = final.payload["status"] == "DownloadFailed"
    ctx.check(
        ok,
        name,
        trail(seen)
        if ok
        else f"{trail(seen)} for a file that does not exist; 4.5: the notifications SHALL "
        "inform of the download's progress",
        tuple(m.entry_id for m in seen),
    )
    return f"OK, {trail(seen)}"


@case(
    "TC_044_1_CS",
    "Firmware Update - Download and Install",
    "5.19, 4.5, 4.2.1",
    """
UpdateFirmware with the bench's firmware file, retrieveDate now, is answered (5.19 SHALL)
FirmwareStatusNotifications through the download and installation end in Installed (5.19 MUST send them; SHALL install a valid image as soon as able); DownloadFailed or InstallationFailed is NOT TESTED
If the station reboots, it sends a BootNotification (4.2.1 SHALL), with the new firmwareVersion where the bench knows it""",
    PROFILE,
)
async def firmware_installed(ctx: CaseContext) -> str:
    name = "FirmwareStatusNotification Installed (5.19 MUST, SHALL install)"
    ended = await update_ended(ctx, name, served_firmware(ctx, name))
    if ended is None:
        return ""
    final, cursor, since = ended
    status = final.payload["status"]
    if status != "Installed":
        not_tested(ctx, name, f"{trail(statuses(ctx, cursor))} (the station judged the image)")
        return ""
    if not await _fetched(ctx, since, final):
        return ""
    ctx.check(True, name, trail(statuses(ctx, cursor)), (final.entry_id,))
    downloaded = next(
        (
            m.index
            for m in statuses(ctx, cursor)
            if m.payload["status"] in ("Downloaded", "Installing")
        ),
        final.index,
    )
    boot = await watch(
        ctx, "BootNotification", None, Cursor(downloaded + 1), ctx.settings.timeouts.reboot
    )
    if boot is None:
        return f"OK, {trail(statuses(ctx, cursor))}, no reboot"
    version = boot.payload.get("firmwareVersion")
    if ctx.firmware_version is not None:
        ctx.check(
            version == ctx.firmware_version,
            "boots with the new firmware",
            f"firmwareVersion {version}"
            if version == ctx.firmware_version
            else f"firmwareVersion {version}, not {ctx.firmware_version} after Installed; 5.19: "
            "SHALL install the new firmware",
            (boot.entry_id,),
        )
    return f"OK, {trail(statuses(ctx, cursor))}, rebooted with {version}"


async def _fetched(ctx: CaseContext, since: int, final: Message) -> bool:
    """Installed is evidence only with the image fetched from the bench's server (a file
    event): a station that reports it for a file it never fetched misinforms the Central
    System of the progress (4.5 SHALL inform)."""
    name = "the firmware file is fetched from the bench before Installed (4.5 SHALL inform)"
    try:
        wait = ctx.settings.timeouts.status
        got = await ctx.waited(
            f"{ctx.firmware} fetched from the bench",
            wait,
            ctx.files.wait_for_download(wait, name_glob=ctx.firmware, since=since),
        )
    except TimeoutError:
        ctx.record(
            name,
            Outcome.FAIL,
            "Installed reported, yet no download of the image from the bench's server: the "
            "status does not tell the progress (4.5)",
            (final.entry_id,),
        )
        return False
    ctx.check(True, name, f"{got.name}, {got.size} bytes", (final.entry_id,))
    return True


@case(
    "TC_045_1_CS",
    "Get Diagnostics",
    "5.9, 4.4",
    """
GetDiagnostics with the bench's FTP location names a file (5.9 SHALL; no fileName means no diagnostics: NOT TESTED)
DiagnosticsStatusNotifications end in Uploaded (5.9 MUST send them while uploading); UploadFailed is NOT TESTED
Uploaded means the file is on the bench's server (5.9 SHALL upload a single file)""",
    PROFILE,
)
async def diagnostics(ctx: CaseContext) -> str:
    name = "GetDiagnostics names a file"
    if ctx.files is None:
        not_tested(ctx, name, "the run has no file services")
        return ""
    cursor, since = ctx.mark(), ctx.files.mark()
    now = ctx.session.clock.utc()
    payload = {
        "location": ctx.files.ftp_url,
        "startTime": utc_iso(now - timedelta(hours=1)),
        "stopTime": utc_iso(now),
        "retries": 1,
        "retryInterval": 0,
    }
    status_name = "DiagnosticsStatusNotification Uploaded (5.9 MUST)"
    requested = await diagnostics_requested(ctx, name, status_name, payload, cursor)
    if requested is None:
        return ""
    file_name, final = requested
    if final.payload["status"] != "Uploaded":
        not_tested(ctx, status_name, "UploadFailed: the station could not upload to the bench")
        return ""
    ctx.check(True, status_name, "Uploaded", (final.entry_id,))
    upload_name = "the file is on the bench's server (5.9 SHALL upload)"
    try:
        wait = ctx.settings.timeouts.status
        upload = await ctx.waited(
            f"{file_name} on the bench's server",
            wait,
            ctx.files.wait_for_upload(timeout=wait, name_glob=file_name, since=since),
        )
    except (SessionError, TimeoutError) as exc:
        ctx.check(
            False,
            upload_name,
            f"Uploaded reported, but {file_name} did not arrive ({exc}); 5.9: SHALL upload a "
            "single file",
            (final.entry_id,),
        )
        return ""
    ctx.check(True, upload_name, f"{upload.name}, {upload.size} bytes", (final.entry_id,))
    return f"OK, {upload.name} uploaded ({upload.size} bytes)"


CASES = [download_failed, firmware_installed, diagnostics]

"""Row 12 - Remote firmware update (OCPP 1.6 sections 5.19, 4.5).

The bench serves the firmware file (the user's ``--firmware`` file, or for the simulator
a generated one) and sends UpdateFirmware with retrieveDate now. The station must fetch
the file, report FirmwareStatusNotification Downloading and then Installed (never
DownloadFailed / InstallationFailed), and reboot by itself with its connectors available:
a new BootNotification, with the new firmwareVersion where the bench knows it.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.session import Cursor, Message
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import make_idle
from chargecheck.script.verdict import Outcome

FAILED = {"DownloadFailed", "InstallationFailed"}


async def run(ctx: CaseContext) -> str:
    if ctx.files is None or ctx.firmware is None:
        ctx.record(
            "a firmware file to install",
            Outcome.NOT_TESTED,
            "no firmware file given (chargecheck run --firmware FILE)",
        )
        return ""
    await make_idle(ctx)
    cursor, since = ctx.mark(), ctx.files.mark()
    url = ctx.files.firmware_url(ctx.firmware)
    now = ctx.session.clock.utc_text()
    result = await ctx.call(
        "UpdateFirmware", {"location": url, "retrieveDate": now, "retries": 1, "retryInterval": 30}
    )
    timeout = ctx.settings.timeouts.firmware
    downloading = await _downloading(ctx, cursor, timeout)
    if downloading is not None:
        ctx.check(
            True,
            "FirmwareStatusNotification Downloading",
            "received",
            (result.call_entry_id, downloading.entry_id),
        )
    final = await ctx.attempt(
        "FirmwareStatusNotification Installed",
        ctx.expect(
            "FirmwareStatusNotification",
            _ended,
            timeout=timeout,
            cursor=cursor,
            what="FirmwareStatusNotification Installed (or a failure)",
        ),
    )
    statuses = [
        m.payload["status"] for m in ctx.session.received("FirmwareStatusNotification", cursor)
    ]
    fetched = await ctx.attempt(
        "the firmware file is fetched from the bench",
        ctx.waited(
            f"{ctx.firmware} fetched from the bench",
            ctx.settings.timeouts.status,
            ctx.files.wait_for_download(
                timeout=ctx.settings.timeouts.status, name_glob=ctx.firmware, since=since
            ),
        ),
    )
    if fetched is not None:
        ctx.check(
            True,
            "the firmware file is fetched from the bench",
            f"{fetched.name}, {fetched.size} bytes",
        )
    if final is None:
        return ""
    installed = final.payload["status"] == "Installed"
    ctx.check(
        installed, "FirmwareStatusNotification Installed", " -> ".join(statuses), (final.entry_id,)
    )
    if not installed:
        return ""
    # Stations reboot to install: some send Installed before the reboot, some after it.
    # A boot counts once the firmware is on the station (Downloaded), not before.
    downloaded = next(
        (
            m.index
            for m in ctx.session.received("FirmwareStatusNotification", cursor)
            if m.valid and m.payload["status"] in ("Downloaded", "Installing")
        ),
        final.index,
    )
    name = "reboots by itself to install"
    boot = await ctx.attempt(
        name,
        ctx.expect(
            "BootNotification", timeout=ctx.settings.timeouts.reboot, cursor=Cursor(downloaded + 1)
        ),
    )
    if boot is None:
        return ""
    version = boot.payload.get("firmwareVersion")
    ctx.check(
        True,
        name,
        f"BootNotification with firmwareVersion {version}",
        (boot.entry_id,),
    )
    if ctx.firmware_version is not None:
        ctx.check(
            version == ctx.firmware_version,
            "boots with the new firmware",
            f"firmwareVersion {version}, expected {ctx.firmware_version}",
            (boot.entry_id,),
        )
    return f"OK, {' -> '.join(statuses)}, rebooted with firmware {version}"


def _ended(payload: dict[str, Any]) -> bool:
    return payload["status"] in FAILED | {"Installed"}


async def _downloading(ctx: CaseContext, cursor: Cursor, timeout: float) -> Message | None:
    """FirmwareStatusNotification Downloading since ``cursor`` (None: the criterion
    FAILed). A status that ends the update (Installed or a failure) ends the wait: a
    Downloading after it would come too late for this criterion anyway, which the
    update's end status judges."""
    name = "FirmwareStatusNotification Downloading"
    found = await ctx.attempt(
        name,
        ctx.expect(
            "FirmwareStatusNotification",
            lambda p: p["status"] == "Downloading",
            timeout,
            Cursor(cursor.start),
            ends=[("FirmwareStatusNotification", _ended)],
            what="FirmwareStatusNotification Downloading (or the update's end)",
        ),
    )
    if found is None or found.payload["status"] == "Downloading":
        return found
    ctx.record(
        name,
        Outcome.FAIL,
        f"no Downloading before {found.payload['status']}",
        (found.entry_id,),
    )
    return None


CASE = seed_case(12, run)

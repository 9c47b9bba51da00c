# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Firmware and diagnostics transfers that cannot succeed: Firmware Management profile
cases (OCPP 1.6 sections 5.19 UpdateFirmware, 4.5 FirmwareStatusNotification, 5.9
GetDiagnostics, 4.4 DiagnosticsStatusNotification, 7.24, 7.25).

The file that is no firmware image: the bench serves ``NOT_AN_IMAGE``, a first line that
names chargecheck's image format (``chargecheck.protocol.firmware_image``) but no
firmware version, then zeros. No station's firmware looks like that; the simulator knows
the format and takes it for a damaged image (``chargecheck.sim.firmware``). A station
that reports Installed for it tells the Central System a new firmware was installed
(7.25) where none can have been: 4.5, the notifications SHALL inform of the progress of
the installation. A station that refuses the file while downloading (DownloadFailed) is
NOT TESTED: 4.5 does not say at which step a station judges an image.

The location nobody can upload to: the bench's own FTP server with a password that is
not the run's, so every login is refused (the bench sees the refusals). A station that
then reports Uploaded misinforms the Central System (5.9: it MUST send
DiagnosticsStatusNotifications to keep it updated with the status of the upload).
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from chargecheck.files.errors import FileServiceError
from chargecheck.protocol.firmware_image import FORMAT
from chargecheck.script.catalogue.base import case, not_tested
from chargecheck.script.catalogue.firmware import (
    diagnostics_requested,
    statuses,
    trail,
    update_ended,
)
from chargecheck.script.context import CaseContext

PROFILE = "FirmwareManagement"
NOT_AN_IMAGE = "chargecheck-not-an-image.bin"


def not_an_image() -> bytes:
    """The bytes of ``NOT_AN_IMAGE`` (module docstring)."""
    manifest = json.dumps({"format": FORMAT, "note": "not a firmware image"}).encode()
    return manifest + b"\n" + bytes(4096)


def served_non_image(ctx: CaseContext, name: str) -> str | None:
    """The URL of ``NOT_AN_IMAGE`` on the bench's server, put there on first use (None:
    ``name`` NOT TESTED, the run has no file services)."""
    if ctx.files is None:
        not_tested(ctx, name, "the run has no file services to serve a file from")
        return None
    try:
        url: str = ctx.files.firmware_url(NOT_AN_IMAGE)
        return url
    except FileServiceError:
        pass  # not served yet
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / NOT_AN_IMAGE
        path.write_bytes(not_an_image())
        ctx.files.add_firmware(path)
    url = ctx.files.firmware_url(NOT_AN_IMAGE)
    return url


@case(
    "TC_044_3_CS",
    "Firmware Update - Installation Failed",
    "5.19, 4.5, 7.25",
    """
UpdateFirmware of a file that is no firmware image (served by the bench) is answered (5.19 SHALL)
FirmwareStatusNotifications come and end in a final status (5.19 MUST keep the Central System updated)
The station downloads the file and the update ends in InstallationFailed, not Installed (4.5 SHALL inform of the installation's progress; Installed means new firmware was installed, 7.25); DownloadFailed is NOT TESTED""",
    PROFILE,
)
async def installation_failed(ctx: CaseContext) -> str:
    name = "the update ends in InstallationFailed (4.5 SHALL inform)"
    ended = await update_ended(ctx, name, served_non_image(ctx, name))
    if ended is None:
        return ""
    final, cursor, since = ended
    seen = statuses(ctx, cursor)
    evidence = tuple(m.entry_id for m in seen)
    status = final.payload["status"]
    if status == "DownloadFailed":
        not_tested(
            ctx,
            name,
            f"{trail(seen)}: the station refused the file while downloading it; 4.5 does not "
            "say at which step a station judges an image",
            evidence,
        )
        return ""
    try:
        wait = ctx.settings.timeouts.status
        got = await ctx.waited(
            f"{NOT_AN_IMAGE} fetched from the bench",
            wait,
            ctx.files.wait_for_download(wait, name_glob=NOT_AN_IMAGE, since=since),
        )
    except TimeoutError:
        not_tested(
            ctx,
            name,
            f"{trail(seen)}, yet the bench saw no complete download of {NOT_AN_IMAGE}: what "
            "the station judged is not known",
            evidence,
        )
        return ""
    ok = status == "InstallationFailed"
    ctx.check(
        ok,
        name,
        f"{trail(seen)} after downloading {got.size} bytes"
        if ok
        else f"{trail(seen)} for a file that is no firmware image ({got.size} bytes, a "
        "manifest line naming no version, then zeros): Installed says new firmware was "
        "installed (7.25); 4.5, the notifications SHALL inform of the installation's progress",
        evidence,
    )
    return f"OK, {trail(seen)}" if ok else ""


def refused_location(ctx: CaseContext) -> str:
    """The bench's FTP location with a password that is not the run's: every login is
    refused."""
    parts = urlsplit(ctx.files.ftp_url)
    user = parts.username or "anonymous"
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal goes back in brackets
        host = f"[{host}]"
    wrong = "wrong-" + secrets.token_hex(4)
    netloc = f"{quote(user, safe='')}:{wrong}@{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))


@case(
    "TC_045_2_CS",
    "Get Diagnostics - Upload Failed",
    "5.9, 4.4, 7.24",
    """
GetDiagnostics to an FTP location that refuses every login (the bench's server, a wrong password) is answered (5.9 SHALL); no fileName (no diagnostics available) is NOT TESTED
DiagnosticsStatusNotifications come and end in UploadFailed, not Uploaded (5.9 MUST send them to keep the Central System updated with the status of the upload; 7.24); Uploading before it is a note""",
    PROFILE,
)
async def upload_failed(ctx: CaseContext) -> str:
    name = "GetDiagnostics answered with a file name (5.9 SHALL)"
    if ctx.files is None:
        not_tested(ctx, name, "the run has no file services")
        return ""
    cursor = ctx.mark()
    payload = {"location": refused_location(ctx), "retries": 1, "retryInterval": 0}
    status_name = "DiagnosticsStatusNotification UploadFailed (5.9 MUST keep updated)"
    requested = await diagnostics_requested(ctx, name, status_name, payload, cursor)
    if requested is None:
        return ""
    _, final = requested
    seen = [m for m in ctx.session.received("DiagnosticsStatusNotification", cursor) if m.valid]
    shown = " -> ".join(m.payload["status"] for m in seen if m.index <= final.index)
    ok = final.payload["status"] == "UploadFailed"
    ctx.check(
        ok,
        status_name,
        shown
        if ok
        else f"{shown} to a location that refused every login: nothing can have been "
        "uploaded; 5.9, the notifications MUST keep the Central System updated with the "
        "status of the upload",
        tuple(m.entry_id for m in seen if m.index <= final.index),
    )
    return f"OK, {shown}" if ok else ""


CASES = [installation_failed, upload_failed]

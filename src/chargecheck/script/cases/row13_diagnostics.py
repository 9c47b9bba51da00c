"""Row 13 - Remotely initiate and get diagnostics reports (OCPP 1.6 sections 5.9, 4.4).

GetDiagnostics with the bench's FTP location and a time window (the last hour) must be
answered with a fileName; DiagnosticsStatusNotification Uploaded must follow (never
UploadFailed) and the file must actually arrive on the bench's FTP server, non-empty.
"""

from __future__ import annotations

from datetime import timedelta

from chargecheck.clock import utc_iso
from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.script.verdict import Outcome


async def run(ctx: CaseContext) -> str:
    if ctx.files is None:
        ctx.record(
            "an FTP location for the upload", Outcome.NOT_TESTED, "the run has no file services"
        )
        return ""
    cursor, since = ctx.mark(), ctx.files.mark()
    now = ctx.session.clock.utc()
    result = await ctx.call(
        "GetDiagnostics",
        {
            "location": ctx.files.ftp_url,
            "startTime": utc_iso(now - timedelta(hours=1)),
            "stopTime": utc_iso(now),
            "retries": 1,
            "retryInterval": 30,
        },
    )
    name = result.get("fileName")
    ctx.check(
        bool(name),
        "GetDiagnostics answered with a file name",
        f"fileName {name}",
        (result.call_entry_id, result.entry_id),
    )
    timeout = ctx.settings.timeouts.diagnostics
    status = await ctx.attempt(
        "DiagnosticsStatusNotification Uploaded",
        ctx.expect(
            "DiagnosticsStatusNotification",
            lambda p: p["status"] in ("Uploaded", "UploadFailed"),
            timeout=timeout,
            cursor=cursor,
        ),
    )
    if status is not None:
        ctx.check(
            status.payload["status"] == "Uploaded",
            "DiagnosticsStatusNotification Uploaded",
            status.payload["status"],
            (status.entry_id,),
        )
    try:
        wait = ctx.settings.timeouts.status if status else timeout
        upload = await ctx.waited(
            f"{name or 'the diagnostics file'} on the bench's FTP server",
            wait,
            ctx.files.wait_for_upload(timeout=wait, name_glob=name or "*", since=since),
        )
    except TimeoutError as exc:  # shown by the request and what the station said of it
        said = (status.entry_id,) if status is not None else ()
        evidence = (result.call_entry_id, result.entry_id, *said)
        ctx.record("the file arrives on the FTP server", Outcome.FAIL, str(exc), evidence)
        return ""
    ctx.check(
        upload.size > 0,
        "the file arrives on the FTP server",
        f"{upload.name}, {upload.size} bytes, sha256 {upload.sha256[:12]}",
    )
    return f"OK, {upload.name} uploaded ({upload.size} bytes)"


CASE = seed_case(13, run)

# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Files of the OCPP 1.6 security extension ("Improved security for OCPP 1.6-J", edition
3, the whitepaper): the security log uploaded to the bench (use case N01, GetLog and
LogStatusNotification) and the signed firmware update (use case L01, SignedUpdateFirmware
and SignedFirmwareStatusNotification), its signing certificate from the run's CA, which
the bench installs on the station as a ManufacturerRootCertificate first.

A run without file services, or without a firmware file to serve, is NOT TESTED here, as
is a station that does not implement the extension.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from cryptography import x509

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Predicate
from chargecheck.script.catalogue.base import arrives, ask, watch
from chargecheck.script.catalogue.firmware import served_firmware
from chargecheck.script.catalogue.security_steps import (
    WHITEPAPER,
    authority,
    install,
    installed,
    not_tested,
    security_case,
    security_event,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import make_idle

LOG_FINAL = ("Uploaded", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied")
FIRMWARE_FINAL = (
    "Installed",
    "InstallationFailed",
    "InstallVerificationFailed",
    "InvalidCertificate",
    "InvalidSignature",
    "RevokedCertificate",
    "DownloadFailed",
    "InstallRebooting",
)
REQUEST_ID = 7301
LOOK_UP_ID = 7302  # the GetLog that looks for a security event the station did not send
MANUFACTURER = "ManufacturerRootCertificate"


def _security_log_request(location: str, request_id: int) -> dict[str, Any]:
    """GetLog of the security log, uploaded to ``location``."""
    return {"logType": "SecurityLog", "requestId": request_id, "log": {"remoteLocation": location}}


def _of(request_id: int, final: tuple[str, ...]) -> Predicate:
    return lambda p: p.get("requestId") == request_id and p.get("status") in final


def _trail(ctx: CaseContext, action: str, cursor: Cursor) -> list[Message]:
    return [m for m in ctx.session.received(action, cursor) if m.valid]


def _text(messages: list[Message]) -> str:
    return " -> ".join(m.payload["status"] for m in messages) or "none"


@security_case(
    "TC_079_CS",
    "Get Security Log",
    "whitepaper N01",
    """
GetLog SecurityLog with the bench's FTP location is Accepted with a filename (whitepaper N01; another answer is NOT TESTED)
LogStatusNotifications with the requestId: Uploading, then Uploaded (whitepaper N01 SHALL send them); UploadFailure and the like are NOT TESTED
Uploaded means the file is on the bench's server""",
)
async def security_log(ctx: CaseContext, level: int) -> str:
    name = "GetLog SecurityLog is Accepted with a filename (whitepaper N01)"
    if ctx.files is None:
        not_tested(ctx, name, "the run has no file services")
        return ""
    cursor, since = ctx.mark(), ctx.files.mark()
    result = await ask(ctx, name, "GetLog", _security_log_request(ctx.files.ftp_url, REQUEST_ID))
    if result is None:
        return ""
    evidence = (result.call_entry_id, result.entry_id)
    file_name = result.get("filename")
    if result.get("status") != "Accepted" or not file_name:
        not_tested(ctx, name, f"answered {result.get('status')}, filename {file_name}", evidence)
        return ""
    ctx.check(True, name, str(file_name), evidence)
    status_name = "LogStatusNotification Uploading then Uploaded (whitepaper N01 SHALL)"
    final = await arrives(
        ctx,
        status_name,
        "LogStatusNotification",
        _of(REQUEST_ID, LOG_FINAL),
        cursor,
        ctx.settings.timeouts.diagnostics,
    )
    if final is None:
        return ""
    seen = [
        m
        for m in _trail(ctx, "LogStatusNotification", cursor)
        if m.payload.get("requestId") == REQUEST_ID
    ]
    if final.payload["status"] != "Uploaded":
        not_tested(
            ctx,
            status_name,
            f"{_text(seen)}: the station could not upload to the bench",
            (final.entry_id,),
        )
        return ""
    ok = [m.payload["status"] for m in seen][:1] == ["Uploading"]
    ctx.check(
        ok,
        status_name,
        _text(seen) + ("" if ok else f": {WHITEPAPER} N01: Uploading SHALL come first"),
        tuple(m.entry_id for m in seen),
    )
    upload_name = "the log is on the bench's server"
    try:
        upload = await ctx.files.wait_for_upload(
            timeout=ctx.settings.timeouts.status, name_glob=str(file_name), since=since
        )
    except (SessionError, TimeoutError) as exc:
        ctx.check(
            False,
            upload_name,
            f"Uploaded reported, but {file_name} did not arrive ({exc})",
            (final.entry_id,),
        )
        return ""
    ctx.check(True, upload_name, f"{upload.name}, {upload.size} bytes", (final.entry_id,))
    return f"OK, {upload.name} uploaded"


async def reported(ctx: CaseContext, name: str, kind: str, cursor: Cursor) -> bool:
    """A security event the whitepaper's list does not mark critical (A04: only critical
    ones SHALL be sent, every one SHALL be in the security log): sent, or found by its name
    in the security log GetLog SecurityLog uploads, PASSes ``name``; neither is NOT
    TESTED (the log's format is the station's), never FAIL."""
    with suppress(SessionError):
        event = await ctx.session.expect(
            "SecurityEventNotification",
            lambda p: p.get("type") == kind,
            ctx.settings.timeouts.status,
            cursor,
        )
        ctx.check(True, name, f"sent, type {kind}", (event.entry_id,))
        return True
    unsent = f"not sent ({kind} is not critical: the whitepaper does not require it)"
    looked = await _security_log(ctx)
    if isinstance(looked, str):
        not_tested(ctx, name, f"{unsent}; the security log to look in: {looked}")
        return False
    text, file_name, evidence = looked
    if kind in text:
        ctx.check(True, name, f"{unsent}; in the security log {file_name}", evidence)
        return True
    not_tested(
        ctx,
        name,
        f"{unsent}, nor found by its name in the security log {file_name} (its format is the station's)",
        evidence,
    )
    return False


async def _security_log(ctx: CaseContext) -> tuple[str, str, tuple[int, ...]] | str:
    """The security log's text as GetLog SecurityLog uploads it to the bench, its name and
    the journal ids of the exchange; else why there is none."""
    if ctx.files is None:
        return "the run has no file services"
    cursor, since = ctx.mark(), ctx.files.mark()
    try:
        result = await ctx.call("GetLog", _security_log_request(ctx.files.ftp_url, LOOK_UP_ID))
        if result.get("status") != "Accepted" or not result.get("filename"):
            return f"GetLog answered {result.get('status')}"
        final = await ctx.session.expect(
            "LogStatusNotification",
            _of(LOOK_UP_ID, LOG_FINAL),
            ctx.settings.timeouts.diagnostics,
            cursor,
        )
        if final.payload["status"] != "Uploaded":
            return f"LogStatusNotification {final.payload['status']}"
        upload = await ctx.files.wait_for_upload(
            timeout=ctx.settings.timeouts.status,
            name_glob=str(result.get("filename")),
            since=since,
        )
    except (SessionError, TimeoutError) as exc:
        return f"GetLog SecurityLog gave none ({exc})"
    text = upload.path.read_bytes().decode("utf-8", errors="replace")
    return text, upload.name, (result.call_entry_id, result.entry_id, final.entry_id)


async def _root_installed(ctx: CaseContext, certificate: x509.Certificate) -> bool:
    """The run's CA among the station's ManufacturerRootCertificates: listed already (an
    earlier case installed it), else installed now (not Accepted: NOT TESTED)."""
    name = "the run's CA is installed as ManufacturerRootCertificate (whitepaper M05)"
    seen = await installed(ctx, name, MANUFACTURER, certificate)
    if seen is None:
        return False
    if seen[0] is not None:
        ctx.check(True, name, "listed already", seen[1])
        return True
    return await install(ctx, name, MANUFACTURER, certificate)


async def _signed_update(
    ctx: CaseContext, name: str, corrupt: bool
) -> tuple[Message, Cursor] | None:
    """The run CA installed as ManufacturerRootCertificate, then SignedUpdateFirmware of the
    served image (its signature over other bytes when ``corrupt``), and the
    SignedFirmwareStatusNotification it ends in."""
    location = served_firmware(ctx, name)
    if location is None or ctx.firmware is None:
        return None
    ca = authority(ctx)
    if not await _root_installed(ctx, ca.certificate):
        return None
    image = (ctx.files.sandbox.firmware_dir / ctx.firmware).read_bytes()
    signer = ca.firmware_signer(ctx.session.clock.utc())
    await make_idle(ctx)
    cursor = ctx.mark()
    payload = {
        "requestId": REQUEST_ID,
        "retries": 1,
        "retryInterval": 0,
        "firmware": {
            "location": location,
            "retrieveDateTime": ctx.session.clock.utc_text(),
            "signingCertificate": signer.certificate_pem,
            "signature": signer.sign(image + b"tampered" if corrupt else image),
        },
    }
    result = await ask(ctx, name, "SignedUpdateFirmware", payload)
    if result is None:
        return None
    if result.get("status") != "Accepted":
        not_tested(
            ctx, name, f"answered {result.get('status')}", (result.call_entry_id, result.entry_id)
        )
        return None
    final = await arrives(
        ctx,
        name,
        "SignedFirmwareStatusNotification",
        _of(REQUEST_ID, FIRMWARE_FINAL),
        cursor,
        ctx.settings.timeouts.firmware,
    )
    return None if final is None else (final, cursor)


def _notifications(
    ctx: CaseContext, cursor: Cursor
) -> tuple[list[Message], list[str], tuple[int, ...]]:
    """The SignedFirmwareStatusNotifications of the update since ``cursor``: the messages,
    their statuses and their journal entries."""
    seen = [
        m
        for m in _trail(ctx, "SignedFirmwareStatusNotification", cursor)
        if m.payload.get("requestId") == REQUEST_ID
    ]
    return seen, [m.payload["status"] for m in seen], tuple(m.entry_id for m in seen)


INSTALLED = ("Installing", "Installed", "InstallRebooting")  # the image is going in: a reboot


async def _settled(ctx: CaseContext, cursor: Cursor) -> None:
    """A station that installed reboots: its BootNotification and connection are waited
    for. An update whose last status so far says otherwise (InvalidSignature, a failure)
    brings no reboot: nothing is waited for."""
    statuses = _notifications(ctx, cursor)[1]
    if not statuses or statuses[-1] not in INSTALLED:
        return
    if await watch(ctx, "BootNotification", None, cursor, ctx.settings.timeouts.reboot):
        with suppress(SessionError):
            await ctx.session.wait_connected(ctx.settings.timeouts.connect)


@security_case(
    "TC_080_CS",
    "Secure Firmware Update",
    "whitepaper L01",
    """
The run's CA is installed as ManufacturerRootCertificate (a refusal is NOT TESTED), then SignedUpdateFirmware of the bench's image, signed by a certificate of that CA, is Accepted (another answer is NOT TESTED)
SignedFirmwareStatusNotifications with the requestId end in Installed; DownloadFailed or InstallationFailed is NOT TESTED
SignatureVerified is among them, before Installing (whitepaper L01: the Charge Point SHALL verify the signature before installing, and SHALL send each new state of the update it enters; it MAY leave Installing out, a bootloader that cannot send)
A SecurityEventNotification FirmwareUpdated follows (whitepaper A04: a critical security event SHALL be sent)""",
    "FirmwareManagement",
)
async def signed_firmware(ctx: CaseContext, level: int) -> str:
    name = "SignedFirmwareStatusNotification ends in Installed (whitepaper L01)"
    ended = await _signed_update(ctx, name, corrupt=False)
    if ended is None:
        return ""
    final, cursor = ended
    seen, statuses, evidence = _notifications(ctx, cursor)
    if final.payload["status"] in ("DownloadFailed", "InstallationFailed"):
        not_tested(ctx, name, _text(seen), evidence)
        return ""
    rule = f"{WHITEPAPER} L01: the certificate and signature are valid, from the installed root"
    ok = final.payload["status"] in ("Installed", "InstallRebooting")
    ctx.check(ok, name, _text(seen) + ("" if ok else f": {rule}"), evidence)
    if not ok:
        return ""
    verified = "SignatureVerified is sent, before Installing (whitepaper L01 SHALL)"
    order = "SignatureVerified" in statuses and (
        "Installing" not in statuses
        or statuses.index("SignatureVerified") < statuses.index("Installing")
    )
    ctx.check(
        order,
        verified,
        _text(seen)
        + (
            ""
            if order
            else f": {WHITEPAPER} L01: the signature SHALL be verified before installing and each new state SHALL be sent"
        ),
        evidence,
    )
    updated = await security_event(
        ctx,
        "SecurityEventNotification FirmwareUpdated",
        "FirmwareUpdated",
        cursor,
        "whitepaper A04: critical, SHALL be sent",
    )
    await _settled(ctx, cursor)
    return f"OK, {_text(seen)}" if order and updated is not None else ""


@security_case(
    "TC_081_CS",
    "Secure Firmware Update - Invalid Signature",
    "whitepaper L01, security events",
    """
As TC_080_CS, the signature made over other bytes: SignedFirmwareStatusNotification InvalidSignature (whitepaper L01: the Charge Point SHALL verify the signature and report InvalidSignature); Installing or Installed FAILs
A SecurityEventNotification InvalidFirmwareSignature follows (whitepaper L01: on entering InvalidSignature the Charge Point SHALL send it)""",
    "FirmwareManagement",
)
async def invalid_firmware_signature(ctx: CaseContext, level: int) -> str:
    name = "SignedFirmwareStatusNotification InvalidSignature (whitepaper L01)"
    ended = await _signed_update(ctx, name, corrupt=True)
    if ended is None:
        return ""
    final, cursor = ended
    seen, statuses, evidence = _notifications(ctx, cursor)
    if final.payload["status"] == "DownloadFailed":
        not_tested(ctx, name, _text(seen), evidence)
        return ""
    ok = final.payload["status"] == "InvalidSignature" and "Installing" not in statuses
    ctx.check(
        ok,
        name,
        _text(seen)
        + (
            ""
            if ok
            else f": {WHITEPAPER} L01: an invalid signature SHALL NOT be installed and SHALL be reported InvalidSignature"
        ),
        evidence,
    )
    event = await security_event(
        ctx,
        "SecurityEventNotification InvalidFirmwareSignature",
        "InvalidFirmwareSignature",
        cursor,
        "whitepaper L01 SHALL",
    )
    if not ok:
        await _settled(ctx, cursor)
    return "OK, InvalidSignature reported" if ok and event is not None else ""


CASES = [security_log, signed_firmware, invalid_firmware_signature]

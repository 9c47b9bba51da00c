"""How the station answers the security extension's CALLs (OCPP 1.6 security whitepaper,
edition 3), one handler per action in ``SECURITY_HANDLERS``, in the manner of
``chargecheck.sim.central_calls`` (which takes them into its ``HANDLERS``).

A station that does not implement the extension (no SecurityProfile key: the variant
``no_security_extension``) answers every one of them with CALLERROR NotSupported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chargecheck.protocol.errors import PeerProtocolError
from chargecheck.sim import certificates

if TYPE_CHECKING:
    from chargecheck.sim.station import Station

Payload = dict[str, Any]
Answer = tuple[Payload, Callable[[], None] | None]
Handler = Callable[["Station", Payload], Answer]


def _implemented(handler: Handler) -> Handler:
    def answer(st: Station, p: Payload) -> Answer:
        if not st.implements_security:
            raise PeerProtocolError("NotSupported", "the security extension is not implemented")
        return handler(st, p)

    answer.__doc__ = handler.__doc__
    return answer


def certificate_signed(st: Station, p: Payload) -> Answer:
    """Whitepaper A02: the chain is checked against the station's key and identity; a
    station on profile 3 reconnects with its new certificate once the answer is out."""
    status = st.certificate_signed(p["certificateChain"])
    renewed = status == "Accepted" and st.security_profile == 3
    return {"status": status}, (st.reconnect if renewed else None)


def delete_certificate(st: Station, p: Payload) -> Answer:
    return {"status": st.delete_certificate(p["certificateHashData"])}, None


def extended_trigger_message(st: Station, p: Payload) -> Answer:
    """Whitepaper 2.x ExtendedTriggerMessage: as TriggerMessage (OCPP 1.6 5.17), plus
    SignChargePointCertificate (a SignCertificate.req follows the answer), with
    LogStatusNotification and SignedFirmwareStatusNotification for the new messages."""
    what, connector_id = p["requestedMessage"], p.get("connectorId")
    if connector_id is not None and not 0 <= connector_id < len(st.connectors):
        return {"status": "Rejected"}, None
    follow: Callable[[], None]
    if what == "SignChargePointCertificate":
        follow = st.send_sign_certificate
    elif what == "LogStatusNotification":
        follow = st.send_log_status
    elif what == "FirmwareStatusNotification":
        follow = st.send_signed_firmware_status
    else:
        follow = lambda: st.send_triggered(what, connector_id)  # noqa: E731
    return {"status": "Accepted"}, follow


def get_installed_certificate_ids(st: Station, p: Payload) -> Answer:
    hashes = st.installed_hashes(p["certificateType"])
    if not hashes:
        return {"status": "NotFound"}, None
    return {"status": "Accepted", "certificateHashData": hashes}, None


def get_log(st: Station, p: Payload) -> Answer:
    """Whitepaper 2.x GetLog: Accepted with the file name, then the upload to
    log.remoteLocation with LogStatusNotification (Uploading, Uploaded / UploadFailure)."""
    log = p["log"]
    name = st.get_log(
        p["logType"],
        p["requestId"],
        log["remoteLocation"],
        _moment(log.get("oldestTimestamp")),
        _moment(log.get("latestTimestamp")),
        p.get("retries"),
        p.get("retryInterval"),
    )
    return {"status": "Accepted", "filename": name}, st.start_upload


def install_certificate(st: Station, p: Payload) -> Answer:
    return {"status": st.install_certificate(p["certificateType"], p["certificate"])}, None


def signed_update_firmware(st: Station, p: Payload) -> Answer:
    """Whitepaper A05: a signing certificate the installed ManufacturerRootCertificates
    do not vouch for is answered InvalidCertificate (with the security event
    InvalidFirmwareSigningCertificate) and nothing is fetched; otherwise Accepted, then at
    retrieveDateTime Downloading, Downloaded, SignatureVerified (or InvalidSignature),
    Installing, Installed."""
    firmware = p["firmware"]
    roots = st.installed("ManufacturerRootCertificate")
    if certificates.signer_problem(firmware["signingCertificate"], roots, st.now.utc):
        st.security_event("InvalidFirmwareSigningCertificate", "not issued by a known root")
        return {"status": "InvalidCertificate"}, None
    retrieve = _moment(firmware["retrieveDateTime"])
    assert retrieve is not None
    st.signed_update_firmware(
        p["requestId"],
        firmware["location"],
        retrieve,
        firmware["signingCertificate"],
        firmware["signature"],
        p.get("retries"),
        p.get("retryInterval"),
    )
    return {"status": "Accepted"}, None


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


SECURITY_HANDLERS: dict[str, Handler] = {
    name: _implemented(handler)
    for name, handler in {
        "CertificateSigned": certificate_signed,
        "DeleteCertificate": delete_certificate,
        "ExtendedTriggerMessage": extended_trigger_message,
        "GetInstalledCertificateIds": get_installed_certificate_ids,
        "GetLog": get_log,
        "InstallCertificate": install_certificate,
        "SignedUpdateFirmware": signed_update_firmware,
    }.items()
}

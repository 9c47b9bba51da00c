"""The scenarios of the security extension's defects (``chargecheck.sim.defects``), for
``test_defects``: each returns what the Central System's frames show, which a correct
station and the defective one disagree on (security whitepaper, edition 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.sim import certificates

from .boot_events import BOOT_EVENTS
from .conftest import WAIT
from .security_pki import Authority, csr_subject, sign_file

SETTLE_S = 0.3  # real seconds for a message that would follow (the defect shows by absence)


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(SETTLE_S)


async def _install(session: Any, kind: str, pem: str) -> str:
    payload = {"certificateType": kind, "certificate": pem}
    return str((await session.call("InstallCertificate", payload, WAIT))["status"])


async def _csr(session: Any) -> str:
    payload = {"requestedMessage": "SignChargePointCertificate"}
    await session.call("ExtendedTriggerMessage", payload, WAIT)
    return str((await session.expect("SignCertificate", timeout=WAIT)).payload["csr"])


def _event_types(session: Any) -> list[str]:
    """The security events told, but the boot's (which the no_security_events defect
    also silences)."""
    found = session.received("SecurityEventNotification")
    return [m.payload["type"] for m in found if m.payload["type"] not in BOOT_EVENTS]


async def events_on_invalid_root(sim, session, world):
    """Whitepaper: an invalid Central System root gives InvalidCentralSystemCertificate."""
    expired = Authority.new(expired=True).pem
    status = await _install(session, "CentralSystemRootCertificate", expired)
    await _settle()
    return status, _event_types(session)


async def csr_common_name(sim, session, world):
    return csr_subject(await _csr(session))["commonName"]


async def foreign_chain_status(sim, session, world):
    await _csr(session)
    other = certificates.csr(certificates.new_key(), sim.identity, "chargecheck CPO")
    chain = Authority.new().sign_csr(other)
    payload = {"certificateChain": chain}
    return (await session.call("CertificateSigned", payload, WAIT))["status"]


async def manufacturer_ids(sim, session, world):
    await _install(session, "CentralSystemRootCertificate", Authority.new("Central").pem)
    payload = {"certificateType": "ManufacturerRootCertificate"}
    return (await session.call("GetInstalledCertificateIds", payload, WAIT))["status"]


async def delete_unknown(sim, session, world):
    data = certificates.hash_data(Authority.new().pem)
    payload = {"certificateHashData": data}
    return (await session.call("DeleteCertificate", payload, WAIT))["status"]


async def downgrade(sim, session, world):
    payload = {"key": "SecurityProfile", "value": "0"}
    return (await session.call("ChangeConfiguration", payload, WAIT))["status"]


async def tampered_firmware(sim, session, world):
    ca = Authority.new("Manufacturer")
    await _install(session, "ManufacturerRootCertificate", ca.pem)
    key, signer = ca.firmware_signer()
    image = firmware_image("9.9.9")
    name = f"{sim.identity}-signed.bin"
    (world.ftp_root / name).write_bytes(image + b"tampered")
    request = {
        "requestId": 5,
        "firmware": {
            "location": world.ftp_location + name,
            "retrieveDateTime": utc_iso(datetime.now(UTC)),
            "signingCertificate": signer,
            "signature": sign_file(key, image),
        },
    }
    await session.call("SignedUpdateFirmware", request, WAIT)
    await session.expect(
        "SignedFirmwareStatusNotification",
        lambda p: p["status"] in ("InvalidSignature", "Installed"),
        WAIT * 2,
    )
    return [m.payload["status"] for m in session.received("SignedFirmwareStatusNotification")][-1]


async def log_request_ids(sim, session, world):
    payload = {
        "logType": "SecurityLog",
        "requestId": 9,
        "log": {"remoteLocation": world.ftp_location},
    }
    await session.call("GetLog", payload, WAIT)
    await session.expect("LogStatusNotification", lambda p: p["status"] == "Uploaded", WAIT)
    return [m.payload.get("requestId") for m in session.received("LogStatusNotification")]


# defect -> (scenario, what a correct station shows, what the defective one shows, config)
SECURITY_CASES: dict[str, tuple[Any, Any, Any, dict[str, str]]] = {
    "no_security_events": (
        events_on_invalid_root,
        ("Rejected", ["InvalidCentralSystemCertificate"]),
        ("Rejected", []),
        {},
    ),
    "accepts_invalid_root": (
        events_on_invalid_root,
        ("Rejected", ["InvalidCentralSystemCertificate"]),
        ("Accepted", []),
        {},
    ),
    "csr_wrong_common_name": (csr_common_name, "GOOD", "not-BAD", {}),
    "accepts_any_client_certificate": (foreign_chain_status, "Rejected", "Accepted", {}),
    "installed_ids_ignore_type": (manufacturer_ids, "NotFound", "Accepted", {}),
    "delete_unknown_certificate_accepted": (delete_unknown, "NotFound", "Accepted", {}),
    "security_profile_downgrade_accepted": (
        downgrade,
        "Rejected",
        "Accepted",
        {"SecurityProfile": "1"},
    ),
    "installs_invalid_signature": (tampered_firmware, "InvalidSignature", "Installed", {}),
    "log_status_without_request_id": (log_request_ids, [9, 9], [None, None], {}),
}

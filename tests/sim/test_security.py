"""The simulator as a secure charger (OCPP 1.6 security whitepaper, edition 3), against
chargecheck's Central System over real sockets on 127.0.0.1: its keys, CSR and
certificate, the certificate store, security events, signed firmware, GetLog, and the
SecurityProfile / AuthorizationKey rules; and the variant no_security_extension."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chargecheck.clock import utc_iso
from chargecheck.csms.errors import CallErrorReceived
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.sim import certificates

from .conftest import WAIT
from .security_pki import Authority, csr_subject, sign_file


def events(session: Any) -> list[str]:
    return [m.payload["type"] for m in session.received("SecurityEventNotification")]


async def sign_certificate(session: Any) -> str:
    answer = await session.call(
        "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}, WAIT
    )
    assert answer["status"] == "Accepted"
    request = await session.expect("SignCertificate", timeout=WAIT)
    return str(request.payload["csr"])


async def test_get_configuration_reports_the_security_keys_and_never_the_authorization_key(
    bench,
):
    _sim, session = await bench.start("CP1")
    answer = await session.call("GetConfiguration", {}, WAIT)
    keys = {e["key"]: e for e in answer["configurationKey"]}
    assert keys["SecurityProfile"]["value"] == "0"
    assert keys["CpoName"]["value"] == "chargecheck CPO"
    assert "value" not in keys["AuthorizationKey"]
    result = await session.call(
        "ChangeConfiguration", {"key": "AuthorizationKey", "value": "0123456789abcdef"}, WAIT
    )
    assert result["status"] == "Accepted"
    await session.wait_disconnected(WAIT)  # it reconnects with the new password
    await session.wait_connected(WAIT)
    again = await session.call("GetConfiguration", {"key": ["AuthorizationKey"]}, WAIT)
    assert "value" not in again["configurationKey"][0]
    # ReconfigurationOfSecurityParameters is not critical (the whitepaper's list "Security
    # Events"): in the security log, not told. A Heartbeat asked now follows anything queued.
    assert "ReconfigurationOfSecurityParameters" in _sim._model.security_log_file().decode()
    cursor = session.mark()
    await session.call("TriggerMessage", {"requestedMessage": "Heartbeat"}, WAIT)
    await session.expect("Heartbeat", timeout=WAIT, cursor=cursor)
    assert "ReconfigurationOfSecurityParameters" not in events(session)


async def test_a_too_short_authorization_key_is_rejected(bench):
    _sim, session = await bench.start("CP1")
    result = await session.call(
        "ChangeConfiguration", {"key": "AuthorizationKey", "value": "short"}, WAIT
    )
    assert result["status"] == "Rejected"


async def test_certificate_renewal_gives_a_csr_and_takes_the_signed_chain(bench):
    sim, session = await bench.start("CP1")
    csr = await sign_certificate(session)
    assert csr_subject(csr) == {"commonName": "CP1", "organizationName": "chargecheck CPO"}
    ca = Authority.new()
    chain = ca.sign_csr(csr)
    answer = await session.call("CertificateSigned", {"certificateChain": chain}, WAIT)
    assert answer["status"] == "Accepted"
    assert sim._model.client_chain == chain


async def test_a_chain_for_another_key_is_rejected_with_a_security_event(bench):
    _sim, session = await bench.start("CP1")
    await sign_certificate(session)
    other = certificates.csr(certificates.new_key(), "CP1", "chargecheck CPO")
    chain = Authority.new().sign_csr(other)
    cursor = session.mark()
    answer = await session.call("CertificateSigned", {"certificateChain": chain}, WAIT)
    assert answer["status"] == "Rejected"
    event = await session.expect("SecurityEventNotification", timeout=WAIT, cursor=cursor)
    assert event.payload["type"] == "InvalidChargePointCertificate"


async def test_install_list_and_delete_certificates_per_type(bench):
    _sim, session = await bench.start("CP1")
    manufacturer, central = Authority.new("Manufacturer"), Authority.new("Central")
    for kind, ca in (
        ("ManufacturerRootCertificate", manufacturer),
        ("CentralSystemRootCertificate", central),
    ):
        answer = await session.call(
            "InstallCertificate", {"certificateType": kind, "certificate": ca.pem}, WAIT
        )
        assert answer["status"] == "Accepted"
    ids = await session.call(
        "GetInstalledCertificateIds", {"certificateType": "ManufacturerRootCertificate"}, WAIT
    )
    assert ids["status"] == "Accepted"
    assert ids["certificateHashData"] == [certificates.hash_data(manufacturer.pem)]
    data = certificates.hash_data(manufacturer.pem)
    deleted = await session.call("DeleteCertificate", {"certificateHashData": data}, WAIT)
    assert deleted["status"] == "Accepted"
    again = await session.call("DeleteCertificate", {"certificateHashData": data}, WAIT)
    assert again["status"] == "NotFound"
    none = await session.call(
        "GetInstalledCertificateIds", {"certificateType": "ManufacturerRootCertificate"}, WAIT
    )
    assert none == {"status": "NotFound"}


async def test_an_expired_central_system_root_is_rejected_with_a_security_event(bench):
    _sim, session = await bench.start("CP1")
    expired = Authority.new(expired=True)
    cursor = session.mark()
    answer = await session.call(
        "InstallCertificate",
        {"certificateType": "CentralSystemRootCertificate", "certificate": expired.pem},
        WAIT,
    )
    assert answer["status"] == "Rejected"
    event = await session.expect("SecurityEventNotification", timeout=WAIT, cursor=cursor)
    assert event.payload["type"] == "InvalidCentralSystemCertificate"


async def test_a_full_certificate_store_answers_failed(bench):
    _sim, session = await bench.start("CP1")
    statuses = []
    for i in range(11):  # CertificateStoreMaxLength 10
        answer = await session.call(
            "InstallCertificate",
            {
                "certificateType": "ManufacturerRootCertificate",
                "certificate": Authority.new(f"R{i}").pem,
            },
            WAIT,
        )
        statuses.append(answer["status"])
    assert statuses == ["Accepted"] * 10 + ["Failed"]


async def test_a_security_profile_downgrade_is_rejected(bench):
    _sim, session = await bench.start("CP1", config={"SecurityProfile": "1"})
    lower = await session.call(
        "ChangeConfiguration", {"key": "SecurityProfile", "value": "0"}, WAIT
    )
    assert lower["status"] == "Rejected"
    tls = await session.call("ChangeConfiguration", {"key": "SecurityProfile", "value": "2"}, WAIT)
    assert tls["status"] == "Rejected"  # no CentralSystemRootCertificate installed


async def test_get_log_uploads_the_security_log_with_its_request_id(bench, ftp):
    location, root = ftp
    _sim, session = await bench.start("CP1")
    await session.call(
        "InstallCertificate",
        {
            "certificateType": "CentralSystemRootCertificate",
            "certificate": Authority.new(expired=True).pem,
        },
        WAIT,
    )
    answer = await session.call(
        "GetLog",
        {"logType": "SecurityLog", "requestId": 7, "log": {"remoteLocation": location}},
        WAIT,
    )
    assert answer["status"] == "Accepted"
    await session.expect("LogStatusNotification", lambda p: p["status"] == "Uploaded", WAIT)
    statuses = [
        (m.payload["status"], m.payload.get("requestId"))
        for m in session.received("LogStatusNotification")
    ]
    assert statuses == [("Uploading", 7), ("Uploaded", 7)]
    text = (root / answer["filename"]).read_text()
    assert "InvalidCentralSystemCertificate" in text


async def signed_update(session: Any, http_files: Any, *, tamper: bool) -> list[str]:
    ca = Authority.new("Manufacturer")
    await session.call(
        "InstallCertificate",
        {"certificateType": "ManufacturerRootCertificate", "certificate": ca.pem},
        WAIT,
    )
    key, signer = ca.firmware_signer()
    image = firmware_image("9.9.9")
    http_files.files["/fw.bin"] = image + (b"tampered" if tamper else b"")
    request = {
        "requestId": 3,
        "firmware": {
            "location": http_files.url("/fw.bin"),
            "retrieveDateTime": utc_iso(datetime.now(UTC)),
            "signingCertificate": signer,
            "signature": sign_file(key, image),
        },
    }
    answer = await session.call("SignedUpdateFirmware", request, WAIT)
    assert answer["status"] == "Accepted"
    last = "InvalidSignature" if tamper else "Installed"
    await session.expect(
        "SignedFirmwareStatusNotification", lambda p: p["status"] == last, WAIT * 2
    )
    found = session.received("SignedFirmwareStatusNotification")
    assert {m.payload["requestId"] for m in found} == {3}
    return [m.payload["status"] for m in found]


async def test_signed_firmware_installs_after_its_signature_is_verified(bench, http_files):
    _sim, session = await bench.start("CP1")
    statuses = await signed_update(session, http_files, tamper=False)
    assert statuses == ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]
    await session.expect("BootNotification", lambda p: p["firmwareVersion"] == "9.9.9", WAIT * 2)
    assert "FirmwareUpdated" in events(session)


async def test_firmware_with_an_invalid_signature_is_not_installed(bench, http_files):
    sim, session = await bench.start("CP1")
    statuses = await signed_update(session, http_files, tamper=True)
    assert statuses == ["Downloading", "Downloaded", "InvalidSignature"]
    await session.expect(
        "SecurityEventNotification", lambda p: p["type"] == "InvalidFirmwareSignature", WAIT
    )
    assert sim.firmware_version != "9.9.9"


async def test_without_the_extension_the_keys_are_absent_and_its_calls_not_supported(bench):
    _sim, session = await bench.start("CP1", variants={"no_security_extension"})
    answer = await session.call("GetConfiguration", {"key": ["SecurityProfile"]}, WAIT)
    assert answer["unknownKey"] == ["SecurityProfile"]
    with pytest.raises(CallErrorReceived) as caught:
        await session.call(
            "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}, WAIT
        )
    assert "NotSupported" in str(caught.value)

"""The security extension in the station model alone, sans I/O (``chargecheck.sim.security``
and ``security_calls``): the branches the socket tests do not reach, by plain calls on a
station joined to an in-memory Central System, its clock at the real time (certificates
are valid now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chargecheck.protocol.frames import Call, encode_frame
from chargecheck.sim import certificates
from chargecheck.sim.actions import CloseConnection, Download, Upload
from chargecheck.sim.station import Station
from chargecheck.sim.station_clock import Now

from .security_pki import Authority
from .test_station_model import Pair

START = datetime.now(UTC)
CENTRAL, MANUFACTURER = "CentralSystemRootCertificate", "ManufacturerRootCertificate"


class SecurePair(Pair):
    """``Pair`` at today's date; it records what the shell would do with transfers."""

    def __init__(self, path: Path, **settings: Any) -> None:
        self.closed: list[str] = []
        self.transfers: list[Download | Upload] = []
        super().__init__(path, **settings)

    def now(self) -> Now:
        return Now(self.t, START + timedelta(seconds=self.t))

    def perform(self, action: Any) -> None:
        if isinstance(action, CloseConnection):
            self.closed.append(action.reason)
        elif isinstance(action, Download | Upload):
            self.transfers.append(action)
        else:
            super().perform(action)

    def finish(self, data: bytes | None, error: str | None = None) -> None:
        job = self.transfers.pop().job
        self.step(self.station.transfer_done, job, data, error)


def booted(tmp_path: Path, **settings: Any) -> SecurePair:
    pair = SecurePair(tmp_path / "station.sqlite", **settings)
    pair.connect()
    return pair


def install(pair: Pair, kind: str, pem: str) -> str:
    answer = pair.call("InstallCertificate", {"certificateType": kind, "certificate": pem})
    return str(answer["status"])


def change(pair: Pair, key: str, value: str) -> str:
    return str(pair.call("ChangeConfiguration", {"key": key, "value": value})["status"])


def test_the_last_central_system_root_cannot_be_deleted_on_tls(tmp_path):
    pair = booted(tmp_path)
    ca = Authority.new()
    assert install(pair, CENTRAL, ca.pem) == "Accepted"
    assert install(pair, CENTRAL, ca.pem) == "Accepted"  # already there: still one
    assert len(pair.station.installed(CENTRAL)) == 1
    assert change(pair, "SecurityProfile", "2") == "Accepted"
    assert pair.closed  # it reconnects on the new profile
    data = certificates.hash_data(ca.pem)
    assert pair.call("DeleteCertificate", {"certificateHashData": data})["status"] == "Failed"


def test_an_invalid_manufacturer_root_is_rejected_without_a_central_system_event(tmp_path):
    pair = booted(tmp_path)
    told = len(pair.sent("SecurityEventNotification"))  # StartupOfTheDevice
    assert install(pair, MANUFACTURER, Authority.new(expired=True).pem) == "Rejected"
    assert len(pair.sent("SecurityEventNotification")) == told


def test_security_profile_values_outside_0_to_3_or_not_numbers_are_rejected(tmp_path):
    pair = booted(tmp_path)
    assert change(pair, "SecurityProfile", "4") == "Rejected"
    assert change(pair, "SecurityProfile", "two") == "Rejected"
    assert change(pair, "SecurityProfile", "0") == "Accepted"  # the same: no reconnection
    assert pair.closed == []


def test_a_chain_longer_than_certificate_signed_max_chain_size_is_rejected(tmp_path):
    pair = booted(tmp_path)
    pair.call("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})
    csr = pair.sent("SignCertificate")[-1]["csr"]
    chain = Authority.new().sign_csr(csr)
    # A station with less room than the schema's 10000 characters (a read-only key).
    pair.station.config.set_internal("CertificateSignedMaxChainSize", str(len(chain) - 1))
    answer = pair.call("CertificateSigned", {"certificateChain": chain})
    assert answer["status"] == "Rejected"
    event = pair.sent("SecurityEventNotification")[-1]
    assert event["type"] == "InvalidChargePointCertificate"
    assert f"more than {len(chain) - 1}" in event["techInfo"]


def test_extended_trigger_message_asks_the_new_and_the_old_messages(tmp_path):
    pair = booted(tmp_path)
    trigger = "ExtendedTriggerMessage"
    assert pair.call(trigger, {"requestedMessage": "Heartbeat", "connectorId": 9}) == {
        "status": "Rejected"
    }
    for what in ("LogStatusNotification", "FirmwareStatusNotification", "Heartbeat"):
        assert pair.call(trigger, {"requestedMessage": what})["status"] == "Accepted"
    assert pair.sent("LogStatusNotification") == [{"status": "Idle"}]
    assert pair.sent("SignedFirmwareStatusNotification") == [{"status": "Idle"}]
    assert pair.sent("Heartbeat")


def test_a_triggered_log_status_during_an_upload_carries_the_request_id(tmp_path):
    pair = booted(tmp_path)
    payload = {"logType": "DiagnosticsLog", "requestId": 4, "log": {"remoteLocation": "ftp://x/"}}
    answer = pair.call("GetLog", payload)
    assert answer["status"] == "Accepted" and "diagnostics" in answer["filename"]
    pair.call("ExtendedTriggerMessage", {"requestedMessage": "LogStatusNotification"})
    assert pair.sent("LogStatusNotification")[-1] == {"status": "Uploading", "requestId": 4}
    pair.finish(None, "refused")
    pair.advance(60)
    pair.finish(None, "refused")
    pair.advance(60)
    pair.finish(None, "refused")
    assert pair.sent("LogStatusNotification")[-1] == {"status": "UploadFailure", "requestId": 4}


def signed_request(signer: str, signature: str, when: str) -> dict[str, Any]:
    return {
        "requestId": 2,
        "firmware": {
            "location": "http://x/fw.bin",
            "retrieveDateTime": when,
            "signingCertificate": signer,
            "signature": signature,
        },
    }


def test_signed_firmware_from_an_unknown_signer_is_answered_invalid_certificate(tmp_path):
    pair = booted(tmp_path)
    _, signer = Authority.new("Someone").firmware_signer()
    answer = pair.call("SignedUpdateFirmware", signed_request(signer, "AAAA", pair.now().text))
    assert answer == {"status": "InvalidCertificate"}
    assert pair.transfers == [] and pair.sent("SignedFirmwareStatusNotification") == []
    event = pair.sent("SecurityEventNotification")[-1]
    assert event["type"] == "InvalidFirmwareSigningCertificate"


def test_a_root_deleted_before_the_download_fails_the_verification(tmp_path):
    pair = booted(tmp_path)
    ca = Authority.new("Manufacturer")
    install(pair, MANUFACTURER, ca.pem)
    _, signer = ca.firmware_signer()
    request = signed_request(signer, "AAAA", pair.now().text)
    assert pair.call("SignedUpdateFirmware", request) == {"status": "Accepted"}
    pair.advance(1)
    pair.call("ExtendedTriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
    assert pair.sent("SignedFirmwareStatusNotification")[-1] == {
        "status": "Downloading",
        "requestId": 2,
    }
    data = certificates.hash_data(ca.pem)
    assert pair.call("DeleteCertificate", {"certificateHashData": data})["status"] == "Accepted"
    pair.finish(b"image")
    statuses = [p["status"] for p in pair.sent("SignedFirmwareStatusNotification")]
    assert statuses[-1] == "InstallVerificationFailed"
    event = pair.sent("SecurityEventNotification")[-1]
    assert event["type"] == "InvalidFirmwareSigningCertificate"


def test_the_security_log_keeps_the_events_in_order(tmp_path):
    pair = booted(tmp_path)
    install(pair, CENTRAL, Authority.new(expired=True).pem)
    change(pair, "AuthorizationKey", "0123456789abcdef0123")
    station: Station = pair.station
    text = station.security_log_file().decode()
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert [line.split()[1] for line in lines] == [
        "StartupOfTheDevice",
        "InvalidCentralSystemCertificate",
        "ReconfigurationOfSecurityParameters",
    ]


def test_security_events_wait_for_the_connection(tmp_path):
    pair = booted(tmp_path)
    told = len(pair.sent("SecurityEventNotification"))  # StartupOfTheDevice
    pair.disconnect()
    pair.step(pair.station.security_event, "TamperDetectionActivated", "")
    assert len(pair.sent("SecurityEventNotification")) == told
    pair.connect()
    assert pair.sent("SecurityEventNotification")[-1]["type"] == "TamperDetectionActivated"


def test_without_the_extension_nothing_is_told_and_the_calls_are_not_supported(tmp_path):
    pair = booted(tmp_path, variants={"no_security_extension"})
    pair.step(pair.station.security_event, "TamperDetectionActivated", "")
    assert pair.sent("SecurityEventNotification") == []
    results = len(pair.results)
    pair.station.receive(
        encode_frame(Call("x", "GetInstalledCertificateIds", {"certificateType": CENTRAL})),
        pair.now(),
    )
    frames = pair.station.take_actions()
    assert len(pair.results) == results
    assert "NotSupported" in frames[0].text  # type: ignore[union-attr]

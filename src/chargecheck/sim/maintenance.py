"""Firmware updates and diagnostics uploads of the station model.

UpdateFirmware (OCPP 1.6 section 5.19, FirmwareStatusNotification 4.5): at retrieveDate
the station downloads the file for real (``Download`` action) and reports Downloading,
Downloaded, Installing, Installed; then it reboots as soon as no transaction runs and
boots with the new firmwareVersion (with the security extension: the security event
FirmwareUpdated at Installed, ResetOrReboot after the reboot). A try that cannot fetch the
file, or fetches an empty one, is a failed download: after ``retries`` tries
(FirmwareDownloadRetries when absent) ``retryInterval`` seconds apart (60 when absent) the
station reports DownloadFailed. What installs, and the version it gives, is
``chargecheck.sim.firmware``'s rule: any file by default, InstallationFailed for a file
without a manifest when the charger profile has ``firmware_check = "manifest"``.

GetDiagnostics (section 5.9, DiagnosticsStatusNotification 4.4): the station writes its
own log of the asked time window into a file, answers with the file name and uploads it
for real (``Upload`` action), reporting Uploading then Uploaded or UploadFailed.

The security extension's SignedUpdateFirmware and GetLog (security whitepaper, edition 3)
run the same jobs with a requestId: SignedFirmwareStatusNotification (with SignatureVerified
after Downloaded, or InvalidSignature and the security event InvalidFirmwareSignature:
nothing installs) and LogStatusNotification (UploadFailure for UploadFailed) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.sim.actions import Download, Upload
from chargecheck.sim.certificates import firmware_problem
from chargecheck.sim.firmware import FirmwareFormatError, firmware_check, installed_version
from chargecheck.sim.security import Security

INSTALL_SECONDS = 5.0  # how long installing a firmware image takes, station time
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Transfer:
    """A firmware download or a diagnostics upload in progress."""

    location: str
    tries: int  # how many times the transfer may be tried in all
    retry_interval: float
    attempt: int = 0
    job: int = 0
    file_name: str = ""
    data: bytes = b""
    request_id: int | None = None  # SignedUpdateFirmware / GetLog
    signing_certificate: str = ""
    signature: str = ""


class Maintenance(Security):
    firmware_job: Transfer | None = None
    firmware_status = "Idle"
    diagnostics_job: Transfer | None = None
    firmware_request: int | None = None  # requestId of the last SignedUpdateFirmware
    log_request: int | None = None  # requestId of the last GetLog
    _jobs = 0
    reboot_request: tuple[str, bool] | None = None  # (reason, after_reset)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at power-on, so that a profile naming an unknown check fails at once.
        self.firmware_check = firmware_check(self.settings.profile)

    # -- UpdateFirmware ------------------------------------------------------------------

    def update_firmware(
        self, location: str, retrieve: datetime, retries: int | None, interval: int | None
    ) -> None:
        tries = max(
            1, retries if retries is not None else self.cfg_int("FirmwareDownloadRetries", 3)
        )
        self.firmware_job = Transfer(location, tries, _retry_interval(interval))
        self.firmware_request = None
        self.set_timer("firmware", self.seconds_until(retrieve))
        self.log(f"firmware update from {location} at {utc_iso(retrieve)}")

    def signed_update_firmware(
        self,
        request_id: int,
        location: str,
        retrieve: datetime,
        signing_certificate: str,
        signature: str,
        retries: int | None,
        interval: int | None,
    ) -> None:
        self.update_firmware(location, retrieve, retries, interval)
        job = self.firmware_job
        assert job is not None
        job.request_id, self.firmware_request = request_id, request_id
        job.signing_certificate, job.signature = signing_certificate, signature

    def start_download(self) -> None:
        job = self.firmware_job
        if job is None:
            return
        job.attempt += 1
        job.job = self._next_job()
        self.notify_firmware("Downloading")
        self.actions.append(Download(job.job, job.location))

    def firmware_downloaded(self, data: bytes | None, error: str | None) -> None:
        job = self.firmware_job
        assert job is not None
        if data is not None and not data:
            data, error = None, "the file is empty"  # nothing to install: no download
        if data is None:
            self.log(f"firmware download try {job.attempt}/{job.tries} failed: {error}")
            if job.attempt < job.tries:
                self.set_timer("firmware", job.retry_interval)
            else:
                self.firmware_job = None
                self.notify_firmware("DownloadFailed")
            return
        self.notify_firmware("Downloaded")
        if "firmware_stops_at_downloaded" in self.defects:
            self.firmware_job = None
            return
        if job.request_id is not None and not self._signature_verified(job, data):
            self.firmware_job = None
            return
        job.data = data
        if job.request_id is None or "signed_update_no_installing" not in self.variants:
            self.notify_firmware("Installing")
        self.set_timer("install", INSTALL_SECONDS)

    def install_firmware(self) -> None:
        job = self.firmware_job
        if job is None:
            return
        self.firmware_job = None
        try:
            version = installed_version(job.data, self.firmware_version, self.firmware_check)
        except FirmwareFormatError as exc:
            self.log(f"firmware installation failed: {exc}")
            lie = "firmware_installs_damaged_image" in self.defects  # nothing installed
            self.notify_firmware("Installed" if lie else "InstallationFailed")
            return
        self.store.put("firmwareVersion", version)
        self.log(f"firmware {version} installed; reboot when no transaction runs")
        self.notify_firmware("Installed")
        self.reboot_request = self.reboot_request or ("firmware", False)
        # Whitepaper list "Security Events": FirmwareUpdated, critical, whichever request
        # (UpdateFirmware or SignedUpdateFirmware) brought the image.
        self.security_event("FirmwareUpdated", f"firmware {version}")

    def _signature_verified(self, job: Transfer, data: bytes) -> bool:
        """Whitepaper A05: the signing certificate against the installed
        ManufacturerRootCertificates, then the signature over the file; a failure is
        reported and logged as the security event InvalidFirmwareSignature."""
        roots = self.installed("ManufacturerRootCertificate")
        problem = firmware_problem(
            job.signing_certificate, job.signature, data, roots, self.now.utc
        )
        if problem is None or "installs_invalid_signature" in self.defects:
            self.notify_firmware("SignatureVerified")
            return True
        self.log(f"signed firmware refused: {problem}")
        if problem == "InvalidSignature":
            self.notify_firmware(problem)
            self.security_event("InvalidFirmwareSignature", problem)
        else:  # its root was deleted, or it expired, since the request was Accepted
            self.notify_firmware("InstallVerificationFailed")
            self.security_event("InvalidFirmwareSigningCertificate", problem)
        return False

    def notify_firmware(self, status: str) -> None:
        self.firmware_status = status
        if not self.may_report:
            return
        if self.firmware_request is None:
            self.link.submit("FirmwareStatusNotification", {"status": status})
        else:
            payload = {"status": status, "requestId": self.firmware_request}
            self.link.submit("SignedFirmwareStatusNotification", payload)

    def send_signed_firmware_status(self) -> None:
        """ExtendedTriggerMessage(FirmwareStatusNotification): the requestId only while
        an update runs (whitepaper: "Idle ... requestId SHALL NOT be present")."""
        running = self.firmware_job is not None
        payload: dict[str, Any] = {"status": self.firmware_status if running else "Idle"}
        if running and self.firmware_request is not None:
            payload["requestId"] = self.firmware_request
        self.link.submit("SignedFirmwareStatusNotification", payload)

    def triggered_firmware_status(self) -> str:
        # Section 4.5: Idle only in a triggered notification, when nothing is going on.
        return self.firmware_status if self.firmware_job is not None else "Idle"

    # -- GetDiagnostics ------------------------------------------------------------------

    def get_diagnostics(
        self,
        location: str,
        start: datetime | None,
        stop: datetime | None,
        retries: int | None,
        interval: int | None,
    ) -> str:
        """Build the file; return its name (GetDiagnostics.conf fileName)."""
        stamp = self.now.utc.strftime("%Y%m%dT%H%M%SZ")
        name = f"{_UNSAFE.sub('_', self.settings.identity)}-diagnostics-{stamp}.log"
        tries = max(
            1, retries if retries is not None else self.cfg_int("DiagnosticsUploadRetries", 3)
        )
        job = Transfer(location, tries, _retry_interval(interval), file_name=name)
        job.data = self.diagnostics_file(start, stop)
        self.diagnostics_job = job
        self.log_request = None
        return name

    def get_log(
        self,
        log_type: str,
        request_id: int,
        location: str,
        start: datetime | None,
        stop: datetime | None,
        retries: int | None,
        interval: int | None,
    ) -> str:
        """GetLog: build the file (the security log or the diagnostics log); its name."""
        self.get_diagnostics(location, start, stop, retries, interval)
        job = self.diagnostics_job
        assert job is not None
        job.file_name = self.log_file_name(log_type)
        if log_type == "SecurityLog":
            job.data = self.security_log_file()
        job.request_id, self.log_request = request_id, request_id
        return job.file_name

    def diagnostics_file(self, start: datetime | None, stop: datetime | None) -> bytes:
        first = utc_iso(start) if start else None
        last = utc_iso(stop) if stop else None
        lines = [
            "chargecheck simulated charge station: diagnostics",
            f"station: {self.settings.identity}",
            "identity: " + ", ".join(f"{k}={v}" for k, v in self.boot_payload().items()),
            f"window: {first or 'beginning'} .. {last or 'now'}",
            f"written: {self.now.text}",
            "",
        ]
        lines += [f"{utc} {text}" for utc, text in self.store.log_between(first, last)]
        return ("\n".join(lines) + "\n").encode()

    def start_upload(self) -> None:
        job = self.diagnostics_job
        if job is None:
            return
        job.attempt += 1
        job.job = self._next_job()
        self.notify_diagnostics("Uploading")
        if "diagnostics_never_uploaded" in self.defects:
            self.diagnostics_job = None
            self.notify_diagnostics("Uploaded")
            return
        self.actions.append(Upload(job.job, job.location, job.file_name, job.data))

    def diagnostics_uploaded(self, error: str | None) -> None:
        job = self.diagnostics_job
        assert job is not None
        if error is None:
            self.diagnostics_job = None
            self.notify_diagnostics("Uploaded")
            return
        self.log(f"diagnostics upload try {job.attempt}/{job.tries} failed: {error}")
        if job.attempt < job.tries:
            self.set_timer("diagnostics", job.retry_interval)
        else:
            self.diagnostics_job = None
            hidden = "diagnostics_upload_failure_hidden" in self.defects
            self.notify_diagnostics("Uploaded" if hidden else "UploadFailed")

    def notify_diagnostics(self, status: str) -> None:
        if not self.may_report:
            return
        if self.log_request is None:
            self.link.submit("DiagnosticsStatusNotification", {"status": status})
            return
        # UploadStatusEnumType of the whitepaper names the failure UploadFailure.
        payload: dict[str, Any] = {
            "status": "UploadFailure" if status == "UploadFailed" else status,
            "requestId": self.log_request,
        }
        if "log_status_without_request_id" in self.defects:
            del payload["requestId"]
        self.link.submit("LogStatusNotification", payload)

    def send_log_status(self) -> None:
        """ExtendedTriggerMessage(LogStatusNotification): Uploading with the requestId
        while an upload runs, else Idle (no requestId)."""
        payload: dict[str, Any] = {"status": self.triggered_diagnostics_status()}
        if self.diagnostics_job is not None and self.log_request is not None:
            payload["requestId"] = self.log_request
        self.link.submit("LogStatusNotification", payload)

    def triggered_diagnostics_status(self) -> str:
        return "Uploading" if self.diagnostics_job is not None else "Idle"

    # -- transfers -----------------------------------------------------------------------

    def transfer_done(self, job: int, data: bytes | None, error: str | None) -> None:
        """A ``Download`` or ``Upload`` finished: ``error`` is None on success."""
        if self.firmware_job is not None and self.firmware_job.job == job:
            self.firmware_downloaded(data if error is None else None, error)
        elif self.diagnostics_job is not None and self.diagnostics_job.job == job:
            self.diagnostics_uploaded(error)

    def _next_job(self) -> int:
        self._jobs += 1
        return self._jobs


def _retry_interval(interval: int | None) -> float:
    """retryInterval of UpdateFirmware / GetDiagnostics: 0 means at once, absent 60 s."""
    return 60.0 if interval is None else float(max(0, interval))

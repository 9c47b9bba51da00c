"""Firmware updates and diagnostics uploads of the station model.

UpdateFirmware (OCPP 1.6 section 5.19, FirmwareStatusNotification 4.5): at retrieveDate
the station downloads the file for real (``Download`` action) and reports Downloading,
Downloaded, Installing, Installed; then it reboots as soon as no transaction runs and
boots with the new firmwareVersion. A try that cannot fetch the file, or fetches an
empty one, is a failed download: after ``retries`` tries (FirmwareDownloadRetries when
absent) ``retryInterval`` seconds apart (60 when absent) the station reports
DownloadFailed. What installs, and the version it gives, is ``chargecheck.sim.firmware``'s
rule: any file by default, InstallationFailed for a file without a manifest when the
charger profile has ``firmware_check = "manifest"``.

GetDiagnostics (section 5.9, DiagnosticsStatusNotification 4.4): the station writes its
own log of the asked time window into a file, answers with the file name and uploads it
for real (``Upload`` action), reporting Uploading then Uploaded or UploadFailed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.sim.actions import Download, Upload
from chargecheck.sim.core import StationCore
from chargecheck.sim.firmware import FirmwareFormatError, firmware_check, installed_version

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


class Maintenance(StationCore):
    firmware_job: Transfer | None = None
    firmware_status = "Idle"
    diagnostics_job: Transfer | None = None
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
        self.set_timer("firmware", self.seconds_until(retrieve))
        self.log(f"firmware update from {location} at {utc_iso(retrieve)}")

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
        job.data = data
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

    def notify_firmware(self, status: str) -> None:
        self.firmware_status = status
        if self.may_report:
            self.link.submit("FirmwareStatusNotification", {"status": status})

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
        return name

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
        if self.may_report:
            self.link.submit("DiagnosticsStatusNotification", {"status": status})

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

"""Embedded file services: FTP (diagnostics upload, firmware) and HTTP (firmware).

``FileServices`` runs both servers for one run, sandboxed to the run's own directory;
``firmware_image`` / ``firmware_version`` define the firmware format the simulator reads.
"""

from chargecheck.files.errors import FileServiceError, FileWaitTimeout
from chargecheck.files.events import (
    KINDS,
    DownloadedFile,
    EventLog,
    FileEvent,
    OnEvent,
    UploadedFile,
    journal_sink,
)
from chargecheck.files.paths import redact_url
from chargecheck.files.services import FileServices, MiB
from chargecheck.protocol.firmware_image import firmware_image, firmware_version

__all__ = [
    "KINDS",
    "DownloadedFile",
    "EventLog",
    "FileEvent",
    "FileServiceError",
    "FileServices",
    "FileWaitTimeout",
    "MiB",
    "OnEvent",
    "UploadedFile",
    "firmware_image",
    "firmware_version",
    "journal_sink",
    "redact_url",
]

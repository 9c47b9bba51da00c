"""Embedded file services: FTP (diagnostics upload, firmware) and HTTP (firmware).

``FileServices`` runs both servers for one run, sandboxed to the run's own directory;
``StationFiles`` (``FileServices.for_station``) gives one station URLs naming the
address it reached the bench at (``addresses``);
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
from chargecheck.files.services import FileServices, MiB, StationFiles
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
    "StationFiles",
    "UploadedFile",
    "firmware_image",
    "firmware_version",
    "journal_sink",
    "redact_url",
]

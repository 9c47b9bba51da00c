"""Errors of the embedded file services::

ChargecheckError
├── FileServiceError           the bench used the file services wrongly (ERROR)
└── FileWaitTimeout            the station made no matching transfer in time (FAIL)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chargecheck.protocol.errors import ChargecheckError

if TYPE_CHECKING:
    from chargecheck.files.events import FileEvent


class FileServiceError(ChargecheckError):
    """Raised for a misuse by the bench: not started, unknown firmware, bad settings."""


class FileWaitTimeout(ChargecheckError, TimeoutError):
    """Raised by ``wait_for_upload`` / ``wait_for_download`` when nothing matched in time.

    ``events`` holds every file event since the wait's starting point, so the message
    (and a verdict) can say what did happen instead: a refused login, a partial upload.
    """

    def __init__(self, what: str, timeout: float, events: list[FileEvent]) -> None:
        seen = "; ".join(event.summary() for event in events[-10:]) or "nothing"
        super().__init__(f"no {what} within {timeout:g} s (file events seen: {seen})")
        self.what = what
        self.timeout = timeout
        self.events = events

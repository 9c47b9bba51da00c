"""Clocks, injected wherever time is read, so tests are exact and demos run fast."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utc_iso(moment: datetime) -> str:
    """OCPP's timestamp form: ISO 8601 UTC with milliseconds and a ``Z``.

    Every journal entry carries one: ``isoformat`` (C) costs a fraction of ``strftime``.
    """
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"  # "+00:00" -> "Z"


class Clock:
    """The real clock: wall time in UTC and a monotonic counter in seconds."""

    def utc(self) -> datetime:
        return datetime.now(UTC)

    def utc_text(self) -> str:
        return utc_iso(self.utc())

    def mono(self) -> float:
        return time.monotonic()

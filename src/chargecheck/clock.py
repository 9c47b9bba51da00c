"""Clocks, injected wherever time is read, so tests are exact and demos run fast."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utc_iso(moment: datetime) -> str:
    """OCPP's timestamp form: ISO 8601 UTC with milliseconds and a ``Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


class Clock:
    """The real clock: wall time in UTC and a monotonic counter in seconds."""

    def utc(self) -> datetime:
        return datetime.now(UTC)

    def utc_text(self) -> str:
        return utc_iso(self.utc())

    def mono(self) -> float:
        return time.monotonic()

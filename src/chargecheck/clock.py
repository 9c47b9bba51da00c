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

    # ``utc_text`` is asked for several times per frame (journal entries, answers) and
    # changes once per millisecond: the text of the current millisecond is kept, and the
    # text up to the second, so a new millisecond costs one small format.
    _text_ms = -1
    _text = ""
    _second = -1
    _second_text = ""  # "YYYY-MM-DDTHH:MM:SS."

    def utc(self) -> datetime:
        return datetime.now(UTC)

    def utc_text(self) -> str:
        if type(self).utc is not Clock.utc:  # a clock that makes up its own time
            return utc_iso(self.utc())
        ms = time.time_ns() // 1_000_000
        if ms == self._text_ms:
            return self._text
        seconds, millis = divmod(ms, 1000)
        if seconds != self._second:
            self._second = seconds
            self._second_text = utc_iso(datetime.fromtimestamp(seconds, UTC))[:-4]
        self._text_ms = ms
        self._text = f"{self._second_text}{millis:03d}Z"
        return self._text

    def mono(self) -> float:
        return time.monotonic()

"""Station time: the clock the station model lives by, ``time_scale`` times faster than
the real one, so that a 60 s MeterValueSampleInterval can take 6 real seconds.

The model only ever sees ``Now`` values (station time); the asyncio shell converts its
deadlines back to real seconds with ``real_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chargecheck.clock import Clock, utc_iso


@dataclass(frozen=True, slots=True)
class Now:
    """One instant of station time: a monotonic reading and the wall clock (UTC)."""

    mono: float
    utc: datetime

    @property
    def text(self) -> str:
        """OCPP's timestamp form of ``utc``."""
        return utc_iso(self.utc)

    def later(self, seconds: float) -> datetime:
        return self.utc + timedelta(seconds=seconds)


class StationClock(Clock):
    """``base`` time sped up by ``time_scale``; starts at the base clock's wall time."""

    def __init__(self, base: Clock | None = None, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {time_scale}")
        self.base = base or Clock()
        self.time_scale = time_scale
        self._real_start = self.base.mono()
        self._utc_start = self.base.utc()

    def mono(self) -> float:
        return (self.base.mono() - self._real_start) * self.time_scale

    def utc(self) -> datetime:
        return self._utc_start + timedelta(seconds=self.mono())

    def now(self) -> Now:
        mono = self.mono()
        return Now(mono, self._utc_start + timedelta(seconds=mono))

    def real_seconds(self, station_seconds: float) -> float:
        """How long ``station_seconds`` of station time last in real time."""
        return station_seconds / self.time_scale

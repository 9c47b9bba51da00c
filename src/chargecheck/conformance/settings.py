"""The knobs of the conformance checks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Tolerances the checks judge by.

    ``call_timeout``: seconds within which the station must answer a CALL of the bench
    (OCPP 1.6 leaves the value to the implementation); also how long the bench assumes
    the station waits for an answer before it may send its next CALL.
    ``clock_tolerance_s``: how far a station timestamp may be from the bench's clock.
    ``heartbeat_tolerance``: fraction of HeartbeatInterval a silence may exceed it by.
    ``meter_interval_tolerance``: fraction of MeterValueSampleInterval (or of the
    ClockAlignedDataInterval grid) a sampled interval may deviate by.
    ``strict``: whether a ``violation`` fails the run.
    """

    call_timeout: float = 30.0
    clock_tolerance_s: float = 10.0
    heartbeat_tolerance: float = 0.25
    meter_interval_tolerance: float = 0.25
    strict: bool = True

    def __post_init__(self) -> None:
        for name in (
            "call_timeout",
            "clock_tolerance_s",
            "heartbeat_tolerance",
            "meter_interval_tolerance",
        ):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"CheckSettings.{name} must not be negative, got {value}")

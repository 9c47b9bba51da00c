"""The three-phase energy meter of one connector (OCPP 1.6 sections 3.17 and 4.7).

The meter integrates the power the connector delivers over station time, so the energy
register only ever grows, and reports the measurands a MeterValues.req or the
transactionData of a StopTransaction.req asks for (MeterValuesSampledData,
StopTxnSampledData). Voltage, current and active power are given per phase (L1..L3) and
as a total (no ``phase``, section 7.30: "the value is the total over all phases"; for the
voltage it is the mean phase-to-neutral voltage).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Phase-to-neutral voltages: close to 230 V and summing to 3 x 230 V, so that a limit in
# amperes (OCPP 1.6 section 3.13.3: W = A x 230 V x phases) and one in watts agree.
PHASE_VOLTAGES = (230.4, 229.5, 230.1)
NOMINAL_VOLTAGE = 230.0
PHASES = 3
FREQUENCY_HZ = 50.0
BODY_TEMPERATURE_C = 24.5
ENERGY = "Energy.Active.Import.Register"
_VOLTAGE_SUM = sum(PHASE_VOLTAGES)


@dataclass
class Meter:
    """Energy register (Wh) and the present current per phase (A)."""

    energy_wh: float = 0.0
    current_a: float = 0.0
    offered_a: float = 0.0
    updated: float | None = None  # station mono of the last integration
    decimals: int = 0  # of the sampled register (variant integer_meter_stop)

    @property
    def power_w(self) -> float:
        return self.current_a * _VOLTAGE_SUM

    @property
    def register_wh(self) -> int:
        """The register as meterStart / meterStop report it (integers, OCPP 1.6 sections
        6.45, 6.49): whole Wh, rounded down, never decreasing."""
        return int(self.energy_wh)

    @property
    def register_text(self) -> str:
        """The register as a sampled value: whole Wh, or rounded down to ``decimals``."""
        if not self.decimals:
            return str(self.register_wh)
        scale = 10**self.decimals
        return f"{math.floor(self.energy_wh * scale) / scale:.{self.decimals}f}"

    def advance(self, mono: float) -> None:
        """Integrate the present power up to ``mono`` (station seconds)."""
        if self.updated is not None and mono > self.updated:
            self.energy_wh += self.power_w * (mono - self.updated) / 3600.0
        self.updated = mono

    def set_current(self, amps: float, offered: float, mono: float) -> None:
        """From ``mono`` on, draw ``amps`` per phase; ``offered`` is what the EVSE allows."""
        self.advance(mono)
        self.current_a = max(0.0, amps)
        self.offered_a = max(0.0, offered)

    def sampled_values(self, measurands: Iterable[str], context: str) -> list[dict[str, Any]]:
        """The sampledValue entries of ``measurands`` (unknown ones are left out)."""
        values: list[dict[str, Any]] = []
        for measurand in measurands:
            build = _MEASURANDS.get(measurand)
            if build is not None:
                for phase, value, unit, location in build(self):
                    entry = {"value": value, "context": context, "measurand": measurand}
                    if phase:
                        entry["phase"] = phase
                    entry["location"] = location
                    if unit:
                        entry["unit"] = unit
                    values.append(entry)
        return values


def meter_value(timestamp: str, sampled: list[dict[str, Any]]) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": sampled}


Sample = tuple[str, str, str, str]  # phase, value, unit, location


def _per_phase(total: str, phases: list[str], unit: str, names: tuple[str, ...]) -> list[Sample]:
    return [("", total, unit, "Outlet")] + [
        (name, value, unit, "Outlet") for name, value in zip(names, phases, strict=True)
    ]


def _voltage(m: Meter) -> list[Sample]:
    return _per_phase(
        f"{_VOLTAGE_SUM / PHASES:.1f}",
        [f"{v:.1f}" for v in PHASE_VOLTAGES],
        "V",
        ("L1-N", "L2-N", "L3-N"),
    )


def _current(m: Meter) -> list[Sample]:
    each = f"{m.current_a:.1f}"
    return _per_phase(each, [each] * PHASES, "A", ("L1", "L2", "L3"))


def _power(m: Meter) -> list[Sample]:
    return _per_phase(
        f"{m.power_w:.1f}",
        [f"{m.current_a * v:.1f}" for v in PHASE_VOLTAGES],
        "W",
        ("L1", "L2", "L3"),
    )


_MEASURANDS: dict[str, Callable[[Meter], list[Sample]]] = {
    ENERGY: lambda m: [("", m.register_text, "Wh", "Outlet")],
    "Power.Active.Import": _power,
    "Current.Import": _current,
    "Voltage": _voltage,
    "Current.Offered": lambda m: [("", f"{m.offered_a:.1f}", "A", "Outlet")],
    "Power.Offered": lambda m: [("", f"{m.offered_a * _VOLTAGE_SUM:.1f}", "W", "Outlet")],
    "Frequency": lambda m: [("", f"{FREQUENCY_HZ:.1f}", "", "Outlet")],
    "Temperature": lambda m: [("", f"{BODY_TEMPERATURE_C:.1f}", "Celsius", "Body")],
    "Energy.Active.Export.Register": lambda m: [("", "0", "Wh", "Outlet")],
    "Power.Active.Export": lambda m: [("", "0.0", "W", "Outlet")],
    "Current.Export": lambda m: [("", "0.0", "A", "Outlet")],
    "Power.Factor": lambda m: [("", "1.00", "", "Outlet")],
}

SUPPORTED_MEASURANDS = frozenset(_MEASURANDS)


def amps_for_watts(watts: float) -> float:
    """The current per phase that draws ``watts`` over the three phases."""
    return watts / _VOLTAGE_SUM

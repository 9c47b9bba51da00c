"""The meter behind each socket: a three-phase energy register that advances with the
power the EV draws, and the sampled values of OCPP 1.6 section 7.43 (MeterValue):
Voltage and Current.Import per phase, power and energy as totals, each with its unit,
context, location and phase, the way real meters report them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.peer.smart_charging import NOMINAL_VOLTAGE, PHASES

MIN_CURRENT = 6.0  # IEC 61851-1: below 6 A the EVSE cannot offer charging
CONNECTOR_MAX_CURRENT = 32.0
VOLTAGES = (229.6, 230.8, 231.3)  # L1-N, L2-N, L3-N
PHASE_NAMES = ("L1", "L2", "L3")


@dataclass
class Meter:
    energy_wh: float = 0.0
    current_a: float = 0.0  # per phase, what the EV draws now
    offered_a: float = CONNECTOR_MAX_CURRENT
    _since: float | None = None  # monotonic time of the last update

    def update(self, mono: float, offered: float, ev_max: float, drawing: bool) -> None:
        """Integrate the energy up to ``mono``, then apply the new offer."""
        if self._since is not None and self.current_a > 0:
            hours = max(0.0, mono - self._since) / 3600
            self.energy_wh += self.power_w * hours
        self._since = mono
        self.offered_a = offered
        usable = offered >= MIN_CURRENT and drawing
        self.current_a = min(offered, ev_max) if usable else 0.0

    @property
    def power_w(self) -> float:
        return sum(v * self.current_a for v in VOLTAGES[:PHASES])

    @property
    def register_wh(self) -> int:
        return int(self.energy_wh)

    def sampled_values(self, measurands: list[str], context: str) -> list[dict[str, Any]]:
        """One sampledValue per measurand and phase, in the order asked."""
        values: list[dict[str, Any]] = []
        for measurand in measurands:
            values += self._values(measurand, context)
        return values

    def _values(self, measurand: str, context: str) -> list[dict[str, Any]]:
        def one(value: float, unit: str, phase: str | None = None) -> dict[str, Any]:
            sample = {
                "value": f"{value:.1f}" if unit != "Wh" else str(int(value)),
                "context": context,
                "format": "Raw",
                "measurand": measurand,
                "location": "Outlet",
                "unit": unit,
            }
            return sample | ({"phase": phase} if phase else {})

        if measurand == "Voltage":
            return [one(v, "V", f"{p}-N") for v, p in zip(VOLTAGES, PHASE_NAMES, strict=True)]
        if measurand == "Current.Import":
            return [one(self.current_a, "A", p) for p in PHASE_NAMES]
        if measurand == "Current.Offered":
            return [one(self.offered_a, "A")]
        if measurand == "Power.Active.Import":
            return [one(self.power_w, "W")]
        if measurand == "Power.Offered":
            return [one(self.offered_a * NOMINAL_VOLTAGE * PHASES, "W")]
        return [one(self.energy_wh, "Wh")]

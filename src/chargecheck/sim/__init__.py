"""The simulated charge station.

Python API: ``chargecheck.sim.simulator.Simulator`` (also ``chargecheck.sim.Simulator``);
HTTP control: ``chargecheck.sim.control``; command: ``chargecheck simulate``; switchable
defects: ``chargecheck.sim.defects``; legal variants of real chargers:
``chargecheck.sim.variants``; the sans-I/O model: ``chargecheck.sim.station``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chargecheck.sim.simulator import Simulator

__all__ = ["Simulator"]


def __getattr__(name: str) -> Any:
    # Lazy, so that the pure modules (configuration, charging) import nothing of asyncio.
    if name == "Simulator":
        from chargecheck.sim.simulator import Simulator

        return Simulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

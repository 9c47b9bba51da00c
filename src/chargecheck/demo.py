"""``chargecheck demo``: the simulated Alfen NG920 and the bench in one process, over
real loopback sockets; the physical steps are done by driving the simulator, so nothing
is asked and every row can pass (row 10 included: the simulator makes the error)."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from rich.console import Console

from chargecheck.csms import CentralSystem
from chargecheck.run import RunOptions, RunSummary, run_bench
from chargecheck.script.operator import PhysicalStep, StepKind
from chargecheck.script.settings import Settings, load
from chargecheck.sim.simulator import Simulator

DEMO_STATION = "ALFEN-NG920-DEMO"
DEMO_FIRMWARE = "4.4.1-3200"  # the version the demo's firmware image installs

# The errors the "operator" makes in row 10: a connector fault and a station fault.
FAULTS = {0: ("OtherError", "internal power supply fault"), None: ("GroundFailure", "RCD")}


class SimulatorOperator:
    """Does each physical step on the simulator through its Python API."""

    def __init__(self, simulator: Callable[[], Simulator]) -> None:
        self._simulator = simulator

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        await _ACTIONS[step.kind](self._simulator(), step)


def _fault(sim: Simulator, step: PhysicalStep) -> Awaitable[None]:
    code, info = FAULTS.get(step.connector_id) or FAULTS[None]
    return sim.inject_fault(step.connector_id, code, info=info)


_ACTIONS: dict[StepKind, Callable[[Simulator, PhysicalStep], Awaitable[None]]] = {
    StepKind.PLUG: lambda sim, s: sim.plug(s.connector_id),
    StepKind.PLUG_IN: lambda sim, s: sim.plug(s.connector_id),
    StepKind.UNPLUG: lambda sim, s: sim.unplug(s.connector_id),
    StepKind.PRESENT_CARD: lambda sim, s: sim.present_id_tag(s.connector_id, s.id_tag or ""),
    StepKind.PRESENT_INVALID_CARD: lambda sim, s: sim.present_id_tag(
        s.connector_id, s.id_tag or "INVALID"
    ),
    StepKind.CREATE_ERROR: _fault,
    StepKind.CLEAR_ERROR: lambda sim, s: sim.clear_fault(s.connector_id),
}


async def run_demo(
    out: Path,
    console: Console,
    *,
    settings: Settings | None = None,
    defects: Iterable[str] = (),
    only: list[int] | None = None,
    skip: list[int] | None = None,
) -> RunSummary:
    """Run the script against a fresh simulator; ``defects`` switch on simulator faults."""
    chosen = settings or load("demo")
    options = RunOptions(
        chosen,
        out=out,
        host="127.0.0.1",
        port=0,
        only=only or [],
        skip=skip or [],
        firmware_version=DEMO_FIRMWARE,
        kind="demo",
    )
    holder: dict[str, Simulator] = {}

    async def ready(central: CentralSystem, files: Any) -> None:
        state = Path(tempfile.mkdtemp(prefix="sim-state-", dir=out))  # the station's disk
        sim = Simulator(
            central.url(""),
            DEMO_STATION,
            state_dir=state,
            defects=defects,
            ev_connected=chosen.ev_connected,  # the same cars as the bench is told of
        )
        holder["sim"] = sim
        await sim.start()

    try:
        return await run_bench(
            options, SimulatorOperator(lambda: holder["sim"]), console, ready=ready
        )
    finally:
        if "sim" in holder:
            await holder["sim"].stop()

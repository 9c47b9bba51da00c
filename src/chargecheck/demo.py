"""``chargecheck demo``: the simulated Alfen NG920 and the bench in one process, over
real loopback sockets; the physical steps are done by driving the simulator, so nothing
is asked and every row can pass (row 10 included: the simulator makes the error).
``chargecheck demo --tls`` does it over ``wss://`` (security profile 2)."""

from __future__ import annotations

import secrets
import ssl
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from chargecheck.csms import CentralSystem
from chargecheck.csms.tls import ServerTls
from chargecheck.run import RunOptions, RunSummary, run_bench
from chargecheck.script.operator import (
    CommandOperator,
    NonInteractiveOperator,
    Operator,
    PhysicalStep,
    StepKind,
    StepNotDone,
)
from chargecheck.script.packs import Pack
from chargecheck.script.settings import Settings, load
from chargecheck.sim.control import ControlError, ControlServer, perform
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.step import requests_for
from chargecheck.sim.tls import client_context
from chargecheck.sim.v201.simulator import Simulator201
from chargecheck.web import WebView

DEMO_STATION = "ALFEN-NG920-DEMO"
DEMO_STATION_201 = "CC201-DEMO"  # the generic OCPP 2.0.1 station (sim/profiles/generic-201)
DEMO_ID_TOKEN = "04A2B3C4"  # the card the 2.0.1 operator presents when a step names none
DEMO_FIRMWARE = "4.4.1-3200"  # the version the demo's firmware image installs


class SimulatorOperator:
    """Does each physical step on the simulator, with the requests of its control
    interface that ``chargecheck.sim.step`` (the ``--step-command`` hook) sends."""

    def __init__(self, simulator: Callable[[], Simulator]) -> None:
        self._simulator = simulator

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        sim = self._simulator()
        for path, body in requests_for(step.kind.value, step.connector_id, step.id_tag):
            try:
                await perform({sim.identity: sim}, "POST", path, body)
            except ControlError as exc:  # the hook exits 1 here: the step was not done
                raise StepNotDone(f"{path}: {exc}") from None


class Simulator201Operator:
    """Does each physical step on the OCPP 2.0.1 simulator through its Python API (a
    connector id of the script is an EVSE id there, each EVSE having one connector). A
    step it cannot do yet is not done: the criterion is NOT TESTED, saying so."""

    def __init__(self, simulator: Callable[[], Simulator201]) -> None:
        self._simulator = simulator

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        sim, evse = self._simulator(), step.connector_id or 1
        kind = step.kind
        if kind in (StepKind.PLUG, StepKind.PLUG_IN):
            if kind is StepKind.PLUG_IN and sim.status(evse) == "Occupied":
                await sim.unplug(evse)
            await sim.plug(evse)
        elif kind is StepKind.UNPLUG:
            await sim.unplug(evse)
        elif kind is StepKind.PRESENT_CARD:
            await sim.present_id_token(evse, step.id_tag or DEMO_ID_TOKEN)
        elif kind is StepKind.POWER_CYCLE:
            await sim.reboot()
        elif kind in (StepKind.EV_SUSPEND, StepKind.EV_RESUME):
            await sim.set_ev_ready(evse, kind is StepKind.EV_RESUME)
        elif kind in (StepKind.EV_SIDE_UNPLUG, StepKind.EV_SIDE_PLUG):
            # its cables are attached (cType2): the car's side is the only side
            await (sim.unplug if kind is StepKind.EV_SIDE_UNPLUG else sim.plug)(evse)
        else:
            raise StepNotDone(f"the OCPP 2.0.1 simulator cannot do the step {kind} yet")


def _trusting(central: CentralSystem) -> ssl.SSLContext | None:
    """A client context that trusts the certificate the run serves (None: ws://)."""
    if central.settings.tls is None or central.run_id is None:
        return None
    served = central.writer.journal.run(central.run_id).info["tls"]["certificate"]
    return client_context(Path(served))


async def run_demo(
    out: Path,
    console: Console,
    *,
    settings: Settings | None = None,
    defects: Iterable[str] = (),
    variants: Iterable[str] = (),
    only: Sequence[str | int] | None = None,
    skip: Sequence[str | int] | None = None,
    tls: bool = False,
    script: Pack | None = None,
    nobody: bool = False,
    step_hook: bool = False,
    web: WebView | None = None,
    steps_on_page: bool = False,
    on_simulator: Callable[[Simulator], Any] | None = None,
    secure: bool | None = None,
    ocpp: str = "1.6",
) -> RunSummary:
    """Run the script against a fresh simulator; ``defects`` switch on simulator faults,
    ``variants`` legal behaviours of real chargers (``chargecheck.sim.variants``).

    With ``tls``, over ``wss://`` with security profile 2: the bench makes a self-signed
    certificate for the run, the simulator trusts exactly it (its CA file) and gives a
    password made for the run. With ``nobody``, no step is done (``--non-interactive``):
    the simulator is left alone, as a station on a bench with nobody at it. With
    ``step_hook``, each step is a run of the simulator's ``--step-command`` hook (``python
    -m chargecheck.sim.step``, a process) against its control interface on 127.0.0.1, as a
    lab runs it, instead of the same requests made in this process. With ``web``, the run
    serves its live view; with ``steps_on_page`` too, every physical step waits for Done or
    Skip on that page (whoever answers does the step on the simulator first).
    ``on_simulator(sim)`` is called once the simulator runs. With ``secure`` (default: when
    the pack holds security cases) the run also serves a second, wss:// endpoint
    (``--secure-port``) the simulator connects to once raised to profile 2 or 3. With
    ``ocpp`` "2.0.1" the station is the OCPP 2.0.1 simulator (``chargecheck.sim.v201``,
    the generic Core station), its steps done through its Python API, or by the step hook
    with ``step_hook``; TLS and variants are for the 1.6 simulator only, ``defects`` are
    the 2.0.1 simulator's own (``chargecheck.sim.v201.defects``)."""
    if ocpp != "1.6":
        return await _run_demo_201(
            out, console, settings, defects, only, skip, script, nobody, web, ocpp, step_hook
        )
    chosen = settings or load("demo")
    password = secrets.token_urlsafe(12) if tls else None
    options = _demo_options(
        chosen,
        out,
        only,
        skip,
        script,
        firmware_version=DEMO_FIRMWARE,
        passwords={"*": password} if password else {},
        tls=ServerTls(self_signed=True) if tls else None,
        web=web,
        secure_port=0 if (_has_security_cases(script) if secure is None else secure) else None,
    )
    holder: dict[str, Any] = {}

    async def ready(central: CentralSystem, files: Any) -> None:
        state = Path(tempfile.mkdtemp(prefix="sim-state-", dir=out))  # the station's disk
        sim = Simulator(
            central.url(""),
            DEMO_STATION,
            state_dir=state,
            defects=defects,
            variants=variants,
            ev_connected=chosen.ev_connected,  # the same cars as the bench is told of
            password=password,
            tls=_trusting(central),
            secure_url=central.secure_url(""),
        )
        holder["sim"] = sim
        await sim.start()
        if on_simulator is not None:
            on_simulator(sim)
        if step_hook:
            control = ControlServer({sim.identity: sim})
            holder["control"] = await control.__aenter__()
            hook.inner = CommandOperator(
                [sys.executable, "-m", "chargecheck.sim.step", "--control", control.url]
            )

    hook = _Later()
    operator: Operator = (
        NonInteractiveOperator()
        if nobody
        else hook
        if step_hook
        else SimulatorOperator(lambda: holder["sim"])
    )
    if steps_on_page:
        if web is None:
            raise ValueError("steps_on_page needs a web view (web=WebView(...))")
        from chargecheck.web.operator import WebOperator

        operator = WebOperator(web.live, None, lambda text: console.print(text, markup=False))
    try:
        return await run_bench(options, operator, console, ready=ready)
    finally:
        if "control" in holder:
            await holder["control"].__aexit__(None, None, None)
        if "sim" in holder:
            await holder["sim"].stop()


def _demo_options(
    settings: Settings,
    out: Path,
    only: Sequence[str | int] | None,
    skip: Sequence[str | int] | None,
    script: Pack | None,
    **more: Any,
) -> RunOptions:
    """The run of a demo: the bench on 127.0.0.1, any free port."""
    return RunOptions(
        settings,
        out=out,
        host="127.0.0.1",
        port=0,
        only=only or (),
        skip=skip or (),
        script=script,
        kind="demo",
        **more,
    )


def _has_security_cases(script: Pack | None) -> bool:
    """The pack holds a case of the security extension: the run also serves wss:// (a
    second endpoint) so that the station can be raised to profiles 2 and 3."""
    from chargecheck.script.catalogue.octt import OFFICIAL

    security = {o.id for o in OFFICIAL if o.security}
    return script is not None and any(row.id in security for row in script.rows)


class _Later:
    """An operator known only once the simulator runs (its control port is then known)."""

    inner: Operator | None = None

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        assert self.inner is not None, "the step hook starts with the simulator"
        await self.inner.perform(step, timeout)


async def _run_demo_201(
    out: Path,
    console: Console,
    settings: Settings | None,
    defects: Iterable[str],
    only: Sequence[str | int] | None,
    skip: Sequence[str | int] | None,
    script: Pack | None,
    nobody: bool,
    web: WebView | None,
    ocpp: str,
    step_hook: bool = False,
) -> RunSummary:
    """``run_demo`` with the OCPP 2.0.1 simulator as the station."""
    if ocpp != "2.0.1":
        raise ValueError(f"the demo speaks OCPP 1.6 or 2.0.1, not {ocpp!r}")
    chosen = settings or load("demo")
    options = _demo_options(chosen, out, only, skip, script, web=web)
    holder: dict[str, Simulator201] = {}
    controls: list[ControlServer] = []
    hook = _Later()

    async def ready(central: CentralSystem, files: Any) -> None:
        state = Path(tempfile.mkdtemp(prefix="sim-state-", dir=out))
        sim = Simulator201(central.url(""), DEMO_STATION_201, state_dir=state, defects=defects)
        holder["sim"] = sim
        await sim.start()
        if step_hook:
            control = await ControlServer({sim.identity: sim}).__aenter__()
            controls.append(control)
            hook.inner = CommandOperator(
                [sys.executable, "-m", "chargecheck.sim.step", "--control", control.url]
            )

    operator: Operator = (
        NonInteractiveOperator()
        if nobody
        else hook
        if step_hook
        else Simulator201Operator(lambda: holder["sim"])
    )
    try:
        return await run_bench(options, operator, console, ready=ready)
    finally:
        for control in controls:
            await control.__aexit__(None, None, None)
        if "sim" in holder:
            await holder["sim"].stop()

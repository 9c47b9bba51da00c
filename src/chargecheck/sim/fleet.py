"""A fleet of simulated stations: ``chargecheck simulate --count N [--ramp R] [--charging]``.

The ramp (a boot storm at a set pace): station ``i`` of the fleet is started ``i / R``
real seconds after the first, R stations a second, the pace a load tester sets with a
spawn rate; a loop too busy to keep up starts every station whose moment has passed at
once, so the fleet keeps the rate on average instead of drifting later and later. Once
every station has connected, the command says so in one line (``connected: N/N ...``).
A station needs an open file for its socket (and its SQLite file while it works), so
``open_files_needed`` tells the command what RLIMIT_NOFILE the fleet needs.

Charging (``--charging``): every station, once its BootNotification is Accepted, sets its
MeterValueSampleInterval (checked and applied as a Central System's ChangeConfiguration
would, OCPP 1.6 section 5.3), waits for its slot, plugs a car into connector 1 and
presents the idTag: Authorize (section 4.1), StartTransaction (4.8), then MeterValues
every interval (4.7) until the simulator stops. The car stays plugged; a transaction the
Central System ends (RemoteStopTransaction, an idTag it does not accept) is not started
again.

The slots spread the fleet over one meter interval: station ``i`` of ``n`` starts
``i / n`` of an interval after a common epoch (or a whole number of intervals later, if it
booted after that moment), so ``n`` stations send ``n / interval`` MeterValues per second
at an even pace instead of in bursts. The epoch is the moment every station has
connected (at the latest ``SLOTS_AT_LATEST_S`` after the ramp has started the last one),
and the first slot comes a lead later (``SLOT_LEAD_S``, at most half an interval): no
start competes with the boot storm for the process's one core, and no station has missed
its slot (it would wait one interval more).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chargecheck.sim.simulator import Simulator

METER_INTERVAL_KEY = "MeterValueSampleInterval"
RAMP_DEFAULT = 200.0  # stations started per second
SLOT_LEAD_S = 2.0  # real seconds from the slots' epoch to the first slot
OTHER_FILES = 64  # besides a socket per station and the kept SQLite files (with their
# journals): stdio, the loop, the control port, a transfer
CONNECTED_POLL_S = 1.0  # how often the fleet is checked for stations not yet connected
SLOTS_AT_LATEST_S = 60.0  # real seconds after the ramp's end: the slots begin then at the
# latest, even if a station has not connected


def open_files_needed(count: int) -> int:
    """The RLIMIT_NOFILE a fleet of ``count`` stations needs: a socket each, the SQLite
    files kept open between bursts (``sim.store.KEEP_OPEN``) and a journal each, a few."""
    from chargecheck.sim.store import KEEP_OPEN

    return count + 2 * KEEP_OPEN + OTHER_FILES


def soft_limit_for(count: int, soft: int, hard: int, unlimited: int = -1) -> int | None:
    """The soft RLIMIT_NOFILE to set for ``count`` stations (None: ``soft`` does), the
    hard limit itself; a ``ValueError`` if even the hard limit is too low. ``unlimited``
    is the value of RLIM_INFINITY."""
    need = open_files_needed(count)
    if soft == unlimited or need <= soft:
        return None
    if hard == unlimited:
        return need
    if hard < need:
        raise ValueError(
            f"{count} stations need {need} open files, more than the hard limit of {hard} "
            "(ulimit -Hn): raise it, or run fewer stations per process"
        )
    return hard


async def ramp(stations: Iterable[Simulator], rate: float, started: float) -> None:
    """Start station ``i`` at ``started + i / rate`` (event loop time)."""
    loop = asyncio.get_running_loop()
    for index, sim in enumerate(stations):
        delay = started + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await sim.start()


async def report_connected(
    stations: Mapping[str, Simulator],
    started: float,
    report: Callable[[str], None] | None,
    connected: asyncio.Future[float],
) -> None:
    """Once every station has been seen connected (each at least once): ``connected``
    gets that moment (event loop time, unless it already has one) and ``report`` one
    line with the seconds since ``started`` and the connection attempts it took."""
    loop = asyncio.get_running_loop()
    waiting = list(stations.values())
    while waiting:
        await asyncio.sleep(CONNECTED_POLL_S)
        waiting = [sim for sim in waiting if not sim.connected]
    set_once(connected, loop.time())
    if report is not None:
        count = len(stations)
        attempts = sum(sim.connection_attempts for sim in stations.values())
        report(
            f"connected: {count}/{count} station(s) in {loop.time() - started:.1f} s "
            f"({attempts} connection attempts)"
        )


def set_once(future: asyncio.Future[float], moment: float) -> None:
    """The epoch of the slots: the first moment given wins."""
    if not future.done():
        future.set_result(moment)


@dataclass(frozen=True)
class ChargingPlan:
    """What every station of the fleet does once booted."""

    id_tag: str
    meter_interval: int | None = None  # station seconds; None keeps the station's own value
    connector_id: int = 1


def slot(epoch: float, offset: float, period: float, now: float) -> float:
    """The first moment ``epoch + offset + k * period`` (k = 0, 1, ...) not before ``now``."""
    first = epoch + offset
    if now <= first or period <= 0:
        return first
    return first + math.ceil((now - first) / period) * period


async def start_charging(
    sim: Simulator, plan: ChargingPlan, phase: float, epoch: Awaitable[float]
) -> int:
    """Boot, interval, wait for the slot at ``phase`` (0 <= phase < 1) of the interval
    after ``epoch`` (event loop time, once known) and the lead, plug, present the idTag;
    the transactionId."""
    await sim.wait_booted(None)
    wanted = plan.meter_interval
    if wanted is not None and sim.station.cfg_int(METER_INTERVAL_KEY, 60) != wanted:
        status = await sim.change_configuration(METER_INTERVAL_KEY, str(wanted))
        if status != "Accepted":
            raise RuntimeError(f"{METER_INTERVAL_KEY} {wanted}: {status}")
    interval = sim.station.cfg_int(METER_INTERVAL_KEY, 60)
    if interval > 0:
        period = sim.clock.real_seconds(interval)
        first = await epoch + min(SLOT_LEAD_S, period / 2)
        loop = asyncio.get_running_loop()
        await asyncio.sleep(slot(first, phase * period, period, loop.time()) - loop.time())
    await sim.plug(plan.connector_id)
    await sim.present_id_tag(plan.connector_id, plan.id_tag)
    return await sim.wait_transaction(plan.connector_id, None)


async def charge_fleet(
    stations: Mapping[str, Simulator],
    plan: ChargingPlan,
    epoch: Awaitable[float],
    report: Callable[[str], None],
) -> bool:
    """Start charging on every station; ``report`` one line per station that could not
    and one when all are done. Whether every station's transaction started."""
    failed: list[str] = []
    count = len(stations)

    async def one(index: int, identity: str, sim: Simulator) -> None:
        try:
            await start_charging(sim, plan, index / count, epoch)
        except Exception as exc:  # one broken station must not stop the others
            failed.append(identity)
            report(f"station {identity} could not start charging: {type(exc).__name__}: {exc}")

    async with asyncio.TaskGroup() as group:
        for index, (identity, sim) in enumerate(stations.items()):
            group.create_task(one(index, identity, sim))
    report(
        f"charging: {count - len(failed)}/{count} transaction(s) started on connector "
        f"{plan.connector_id} with idTag {plan.id_tag}"
    )
    return not failed

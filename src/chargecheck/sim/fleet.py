"""A fleet of simulated stations that all charge: ``chargecheck simulate --charging``.

Every station, once its BootNotification is Accepted, sets its MeterValueSampleInterval
(checked and applied as a Central System's ChangeConfiguration would, OCPP 1.6 section
5.3), waits for its slot, plugs a car into connector 1 and presents the idTag: Authorize
(section 4.1), StartTransaction (4.8), then MeterValues every interval (4.7) until the
simulator stops. The car stays plugged; a transaction the Central System ends
(RemoteStopTransaction, an idTag it does not accept) is not started again.

The slots spread the fleet over one meter interval: station ``i`` of ``n`` starts
``i / n`` of an interval after a common epoch (or a whole number of intervals later, if it
booted after that moment), so ``n`` stations send ``n / interval`` MeterValues per second
at an even pace instead of in bursts.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chargecheck.sim.simulator import Simulator

METER_INTERVAL_KEY = "MeterValueSampleInterval"


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


async def start_charging(sim: Simulator, plan: ChargingPlan, phase: float, epoch: float) -> int:
    """Boot, interval, wait for the slot at ``phase`` (0 <= phase < 1) of the interval
    after ``epoch`` (event loop time), plug, present the idTag; the transactionId."""
    await sim.wait_booted(None)
    if plan.meter_interval is not None:
        status = await sim.change_configuration(METER_INTERVAL_KEY, str(plan.meter_interval))
        if status != "Accepted":
            raise RuntimeError(f"{METER_INTERVAL_KEY} {plan.meter_interval}: {status}")
    interval = sim.station.cfg_int(METER_INTERVAL_KEY, 60)
    if interval > 0:
        period = sim.clock.real_seconds(interval)
        loop = asyncio.get_running_loop()
        await asyncio.sleep(slot(epoch, phase * period, period, loop.time()) - loop.time())
    await sim.plug(plan.connector_id)
    await sim.present_id_tag(plan.connector_id, plan.id_tag)
    return await sim.wait_transaction(plan.connector_id, None)


async def charge_fleet(
    stations: Mapping[str, Simulator],
    plan: ChargingPlan,
    epoch: float,
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

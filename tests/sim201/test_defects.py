"""Every defect of the 2.0.1 simulator is observable by a CSMS we did not write (``peer``):
one probe per defect, run against a station without the defect (the probe finds the
behaviour right) and with it (the probe finds it wrong)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from ocpp.v201 import call

from chargecheck.sim.v201.defects import DEFECTS_201, checked_defects_201
from chargecheck.sim.v201.simulator import Simulator201

from .peer import WAIT, Central, running_csms
from .test_ocpp_peer import SCALE, booted, settled, var

Probe = Callable[[Central, Simulator201], Awaitable[bool]]


async def seq_no_gap(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    await sim.plug(1)
    await sim.present_id_token(1, "CARD")
    await sim.wait_transaction(1, WAIT)
    await sim.present_id_token(1, "CARD")
    await sim.unplug(1)
    events = await csms.count("TransactionEvent", 2)
    return [e["seqNo"] for e in events] == [0, 1]


async def no_status_on_plug(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    mark = csms.mark()
    await sim.plug(2)
    # One CALL at a time, in order: a status submitted before this Heartbeat precedes it.
    await csms.peer.call(call.TriggerMessage(requested_message="Heartbeat"))
    await csms.first("Heartbeat", start=mark)
    return any(s["connectorStatus"] == "Occupied" for s in csms.of("StatusNotification", mark))


async def get_variables_ignores_unknown(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    got = await csms.peer.call(
        call.GetVariables(get_variable_data=[var("TxCtrlr", "NoSuchVariable")])
    )
    return bool(got.get_variable_result[0]["attribute_status"] == "UnknownVariable")


async def set_read_only_accepted(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    item = var("DeviceDataCtrlr", "ValueSize", attribute_value="10")
    answer = await csms.peer.call(call.SetVariables(set_variable_data=[item]))
    return bool(answer.set_variable_result[0]["attribute_status"] == "Rejected")


async def boot_ignores_pending(csms: Central, sim: Simulator201) -> bool:
    await csms.first("BootNotification")
    await sim.shell.wait_until(lambda: sim.station.link.registration == "Pending", WAIT)
    await csms.peer.call(call.TriggerMessage(requested_message="Heartbeat"))
    await csms.first("Heartbeat")
    return csms.of("StatusNotification") == []  # B02.FR.02


async def offline_flag_missing(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    await sim.plug(1)
    await sim.present_id_token(1, "CARD")
    await settled(sim)
    await sim.go_offline()
    await sim.present_id_token(1, "CARD")
    mark = csms.mark()
    await sim.go_online()
    (ended,) = await csms.count("TransactionEvent", 1, mark)
    return bool(ended.get("offline") is True)


PROBES: dict[str, tuple[Probe, dict[str, Any]]] = {
    "seq_no_gap": (seq_no_gap, {}),
    "no_status_on_plug": (no_status_on_plug, {}),
    "get_variables_ignores_unknown": (get_variables_ignores_unknown, {}),
    "set_read_only_accepted": (set_read_only_accepted, {}),
    "boot_ignores_pending": (boot_ignores_pending, {"boot_status": "Pending"}),
    "offline_flag_missing": (offline_flag_missing, {}),
}


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) == set(DEFECTS_201)


def test_an_unknown_defect_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no_such_defect"):
        checked_defects_201({"no_such_defect"})


async def run_probe(defect: str, tmp_path: Path, with_defect: bool) -> bool:
    probe, setup = PROBES[defect]
    async with running_csms() as csms:
        for name, value in setup.items():
            setattr(csms, name, value)
        sim = Simulator201(
            csms.url,
            "CSD",
            state_dir=tmp_path / ("with" if with_defect else "without"),
            time_scale=SCALE,
            defects={defect} if with_defect else set(),
        )
        async with sim:
            return await probe(csms, sim)


@pytest.mark.parametrize("defect", sorted(PROBES))
async def test_the_defect_is_observable(defect: str, tmp_path: Path) -> None:
    assert await run_probe(defect, tmp_path, with_defect=False), "right without the defect"
    assert not await run_probe(defect, tmp_path, with_defect=True), "wrong with the defect"

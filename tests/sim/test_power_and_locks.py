"""The simulated station's cable lock (a jammed lock: Faulted ConnectorLockFailure before a
transaction, UnlockFailed; none on a fixed cable) and its power cuts with and without
back-up power (``Simulator.lock_failure``, ``Simulator.power_cycle``), over a real socket."""

from __future__ import annotations

import pytest

from chargecheck.csms.session import Cursor, Message

from .conftest import WAIT


def is_status(connector: int, status: str):
    return lambda p: p["connectorId"] == connector and p["status"] == status


async def test_a_jammed_lock_faults_the_connector_instead_of_starting(bench):
    sim, session = await bench.start()
    cursor = session.mark()
    await sim.lock_failure(1)
    answer = await session.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "T1"}, WAIT)
    assert answer["status"] == "Accepted"
    await sim.plug(1)
    faulted = await session.expect("StatusNotification", is_status(1, "Faulted"), WAIT, cursor)
    assert faulted.payload["errorCode"] == "ConnectorLockFailure"
    assert session.received("StartTransaction", cursor) == []
    await sim.clear_lock_failure(1)
    back = await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)
    assert back.payload["errorCode"] == "NoError"


async def test_a_jammed_lock_answers_unlock_failed_and_a_free_one_unlocked(bench):
    sim, session = await bench.start()
    await sim.lock_failure(2)
    jammed = await session.call("UnlockConnector", {"connectorId": 2}, WAIT)
    free = await session.call("UnlockConnector", {"connectorId": 1}, WAIT)
    assert (jammed["status"], free["status"]) == ("UnlockFailed", "Unlocked")
    await sim.clear_lock_failure(2)
    again = await session.call("UnlockConnector", {"connectorId": 2}, WAIT)
    assert again["status"] == "Unlocked"


async def test_a_fixed_cable_has_no_lock_to_jam(bench):
    sim, _ = await bench.start(variants={"fixed_cable"})
    with pytest.raises(ValueError, match="fixed cable"):
        await sim.lock_failure(1)


async def _charging(sim, session) -> None:
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT)


async def _power_cut(sim, session) -> tuple[Cursor, Message]:
    """The station's power cut and back: the cursor from before the cut, and the boot."""
    cursor = session.mark()
    await sim.power_cycle()
    return cursor, await session.expect("BootNotification", timeout=WAIT, cursor=cursor)


def _connector(connector_id: int):
    return lambda p: p["connectorId"] == connector_id


async def test_with_back_up_power_the_transaction_ends_before_the_station_goes_down(bench):
    sim, session = await bench.start(variants={"backup_power"})
    await _charging(sim, session)
    cursor, boot = await _power_cut(sim, session)
    (stop,) = session.received("StopTransaction", cursor)
    assert stop.payload["reason"] == "PowerLoss"
    assert stop.index < boot.index
    assert stop.connection != boot.connection
    await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)


@pytest.mark.parametrize("backup", [False, True])
async def test_the_defect_power_loss_no_stop_forgets_the_transaction(bench, backup):
    variants = {"backup_power"} if backup else set()
    sim, session = await bench.start(defects={"power_loss_no_stop"}, variants=variants)
    await _charging(sim, session)
    cursor, _ = await _power_cut(sim, session)
    after = await session.expect("StatusNotification", _connector(1), WAIT, cursor)
    assert after.payload["status"] in ("Finishing", "Preparing")
    assert session.received("StopTransaction", cursor) == []
    assert sim.transaction_id(1) is None


@pytest.mark.parametrize(
    ("defects", "after"),
    [(set(), "Unavailable"), ({"availability_lost_on_power_cut"}, "Available")],
)
async def test_an_inoperative_station_stays_unavailable_after_a_power_cut(bench, defects, after):
    sim, session = await bench.start(defects=defects)
    answer = await session.call(
        "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}, WAIT
    )
    assert answer["status"] == "Accepted"
    await session.expect("StatusNotification", is_status(0, "Unavailable"), WAIT)
    cursor, _ = await _power_cut(sim, session)
    status = await session.expect("StatusNotification", _connector(0), WAIT, cursor)
    assert status.payload["status"] == after

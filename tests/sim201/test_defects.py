"""Every defect of the 2.0.1 simulator is observable by a CSMS we did not write (``peer``):
one probe per defect, run against a station without the defect (the probe finds the
behaviour right) and with it (the probe finds it wrong)."""

from __future__ import annotations

import asyncio
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


async def _registration(sim: Simulator201, status: str) -> None:
    await sim.shell.wait_until(lambda: sim.station.link.registration == status, WAIT)


async def rejected_boot_chatters(csms: Central, sim: Simulator201) -> bool:
    await csms.first("BootNotification")
    await _registration(sim, "Rejected")
    # Answered (SecurityError) after whatever the station queued before: a barrier.
    await csms.peer.call(call.GetVariables(get_variable_data=[var("OCPPCommCtrlr", "Foo")]))
    return csms.of("Heartbeat") == []  # B03.FR.02


async def rejected_boot_answers(csms: Central, sim: Simulator201) -> bool:
    await csms.first("BootNotification")
    await _registration(sim, "Rejected")
    got = await csms.peer.call(call.GetBaseReport(request_id=5, report_base="FullInventory"))
    return got is None  # B03.FR.08: a CALLERROR (the ocpp package returns None)


async def unsupported_report_sent(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    mark = csms.mark()
    got = await csms.peer.call(call.GetBaseReport(request_id=6, report_base="SummaryInventory"))
    assert got.status == "NotSupported"
    await csms.peer.call(call.TriggerMessage(requested_message="Heartbeat"))
    await csms.first("Heartbeat", start=mark)
    return csms.of("NotifyReport", mark) == []  # B07.FR.05


async def _charging(csms: Central, sim: Simulator201) -> None:
    await booted(csms, sim)
    await sim.plug(1)
    await sim.present_id_token(1, "CARD")
    await sim.wait_transaction(1, WAIT)
    await settled(sim)


def _ended(p: dict[str, Any]) -> bool:
    return bool(p["eventType"] == "Ended")


async def reset_cuts_transaction(csms: Central, sim: Simulator201) -> bool:
    await _charging(csms, sim)
    mark = csms.mark()
    answer = await csms.peer.call(call.Reset(type="OnIdle"))
    assert answer.status == "Scheduled"
    try:
        await csms.first("TransactionEvent", _ended, mark, timeout=1.0)
    except TimeoutError:
        return True  # B12.FR.03: the transaction runs on
    return False


async def reset_skips_ended(csms: Central, sim: Simulator201) -> bool:
    await _charging(csms, sim)
    mark = csms.mark()
    answer = await csms.peer.call(call.Reset(type="Immediate"))
    assert answer.status == "Accepted"
    await csms.first("BootNotification", start=mark)
    await csms.first("TransactionEvent", _ended, mark)
    order = [a for a, p in csms.received[mark:] if a == "BootNotification" or _ended(p)]
    return order[0] == "TransactionEvent"  # B12.FR.04: Ended before the reboot


async def reset_ignores_unavailable(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    made = await csms.peer.call(
        call.ChangeAvailability(operational_status="Inoperative", evse={"id": 2})
    )
    assert made.status == "Accepted"
    await settled(sim)
    mark = csms.mark()
    await csms.peer.call(call.Reset(type="Immediate"))
    await csms.first("BootNotification", start=mark)
    statuses = await csms.count("StatusNotification", 2, mark)
    return {s["evseId"]: s["connectorStatus"] for s in statuses}[2] == "Unavailable"


async def network_profile_any_slot(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    profile = {
        "ocpp_version": "OCPP20",
        "ocpp_transport": "JSON",
        "ocpp_csms_url": csms.url,
        "message_timeout": 30,
        "security_profile": 0,
        "ocpp_interface": "Wired0",
    }
    got = await csms.peer.call(
        call.SetNetworkProfile(configuration_slot=999, connection_data=profile)
    )
    return bool(got.status == "Rejected")  # B09.FR.05


async def network_priority_ignored(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    profile = {
        "ocpp_version": "OCPP20",
        "ocpp_transport": "JSON",
        "ocpp_csms_url": csms.url.replace("/ocpp", "/migrated"),
        "message_timeout": 30,
        "security_profile": 0,
        "ocpp_interface": "Wired0",
    }
    await csms.peer.call(call.SetNetworkProfile(configuration_slot=2, connection_data=profile))
    item = var("OCPPCommCtrlr", "NetworkConfigurationPriority", attribute_value="2,1")
    await csms.peer.call(call.SetVariables(set_variable_data=[item]))
    mark = csms.mark()
    await csms.peer.call(call.Reset(type="OnIdle"))
    await csms.first("BootNotification", start=mark)
    return csms.paths[-1] == "/migrated/CSD"  # B10.FR.04: the first entry after a reboot


async def _offline(csms: Central, sim: Simulator201, threshold: str, plug: bool) -> list[int]:
    """The EVSEs reported after a short outage (``plug``: EVSE 1's cable in meanwhile)."""
    await booted(csms, sim)
    item = var("OCPPCommCtrlr", "OfflineThreshold", attribute_value=threshold)
    await csms.peer.call(call.SetVariables(set_variable_data=[item]))
    await sim.go_offline()
    if plug:
        await sim.plug(1)
    await asyncio.sleep(0.2)  # 10 station seconds
    mark = csms.mark()
    await sim.go_online()
    await csms.connections(2)
    await csms.peer.call(call.TriggerMessage(requested_message="Heartbeat"))
    await csms.first("Heartbeat", start=mark)
    return sorted(s["evseId"] for s in csms.of("StatusNotification", mark))


async def offline_reports_changed_only(csms: Central, sim: Simulator201) -> bool:
    return await _offline(csms, sim, "1", False) == [1, 2]  # B04.FR.01


async def offline_reports_all(csms: Central, sim: Simulator201) -> bool:
    return await _offline(csms, sim, "600", True) == [1]  # B04.FR.02


async def backoff_not_doubled(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    items = [
        var("OCPPCommCtrlr", "RetryBackOffWaitMinimum", attribute_value="10"),
        var("OCPPCommCtrlr", "RetryBackOffRandomRange", attribute_value="0"),
        var("OCPPCommCtrlr", "RetryBackOffRepeatTimes", attribute_value="2"),
    ]
    await csms.peer.call(call.SetVariables(set_variable_data=items))
    csms.refuse = True
    await csms.peer._connection.close()
    loop = asyncio.get_running_loop()
    times: list[float] = []
    async with asyncio.timeout(WAIT):
        while len(times) < 3:
            if csms.refused > len(times):
                times.append(loop.time())
            await asyncio.sleep(0.005)
    csms.refuse = False
    first, second = times[1] - times[0], times[2] - times[1]
    return second > 1.5 * first  # part 4 section 5.3: 20 then 40 station seconds


async def _set(csms: Central, *items: tuple[str, str, str | None, str]) -> None:
    data = [
        {
            **var(c, v, attribute_value=value),
            "variable": {"name": v, **({"instance": i} if i else {})},
        }
        for c, v, i, value in items
    ]
    answer = await csms.peer.call(call.SetVariables(set_variable_data=data))
    assert all(r["attribute_status"] == "Accepted" for r in answer.set_variable_result)


async def _start_with_failing_events(
    csms: Central, sim: Simulator201, attempts: str, interval: str, failing: int
) -> None:
    """A transaction started by CARD on a station that makes ``attempts`` attempts at a
    TransactionEvent, ``interval`` s apart, the CSMS failing the first ``failing`` of them."""
    await booted(csms, sim)
    await _set(
        csms,
        ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent", attempts),
        ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent", interval),
    )
    csms.failing_events = failing
    await sim.plug(1)
    await sim.present_id_token(1, "CARD")


async def retry_ignores_interval(csms: Central, sim: Simulator201) -> bool:
    loop = asyncio.get_running_loop()
    await _start_with_failing_events(csms, sim, "3", "10", 1)
    await csms.count("TransactionEvent", 1)
    first = loop.time()
    await csms.count("TransactionEvent", 2)
    return loop.time() - first > 0.1  # E13.FR.03: 10 station seconds, 0.2 real ones


async def retry_beyond_attempts(csms: Central, sim: Simulator201) -> bool:
    await _start_with_failing_events(csms, sim, "2", "1", 10)
    await csms.count("TransactionEvent", 2)
    await asyncio.sleep(0.3)  # 15 station seconds: a third attempt would be due long before
    return len(csms.of("TransactionEvent")) == 2  # E13.FR.04


async def stopped_reason_missing(csms: Central, sim: Simulator201) -> bool:
    await _charging(csms, sim)
    tid = sim.transaction_id(1)
    answer = await csms.peer.call(call.RequestStopTransaction(transaction_id=tid))
    assert answer.status == "Accepted"
    end = await csms.first("TransactionEvent", _ended)
    return bool(end["transactionInfo"].get("stoppedReason") == "Remote")  # F03.FR.03


async def ev_connect_timeout_ignored(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    await _set(
        csms,
        ("TxCtrlr", "TxStartPoint", None, "Authorized"),
        ("TxCtrlr", "EVConnectionTimeOut", None, "10"),
    )
    token = {"id_token": "REMOTE", "type": "Central"}
    await csms.peer.call(call.RequestStartTransaction(id_token=token, remote_start_id=7))
    try:
        # 10 station seconds are 0.2 s here; a loaded machine may take longer
        end = await csms.first("TransactionEvent", _ended, timeout=3.0)
    except TimeoutError:
        return False
    return bool(end["triggerReason"] == "EVConnectTimeout")  # F02.FR.07


async def ev_side_disconnect_ignored(csms: Central, sim: Simulator201) -> bool:
    await booted(csms, sim)
    await _set(csms, ("TxCtrlr", "TxStopPoint", None, "Authorized"))
    await _charging(csms, sim)
    mark = csms.mark()
    await sim.unplug(1)  # the cable is attached: this is the car's side
    try:
        # not longer: with the defect the transaction still ends, at its EVConnectionTimeOut
        await csms.first("TransactionEvent", _ended, mark, timeout=1.0)
    except TimeoutError:
        return False
    return True  # E09.FR.01: StopTxOnEVSideDisconnect true deauthorizes


async def invalid_token_kept(csms: Central, sim: Simulator201) -> bool:
    csms.token_status = "Invalid"
    await booted(csms, sim)
    await sim.plug(1)
    await sim.present_id_token(1, "CARD")
    try:
        end = await csms.first("TransactionEvent", _ended, timeout=1.0)
    except TimeoutError:
        return False
    return bool(end["triggerReason"] == "Deauthorized")  # E06.FR.04


PROBES: dict[str, tuple[Probe, dict[str, Any]]] = {
    "seq_no_gap": (seq_no_gap, {}),
    "no_status_on_plug": (no_status_on_plug, {}),
    "get_variables_ignores_unknown": (get_variables_ignores_unknown, {}),
    "set_read_only_accepted": (set_read_only_accepted, {}),
    "boot_ignores_pending": (boot_ignores_pending, {"boot_status": "Pending"}),
    "offline_flag_missing": (offline_flag_missing, {}),
    "rejected_boot_chatters": (rejected_boot_chatters, {"boot_status": "Rejected"}),
    "rejected_boot_answers": (rejected_boot_answers, {"boot_status": "Rejected"}),
    "unsupported_report_sent": (unsupported_report_sent, {}),
    "reset_cuts_transaction": (reset_cuts_transaction, {}),
    "reset_skips_ended": (reset_skips_ended, {}),
    "reset_ignores_unavailable": (reset_ignores_unavailable, {}),
    "network_profile_any_slot": (network_profile_any_slot, {}),
    "network_priority_ignored": (network_priority_ignored, {}),
    "offline_reports_changed_only": (offline_reports_changed_only, {}),
    "offline_reports_all": (offline_reports_all, {}),
    "backoff_not_doubled": (backoff_not_doubled, {}),
    "retry_ignores_interval": (retry_ignores_interval, {}),
    "retry_beyond_attempts": (retry_beyond_attempts, {}),
    "stopped_reason_missing": (stopped_reason_missing, {}),
    "ev_connect_timeout_ignored": (ev_connect_timeout_ignored, {}),
    "ev_side_disconnect_ignored": (ev_side_disconnect_ignored, {}),
    "invalid_token_kept": (invalid_token_kept, {}),
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

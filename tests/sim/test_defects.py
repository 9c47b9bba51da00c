"""Every switchable defect changes the frames on the wire: each case runs one scenario on
a correct station and on a station with the defect, side by side against the same Central
System, and checks what each one's frames show (``chargecheck.sim.defects``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chargecheck.clock import utc_iso
from chargecheck.csms import Answers, Session
from chargecheck.sim.defects import DEFECTS
from chargecheck.sim.simulator import Simulator

from .conftest import WAIT
from .security_defects import SECURITY_CASES

SCALE = 80.0


@dataclass
class World:
    """What a scenario may use besides its station and session."""

    tmp_path: Path
    ftp_location: str = ""
    ftp_root: Path | None = None


Scenario = Callable[[Simulator, Session, World], Awaitable[Any]]


@dataclass
class Case:
    scenario: Scenario
    correct: Any  # what a correct station's frames show
    defective: Any  # what the defective station's frames show
    config: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    variants: frozenset[str] = frozenset()  # legal variants both stations run with


async def settle(station_seconds: float) -> None:
    """Let ``station_seconds`` of station time pass (the defect shows by an absence)."""
    await asyncio.sleep(station_seconds / SCALE)


def last_status(session: Session, connector: int) -> str:
    found = [
        m.payload["status"]
        for m in session.received("StatusNotification")
        if m.payload["connectorId"] == connector
    ]
    return found[-1]


async def start_transaction(sim: Simulator, session: Session) -> None:
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)


async def boot_statuses(sim, session, world):
    return sorted(m.payload["connectorId"] for m in session.received("StatusNotification"))


async def boot_iccid(sim, session, world):
    boot = await session.expect("BootNotification", timeout=WAIT)
    return boot.payload.get("iccid")


async def heartbeat_gap(sim, session, world):
    first = await session.expect("Heartbeat", timeout=WAIT)
    second = await session.expect("Heartbeat", timeout=WAIT)
    return round((second.mono - first.mono) * SCALE / 10) * 10


async def start_after_blocked(sim, session, world):
    await sim.plug(1)
    await sim.present_id_tag(1, "BLOCKED")
    await session.expect("Authorize", timeout=WAIT)
    await settle(10)
    return len(session.received("StartTransaction"))


async def firmware_statuses(sim, session, world):
    from chargecheck.protocol.firmware_image import firmware_image

    path = world.tmp_path / f"{sim.identity}.bin"
    path.write_bytes(firmware_image("9.9.9"))
    location = world.ftp_location + path.name
    (world.ftp_root / path.name).write_bytes(path.read_bytes())  # type: ignore[operator]
    request = {"location": location, "retrieveDate": utc_iso(sim.clock.utc())}
    await session.call("UpdateFirmware", request, WAIT)
    await session.expect("FirmwareStatusNotification", lambda p: p["status"] == "Downloaded", WAIT)
    await settle(30)
    return [m.payload["status"] for m in session.received("FirmwareStatusNotification")]


async def diagnostics_file(sim, session, world):
    answer = await session.call("GetDiagnostics", {"location": world.ftp_location}, WAIT)
    await session.expect("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded", WAIT)
    return (world.ftp_root / answer["fileName"]).exists()  # type: ignore[operator]


async def triggered_heartbeats(sim, session, world):
    cursor = session.mark()
    answer = await session.call("TriggerMessage", {"requestedMessage": "Heartbeat"}, WAIT)
    await settle(5)  # far less than the HeartbeatInterval: only a triggered one can come
    return answer["status"], len(session.received("Heartbeat", cursor))


async def heartbeats_after_reconnect(sim, session, world):
    await sim.go_offline()
    await sim.go_online()
    await session.wait_connected(WAIT)
    cursor = session.mark()
    answer = await session.call("TriggerMessage", {"requestedMessage": "Heartbeat"}, WAIT)
    await settle(5)
    return answer["status"], len(session.received("Heartbeat", cursor))


def status_of(action: str, payload: dict[str, Any]) -> Scenario:
    async def scenario(sim, session, world):
        return (await session.call(action, payload, WAIT))["status"]

    return scenario


async def offline_transaction(sim, session, world):
    await sim.go_offline()
    await sim.plug(1)
    await sim.present_id_tag(1, "OFFLINE")
    await sim.go_online()
    await session.wait_connected(WAIT)
    await settle(20)
    return len(session.received("StartTransaction"))


async def zero_limit(sim, session, world):
    await start_transaction(sim, session)
    await session.expect("StatusNotification", lambda p: p["status"] == "Charging", WAIT)
    await session.call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": ZERO}, WAIT)
    await settle(30)
    return last_status(session, 1)


ZERO = {
    "chargingProfileId": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0}],
    },
}


async def begin_measurands(sim, session, world):
    await start_transaction(sim, session)
    begin = await session.expect("MeterValues", timeout=WAIT)
    return sorted({v["measurand"] for v in begin.payload["meterValue"][0]["sampledValue"]})


async def inoperative_status(sim, session, world):
    await session.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, WAIT)
    await settle(10)
    return last_status(session, 1)


async def boots_after_reset(sim, session, world):
    cursor = session.mark()
    await session.call("Reset", {"type": "Soft"}, WAIT)
    await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT, cursor)
    return len(session.received("BootNotification", cursor))


async def configuration_size(sim, session, world):
    return len((await session.call("GetConfiguration", {}, WAIT))["configurationKey"])


async def meter_values_sent(sim, session, world):
    await start_transaction(sim, session)
    await settle(45)
    return len(session.received("MeterValues")) > 0


async def stop_on_unplug(sim, session, world):
    await start_transaction(sim, session)
    await sim.unplug(1)
    await settle(10)
    return len(session.received("StopTransaction"))


async def unplug_reason(sim, session, world):
    await start_transaction(sim, session)
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT)
    return stop.payload.get("reason")


async def fault_reported(sim, session, world):
    await sim.inject_fault(1, "GroundFailure")
    await settle(10)
    return last_status(session, 1)


async def status_after_plug(sim, session, world):
    await sim.plug(1)
    await settle(5)
    return last_status(session, 1)


async def unlock_jammed(sim, session, world):
    await sim.lock_failure(1)
    return (await session.call("UnlockConnector", {"connectorId": 1}, WAIT))["status"]


async def stops_after_power_cut(sim, session, world):
    await start_transaction(sim, session)
    await sim.power_cycle()
    await sim.wait_booted(WAIT)
    await settle(10)
    return [m.payload.get("reason") for m in session.received("StopTransaction")]


async def connector0_after_power_cut(sim, session, world):
    await session.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}, WAIT)
    await sim.power_cycle()
    await sim.wait_booted(WAIT)
    await settle(5)
    return last_status(session, 0)


FAR = "2099-01-01T00:00:00Z"  # an expiryDate no test outlives


async def reserve_faulted(sim, session, world):
    await sim.inject_fault(1, "GroundFailure")
    await session.expect("StatusNotification", lambda p: p["status"] == "Faulted", WAIT)
    payload = {"connectorId": 1, "expiryDate": FAR, "idTag": "RES", "reservationId": 1}
    return (await session.call("ReserveNow", payload, WAIT))["status"]


async def parent_authorized(sim, session, world):
    payload = {"connectorId": 1, "expiryDate": FAR, "idTag": "OWNER", "reservationId": 2}
    await session.call("ReserveNow", {**payload, "parentIdTag": "FAMILY"}, WAIT)
    await sim.plug(1)
    await sim.present_id_tag(1, "SIBLING")
    await settle(10)
    return len(session.received("Authorize"))


async def reservation_id_sent(sim, session, world):
    payload = {"connectorId": 1, "expiryDate": FAR, "idTag": "RES", "reservationId": 3}
    await session.call("ReserveNow", payload, WAIT)
    await sim.plug(1)
    await sim.present_id_tag(1, "RES")
    start = await session.expect("StartTransaction", timeout=WAIT)
    return start.payload.get("reservationId")


def _periodic_stamps(session: Session) -> list[str]:
    return [
        mv["timestamp"]
        for m in session.received("MeterValues")
        for mv in m.payload["meterValue"]
        if any(sv.get("context") == "Sample.Periodic" for sv in mv["sampledValue"])
    ]


async def offline_samples(sim, session, world):
    """Are periodic samples taken while offline delivered once back (section 3.7)?"""
    await start_transaction(sim, session)
    await settle(12)
    down = utc_iso(sim.clock.utc())
    await sim.go_offline()
    await settle(45)
    back = utc_iso(sim.clock.utc())
    await sim.go_online()
    await session.wait_connected(WAIT)
    await settle(25)
    return any(down < stamp < back for stamp in _periodic_stamps(session))


async def offline_samples_in_order(sim, session, world):
    """Are the periodic samples delivered in the order they were taken (section 3.7)?"""
    await start_transaction(sim, session)
    await sim.go_offline()
    await settle(45)
    await sim.go_online()
    await session.wait_connected(WAIT)
    await settle(25)
    stamps = _periodic_stamps(session)
    return len(stamps) > 3 and stamps == sorted(stamps)


async def offline_start_and_stop(sim, session, world):
    await sim.go_offline()
    await sim.plug(1)
    await sim.present_id_tag(1, "OFFLINE")
    await settle(5)
    await sim.unplug(1)
    await sim.go_online()
    await session.wait_connected(WAIT)
    await settle(20)
    return len(session.received("StartTransaction")), len(session.received("StopTransaction"))


# -- the Local Authorization List, failed transfers and refused profiles (OCTT TC_043_*,
# TC_008, TC_044_3, TC_045_2, TC_058_2, TC_082, TC_060) --------------------------------------

LIST_OF_ONE = {
    "listVersion": 4,
    "updateType": "Full",
    "localAuthorizationList": [{"idTag": "LIST1", "idTagInfo": {"status": "Accepted"}}],
}


async def broken_list_storage(sim, session, world):
    await sim.local_list_failure(True)
    return (await session.call("SendLocalList", LIST_OF_ONE, WAIT))["status"]


async def remote_start_of_list_tag(sim, session, world):
    await session.call("SendLocalList", LIST_OF_ONE, WAIT)
    await sim.plug(1)
    await session.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "LIST1"}, WAIT)
    await settle(10)
    return len(session.received("StartTransaction"))


async def damaged_image_statuses(sim, session, world):
    from chargecheck.script.catalogue.transfer_failures import not_an_image

    name = f"{sim.identity}-not-an-image.bin"
    (world.ftp_root / name).write_bytes(not_an_image())  # type: ignore[operator]
    request = {"location": world.ftp_location + name, "retrieveDate": utc_iso(sim.clock.utc())}
    await session.call("UpdateFirmware", request, WAIT)
    final = ("Installed", "InstallationFailed")
    await session.expect("FirmwareStatusNotification", lambda p: p["status"] in final, WAIT)
    return [m.payload["status"] for m in session.received("FirmwareStatusNotification")][-1]


async def refused_upload_status(sim, session, world):
    location = world.ftp_location.replace(":p@", ":wrong@")
    await session.call("GetDiagnostics", {"location": location, "retries": 1}, WAIT)
    final = ("Uploaded", "UploadFailed")
    done = await session.expect(
        "DiagnosticsStatusNotification", lambda p: p["status"] in final, WAIT
    )
    return done.payload["status"]


async def tx_profile_of_another_transaction(sim, session, world):
    await start_transaction(sim, session)
    tx = await sim.wait_transaction(1, WAIT)
    profile = {**ZERO, "chargingProfilePurpose": "TxProfile", "transactionId": tx + 100}
    payload = {"connectorId": 1, "csChargingProfiles": profile}
    return (await session.call("SetChargingProfile", payload, WAIT))["status"]


async def identified_without_cable(sim, session, world):
    await sim.present_id_tag(1, "TAG1")
    await settle(40)  # twice ConnectionTimeOut
    return last_status(session, 1)


async def remote_start_while_charging(sim, session, world):
    await start_transaction(sim, session)
    payload = {"idTag": "R2", "connectorId": 1}
    status = (await session.call("RemoteStartTransaction", payload, WAIT))["status"]
    await settle(10)
    return status, len(session.received("StartTransaction"))


CASES: dict[str, Case] = {
    "boot_missing_iccid": Case(boot_iccid, "89462038005003992030", None),
    "no_status_connector0": Case(boot_statuses, [0, 1, 2], [1, 2]),
    "slow_heartbeat": Case(heartbeat_gap, 10, 20, answers={"heartbeat_interval": 10}),
    "start_after_rejected_authorize": Case(
        start_after_blocked, 0, 1, answers={"id_tags": {"BLOCKED": "Blocked"}}
    ),
    "firmware_stops_at_downloaded": Case(
        firmware_statuses,
        ["Downloading", "Downloaded", "Installing", "Installed"],
        ["Downloading", "Downloaded"],
    ),
    "diagnostics_never_uploaded": Case(diagnostics_file, True, False),
    "change_configuration_not_supported": Case(
        status_of("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "30"}),
        "Accepted",
        "NotSupported",
    ),
    "drop_offline_queue": Case(
        offline_transaction, 1, 0, config={"AllowOfflineTxForUnknownId": "true"}
    ),
    "ignore_charging_limit": Case(zero_limit, "SuspendedEVSE", "Charging"),
    "missing_measurands": Case(
        begin_measurands,
        ["Current.Import", "Energy.Active.Import.Register", "Power.Active.Import", "Voltage"],
        ["Energy.Active.Import.Register"],
    ),
    "wrong_status_after_change_availability": Case(inoperative_status, "Unavailable", "Available"),
    "no_boot_after_reset": Case(boots_after_reset, 1, 0),
    "get_configuration_empty": Case(configuration_size, 125, 0),
    "no_meter_values": Case(meter_values_sent, True, False),
    "remote_start_rejected": Case(
        status_of("RemoteStartTransaction", {"idTag": "R1", "connectorId": 1}),
        "Accepted",
        "Rejected",
    ),
    "no_stop_on_unplug": Case(stop_on_unplug, 1, 0),
    "stop_reason_local": Case(unplug_reason, "EVDisconnected", "Local"),
    "clear_cache_rejected": Case(status_of("ClearCache", {}), "Accepted", "Rejected"),
    "trigger_message_rejected": Case(
        status_of("TriggerMessage", {"requestedMessage": "Heartbeat"}), "Accepted", "Rejected"
    ),
    "trigger_heartbeat_ignored": Case(triggered_heartbeats, ("Accepted", 1), ("Accepted", 0)),
    "no_fault_status": Case(fault_reported, "Faulted", "Available"),
    "silent_fault": Case(fault_reported, "Faulted", "Available"),
    "silent_after_reconnect": Case(heartbeats_after_reconnect, ("Accepted", 1), ("Accepted", 0)),
    "no_preparing_on_plug": Case(status_after_plug, "Preparing", "Available"),
    "set_charging_profile_rejected": Case(
        status_of("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": ZERO}),
        "Accepted",
        "Rejected",
    ),
    "unlock_failure_unlocked": Case(unlock_jammed, "UnlockFailed", "Unlocked"),
    "power_loss_no_stop": Case(
        stops_after_power_cut,
        ["PowerLoss"],
        [],
        config={"ResumeTransactionAfterPowerLoss": "false"},
    ),
    "availability_lost_on_power_cut": Case(connector0_after_power_cut, "Unavailable", "Available"),
    "reserve_ignores_status": Case(reserve_faulted, "Faulted", "Accepted"),
    "reservation_without_profile": Case(
        status_of(
            "ReserveNow", {"connectorId": 1, "expiryDate": FAR, "idTag": "R", "reservationId": 4}
        ),
        "Rejected",
        "Accepted",
        variants=frozenset({"no_reservation"}),
    ),
    "cancel_unknown_reservation_accepted": Case(
        status_of("CancelReservation", {"reservationId": 404}), "Rejected", "Accepted"
    ),
    "reservation_ignores_parent": Case(
        parent_authorized, 1, 0, answers={"parents": {"SIBLING": "FAMILY"}}
    ),
    "start_without_reservation_id": Case(reservation_id_sent, 3, None),
    "offline_meter_values_dropped": Case(
        offline_samples, True, False, config={"MeterValueSampleInterval": "10"}
    ),
    "offline_stop_lost": Case(
        offline_start_and_stop, (1, 1), (1, 0), config={"AllowOfflineTxForUnknownId": "true"}
    ),
    "offline_queue_newest_first": Case(
        offline_samples_in_order, True, False, config={"MeterValueSampleInterval": "10"}
    ),
    "accept_unapplied_value": Case(
        status_of("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "-1"}),
        "Rejected",
        "Accepted",
    ),
    "local_list_without_profile": Case(
        status_of("SendLocalList", LIST_OF_ONE),
        "NotSupported",
        "Accepted",
        variants=frozenset({"no_local_list"}),
    ),
    "local_list_failure_accepted": Case(broken_list_storage, "Failed", "Accepted"),
    "local_list_remote_start_lost": Case(remote_start_of_list_tag, 1, 0),
    "firmware_installs_damaged_image": Case(
        damaged_image_statuses, "InstallationFailed", "Installed"
    ),
    "diagnostics_upload_failure_hidden": Case(refused_upload_status, "UploadFailed", "Uploaded"),
    "tx_profile_any_transaction": Case(tx_profile_of_another_transaction, "Rejected", "Accepted"),
    "tx_default_not_during_transaction": Case(zero_limit, "SuspendedEVSE", "Charging"),
    "remote_start_any_profile_purpose": Case(
        status_of(
            "RemoteStartTransaction", {"idTag": "R1", "connectorId": 1, "chargingProfile": ZERO}
        ),
        "Rejected",
        "Accepted",
    ),
    "connection_timeout_ignored": Case(identified_without_cable, "Available", "Preparing"),
    "no_stop_while_cable_locked": Case(
        stop_on_unplug, 1, 0, config={"UnlockConnectorOnEVSideDisconnect": "false"}
    ),
    "stop_on_unplug_regardless": Case(
        stop_on_unplug, 0, 1, config={"StopTransactionOnEVSideDisconnect": "false"}
    ),
    "remote_start_busy_accepted": Case(
        remote_start_while_charging, ("Rejected", 1), ("Accepted", 1)
    ),
}

CASES.update(  # the security extension's (tests/sim/security_defects.py)
    {name: Case(*case) for name, case in SECURITY_CASES.items()}
)


def test_every_defect_has_a_case() -> None:
    assert set(CASES) == set(DEFECTS)


@pytest.mark.parametrize("defect", sorted(CASES))
async def test_the_defect_changes_what_the_central_system_sees(
    bench, answers, tmp_path, ftp, defect
):
    case = CASES[defect]
    world = World(tmp_path, ftp_location=ftp[0], ftp_root=ftp[1])
    for identity in ("GOOD", "BAD"):
        answers[identity] = Answers(**{"heartbeat_interval": 3600, **case.answers})

    async def observe(identity: str, defects: set[str]) -> Any:
        sim, session = await bench.start(
            identity,
            defects=defects,
            config=case.config,
            time_scale=SCALE,
            variants=case.variants,
        )
        return await case.scenario(sim, session, world)

    correct, defective = await asyncio.gather(observe("GOOD", set()), observe("BAD", {defect}))
    assert correct == case.correct
    assert defective == case.defective
    assert correct != defective

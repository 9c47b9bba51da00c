"""Every switchable defect changes the frames on the wire: each case runs one scenario on
a correct station and on a station with the defect, side by side against the same Central
System, and checks what each one's frames show (``chargecheck.sim.defects``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from chargecheck.clock import utc_iso
from chargecheck.csms import Answers, Session
from chargecheck.sim.defects import DEFECTS
from chargecheck.sim.simulator import Simulator

from .conftest import WAIT

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
}


def test_every_defect_has_a_case() -> None:
    assert set(CASES) == set(DEFECTS)


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "ftp"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("u", "p", str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.05, "handle_exit": False}, daemon=True
    )
    thread.start()
    yield f"ftp://u:p@127.0.0.1:{server.socket.getsockname()[1]}/", root
    server.close_all()
    thread.join(5)


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
            identity, defects=defects, config=case.config, time_scale=SCALE
        )
        return await case.scenario(sim, session, world)

    correct, defective = await asyncio.gather(observe("GOOD", set()), observe("BAD", {defect}))
    assert correct == case.correct
    assert defective == case.defective
    assert correct != defective

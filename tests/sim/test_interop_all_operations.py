"""The simulator against a Central System we did not write, for every operation a Central
System may start in OCPP 1.6 (chapter 5): the ``ocpp`` package's ``ChargePoint`` used
server-side over a ``websockets`` server on 127.0.0.1:0, the station a real ``Simulator``,
firmware and diagnostics over the project's own HTTP and FTP servers (``FileServices``).

The ``ocpp`` package validates every CALLRESULT against the OCPP 1.6 schemas as it
receives it (a CALLERROR fails the call: ``suppress=False``) and every CALL the station
sends; a station CALL it finds invalid is answered with a CALLERROR, and the tests check
the Central System sent none. OCPP 1.6 defines 19 Central-System-initiated operations (its
security extension adds more, which the station does not claim); the first test sends all
19, the others check the frames 1.6 says follow an answer."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from chargecheck.clock import utc_iso
from chargecheck.files import FileServices
from chargecheck.protocol.actions import CENTRAL_ACTIONS
from chargecheck.protocol.schemas import validate
from chargecheck.sim.simulator import Simulator

from .conftest import SCALE, seed_configuration
from .test_ocpp_interop import (
    WAIT,
    PeerCentralSystem,
    status_of,
    told_security_events,
    unhandled_call_errors,
)

IDENTITY = "CP1"
RUNNING = "4.4.0-3106"

# Every Central-System-initiated operation of OCPP 1.6 and the feature profile it belongs
# to (section 3.1 and chapter 5).
OPERATIONS = {
    "ChangeAvailability": "Core",
    "ChangeConfiguration": "Core",
    "ClearCache": "Core",
    "DataTransfer": "Core",
    "GetConfiguration": "Core",
    "RemoteStartTransaction": "Core",
    "RemoteStopTransaction": "Core",
    "Reset": "Core",
    "UnlockConnector": "Core",
    "GetDiagnostics": "FirmwareManagement",
    "UpdateFirmware": "FirmwareManagement",
    "GetLocalListVersion": "LocalAuthListManagement",
    "SendLocalList": "LocalAuthListManagement",
    "CancelReservation": "Reservation",
    "ReserveNow": "Reservation",
    "ClearChargingProfile": "SmartCharging",
    "GetCompositeSchedule": "SmartCharging",
    "SetChargingProfile": "SmartCharging",
    "TriggerMessage": "RemoteTrigger",
}

# Station-side settings (station seconds, SCALE times faster than real time): the car
# plugged in from boot waits for its transaction longer than any test runs.
SETTINGS = {"ConnectionTimeOut": "3600", "OCPPCallTimeout": "300"}

CHARGE_POINT_MAX = {
    "chargingProfileId": 11,
    "stackLevel": 0,
    "chargingProfilePurpose": "ChargePointMaxProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}


class FullPeer(PeerCentralSystem):
    """``PeerCentralSystem`` that also takes the Firmware Management notifications."""

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, **payload: Any
    ) -> call_result.FirmwareStatusNotification:
        await self._record("FirmwareStatusNotification", payload)
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(
        self, **payload: Any
    ) -> call_result.DiagnosticsStatusNotification:
        await self._record("DiagnosticsStatusNotification", payload)
        return call_result.DiagnosticsStatusNotification()


class Interop:
    """One simulated station connected to the ``ocpp`` package's Central System; each
    connection of the station (a new one after every reboot) is a new ``FullPeer``."""

    sim: Simulator  # made once the server has its port

    def __init__(self, files: FileServices) -> None:
        self.files = files
        self.connections: asyncio.Queue[FullPeer] = asyncio.Queue()
        self.peers: list[FullPeer] = []

    async def next_peer(self) -> FullPeer:
        """The station's next connection, once its boot statuses are in."""
        peer = await asyncio.wait_for(self.connections.get(), WAIT)
        self.peers.append(peer)
        await peer.first("BootNotification", lambda p: True, WAIT)
        await peer.first("StatusNotification", lambda p: p["connector_id"] == 2, WAIT)
        return peer

    async def send(self, peer: FullPeer, request: Any) -> Any:
        """``request`` sent; its CALLRESULT, schema-checked by the ``ocpp`` package (a
        CALLERROR raises)."""
        return await asyncio.wait_for(peer.call(request, suppress=False), WAIT)

    def sent_actions(self) -> set[str]:
        return {frame[2] for peer in self.peers for frame in peer.sent if frame[0] == 2}

    def answers(self) -> dict[str, dict[str, Any]]:
        """The payload of each CALLRESULT the station sent, by the action it answers."""
        out: dict[str, dict[str, Any]] = {}
        for peer in self.peers:
            actions = {frame[1]: frame[2] for frame in peer.sent if frame[0] == 2}
            for frame in peer.frames_in:
                if frame[0] == 3 and frame[1] in actions:
                    out[actions[frame[1]]] = frame[2]
        return out

    def call_errors(self) -> list[list[Any]]:
        """Every CALLERROR the Central System sent: a station CALL invalid or unhandled
        (but the NotImplemented of a SecurityEventNotification, which has no handler)."""
        return unhandled_call_errors(self.peers)

    def resent_security_events(self) -> list[tuple[str, str]]:
        """Security events the station sent more than once (after NotImplemented)."""
        told = told_security_events(self.peers)
        return [event for event in set(told) if told.count(event) > 1]


@pytest.fixture
async def interop(tmp_path: Path) -> AsyncIterator[Interop]:
    state = tmp_path / "state"
    seed_configuration(state, IDENTITY, SETTINGS)
    async with FileServices(tmp_path / "files") as files:
        world = Interop(files)

        async def handler(connection: ServerConnection) -> None:
            assert connection.request is not None
            identity = connection.request.path.rsplit("/", 1)[-1]
            peer = FullPeer(identity, connection)
            world.connections.put_nowait(peer)
            with suppress(ConnectionClosed):  # the station went (a reboot): this peer ends
                await peer.start()

        async with serve(
            handler, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")], ping_interval=None
        ) as server:
            port = server.sockets[0].getsockname()[1]
            world.sim = Simulator(
                f"ws://127.0.0.1:{port}/ocpp",
                IDENTITY,
                state_dir=state,
                time_scale=SCALE,
                ev_connected=[1],
            )
            async with world.sim:
                yield world
    assert world.call_errors() == []
    assert world.resent_security_events() == []


def later(sim: Simulator, seconds: float) -> str:
    return utc_iso(sim.clock.utc() + timedelta(seconds=seconds))


def statuses(peer: FullPeer, action: str, start: int = 0) -> list[str]:
    return [p["status"] for a, p in peer.received[start:] if a == action]


# -- every operation -------------------------------------------------------------------------


async def test_every_operation_of_the_claimed_profiles_gets_a_schema_valid_answer(interop):
    sim, files = interop.sim, interop.files
    peer = await interop.next_peer()
    send = interop.send

    answer = await send(peer, call.GetConfiguration(key=["SupportedFeatureProfiles"]))
    claimed = set(answer.configuration_key[0]["value"].split(","))
    assert set(OPERATIONS.values()) <= claimed  # so none may be a CALLERROR NotImplemented
    everything = await send(peer, call.GetConfiguration())
    assert len(everything.configuration_key) == 125
    assert (await send(peer, call.ChangeConfiguration("LightIntensity", "50"))).status == (
        "Accepted"
    )
    assert (await send(peer, call.ClearCache())).status == "Accepted"
    vendor = await send(peer, call.DataTransfer("Alfen BV", message_id="unknown"))
    assert vendor.status == "UnknownMessageId"
    assert (await send(peer, call.GetLocalListVersion())).list_version == 0
    entry = {"idTag": "LOCAL1", "idTagInfo": {"status": "Accepted"}}
    sent = await send(peer, call.SendLocalList(3, "Full", [entry]))
    assert sent.status == "Accepted"
    assert (await send(peer, call.GetLocalListVersion())).list_version == 3

    profile = await send(peer, call.SetChargingProfile(0, CHARGE_POINT_MAX))
    assert profile.status == "Accepted"
    composite = await send(peer, call.GetCompositeSchedule(1, 600, "A"))
    assert composite.status == "Accepted"
    assert composite.charging_schedule["charging_schedule_period"][0]["limit"] == 16.0
    cleared = await send(peer, call.ClearChargingProfile(id=11))
    assert cleared.status == "Accepted"

    reserved = await send(peer, call.ReserveNow(2, later(sim, 3600), "RES1", 7))
    assert reserved.status == "Accepted"
    assert (await send(peer, call.CancelReservation(7))).status == "Accepted"
    assert (await send(peer, call.CancelReservation(7))).status == "Rejected"  # gone
    availability = await send(peer, call.ChangeAvailability(2, "Inoperative"))
    assert availability.status == "Accepted"
    assert (await send(peer, call.ChangeAvailability(2, "Operative"))).status == "Accepted"
    assert (await send(peer, call.TriggerMessage("Heartbeat"))).status == "Accepted"
    assert (await send(peer, call.UnlockConnector(2))).status == "Unlocked"

    start = await send(peer, call.RemoteStartTransaction("REMOTE1", connector_id=1))
    assert start.status == "Accepted"
    started = await peer.first("StartTransaction", lambda p: True, WAIT)
    assert started["id_tag"] == "REMOTE1"
    # Charging is sent once StartTransaction.conf is in: the station knows transaction 100.
    await peer.first("StatusNotification", status_of(1, "Charging"), WAIT)
    stop = await send(peer, call.RemoteStopTransaction(100))  # the peer's first id
    assert stop.status == "Accepted"

    diagnostics = await send(peer, call.GetDiagnostics(files.ftp_url))
    assert diagnostics.file_name.startswith(f"{IDENTITY}-diagnostics-")
    tomorrow = later(sim, 86400)  # answered now, downloaded never within this test
    assert await send(peer, call.UpdateFirmware("http://127.0.0.1:9/fw.bin", tomorrow)) == (
        call_result.UpdateFirmware()
    )
    assert (await send(peer, call.Reset("Soft"))).status == "Accepted"

    assert interop.sent_actions() == set(OPERATIONS)
    assert set(OPERATIONS) <= CENTRAL_ACTIONS
    answers = interop.answers()
    assert set(answers) == set(OPERATIONS)  # a CALLRESULT each, no CALLERROR
    for action, payload in answers.items():  # our own validator agrees with the package's
        validate(action, payload, response=True)


# -- what follows the answers ----------------------------------------------------------------


async def test_remote_start_with_the_car_in_starts_charging_and_remote_stop_stops(interop):
    peer = await interop.next_peer()
    await peer.first("StatusNotification", status_of(1, "Preparing"), WAIT)
    mark = len(peer.received)
    start = await interop.send(peer, call.RemoteStartTransaction("REMOTE1", connector_id=1))
    assert start.status == "Accepted"
    started = await peer.first("StartTransaction", lambda p: True, WAIT, mark)
    assert (started["connector_id"], started["id_tag"]) == (1, "REMOTE1")
    await peer.first("StatusNotification", status_of(1, "Charging"), WAIT, mark)

    mark = len(peer.received)
    stop = await interop.send(peer, call.RemoteStopTransaction(100))
    assert stop.status == "Accepted"
    stopped = await peer.first("StopTransaction", lambda p: True, WAIT, mark)
    assert (stopped["transaction_id"], stopped["reason"]) == (100, "Remote")
    await peer.first("StatusNotification", status_of(1, "Finishing"), WAIT, mark)


async def test_change_availability_and_trigger_message_bring_status_notifications(interop):
    peer = await interop.next_peer()
    mark = len(peer.received)
    answer = await interop.send(peer, call.ChangeAvailability(2, "Inoperative"))
    assert answer.status == "Accepted"
    await peer.first("StatusNotification", status_of(2, "Unavailable"), WAIT, mark)
    mark = len(peer.received)
    assert (await interop.send(peer, call.ChangeAvailability(2, "Operative"))).status == (
        "Accepted"
    )
    await peer.first("StatusNotification", status_of(2, "Available"), WAIT, mark)

    mark = len(peer.received)
    trigger = await interop.send(peer, call.TriggerMessage("StatusNotification", 1))
    assert trigger.status == "Accepted"
    triggered = await peer.first("StatusNotification", lambda p: True, WAIT, mark)
    assert (triggered["connector_id"], triggered["status"]) == (1, "Preparing")


async def test_reserve_now_makes_the_connector_reserved_for_its_id_tag_alone(interop):
    sim = interop.sim
    peer = await interop.next_peer()
    mark = len(peer.received)
    reserved = await interop.send(peer, call.ReserveNow(2, later(sim, 3600), "RES1", 7))
    assert reserved.status == "Accepted"
    await peer.first("StatusNotification", status_of(2, "Reserved"), WAIT, mark)
    taken = await interop.send(peer, call.ReserveNow(2, later(sim, 3600), "OTHER", 8))
    assert taken.status == "Occupied"
    mark = len(peer.received)
    assert (await interop.send(peer, call.CancelReservation(7))).status == "Accepted"
    await peer.first("StatusNotification", status_of(2, "Available"), WAIT, mark)

    await interop.send(peer, call.ReserveNow(2, later(sim, 3600), "RES2", 9))
    other = await interop.send(peer, call.RemoteStartTransaction("OTHER", connector_id=2))
    assert other.status == "Rejected"
    mark = len(peer.received)
    own = await interop.send(peer, call.RemoteStartTransaction("RES2", connector_id=2))
    assert own.status == "Accepted"
    await peer.first("StatusNotification", status_of(2, "Preparing"), WAIT, mark)
    await sim.plug(2)
    started = await peer.first("StartTransaction", lambda p: True, WAIT, mark)
    assert (started["connector_id"], started["id_tag"]) == (2, "RES2")
    assert started["reservation_id"] == 9  # section 4.8: the transaction ends reservation 9
    await peer.first("StatusNotification", status_of(2, "Charging"), WAIT, mark)


async def test_reset_brings_a_new_boot_notification(interop):
    peer = await interop.next_peer()
    assert (await interop.send(peer, call.Reset("Hard"))).status == "Accepted"
    again = await interop.next_peer()
    boot = again.received[0]
    assert boot[0] == "BootNotification" and boot[1]["firmware_version"] == RUNNING


async def test_update_firmware_with_an_ordinary_file_installs_and_boots_the_new_version(interop):
    sim, files = interop.sim, interop.files
    data = random.Random(16).randbytes(64 * 1024)
    vendor = files.root / "ng9-4.5.0.bin"
    vendor.write_bytes(data)
    url = files.firmware_url(files.add_firmware(vendor))
    peer = await interop.next_peer()
    mark = len(peer.received)
    answer = await interop.send(peer, call.UpdateFirmware(url, later(sim, 0), retries=1))
    assert answer == call_result.UpdateFirmware()
    await peer.first("FirmwareStatusNotification", lambda p: p["status"] == "Installed", WAIT)
    assert statuses(peer, "FirmwareStatusNotification", mark) == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]
    again = await interop.next_peer()
    boot = again.received[0][1]
    assert boot["firmware_version"] == f"{RUNNING}+{hashlib.sha256(data).hexdigest()[:8]}"
    assert (await files.wait_for_download(WAIT, vendor.name)).size == len(data)


async def test_get_diagnostics_uploads_its_file_to_the_ftp_server(interop):
    files = interop.files
    peer = await interop.next_peer()
    mark = len(peer.received)
    answer = await interop.send(peer, call.GetDiagnostics(files.ftp_url, retries=1))
    await peer.first("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded", WAIT)
    assert statuses(peer, "DiagnosticsStatusNotification", mark) == ["Uploading", "Uploaded"]
    uploaded = await files.wait_for_upload(WAIT, answer.file_name)
    assert uploaded.size > 0
    text = (files.run_dir / answer.file_name).read_text()
    assert "Alfen BV" in text

"""The security events of the simulator (security whitepaper, edition 3: use case A04 and
its list "Security Events"): every event goes to the security log, only the critical ones
(and the few a use case says to send) are told with SecurityEventNotification, after the
boot is Accepted, in order with the queue. Against chargecheck's Central System over real
sockets on 127.0.0.1, then the model alone (sans I/O) for what sockets do not reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.csms import Answers, Cursor
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.protocol.frames import Call, CallError, decode_frame, encode_frame
from chargecheck.sim.actions import SendFrame
from chargecheck.sim.security import SECURITY_EVENTS, SENT_ANYWAY, sent_to_central_system

from .conftest import WAIT
from .test_station_model import Pair

EVENT = "SecurityEventNotification"


def told(session: Any, cursor: Cursor | None = None) -> list[tuple[str, str]]:
    """(type, techInfo) of the security events the station told, since ``cursor``."""
    found = session.received(EVENT, cursor or Cursor())
    return [(m.payload["type"], m.payload.get("techInfo", "")) for m in found]


async def settled(session: Any, cursor: Cursor) -> None:
    """The boot since ``cursor`` is over: its last StatusNotification is in. Anything the
    station queued before it (a security event of the boot) has arrived by then."""
    await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT, cursor)


# -- over 127.0.0.1 ------------------------------------------------------------------------


async def test_a_power_on_tells_startup_of_the_device_only_after_the_boot_is_accepted(
    bench, answers
):
    answers["CP1"] = Answers(boot_status="Pending", heartbeat_interval=20)
    sim = bench.station()
    await sim.start()
    session = await bench.cs.wait_for_station("CP1", WAIT)
    await session.expect("BootNotification", timeout=WAIT)
    await session.expect("BootNotification", timeout=WAIT)  # retried: still Pending
    assert {m.action for m in session.inbox} == {"BootNotification"}  # OCPP 1.6 4.2
    answers["CP1"].boot_status = "Accepted"
    await sim.wait_booted(WAIT)
    event = await session.expect(EVENT, timeout=WAIT)
    assert (event.payload["type"], event.payload["techInfo"]) == ("StartupOfTheDevice", "power on")
    accepted = [m for m in session.inbox if m.action == "BootNotification"][-1]
    assert event.index == accepted.index + 1  # first of all once Accepted: it was queued first
    assert event.payload["timestamp"] <= utc_iso(sim.clock.utc())


async def test_a_reset_tells_reset_or_reboot_and_a_later_power_cut_startup_again(bench):
    sim, session = await bench.start("CP1")
    assert told(session) == [("StartupOfTheDevice", "power on")]
    cursor = session.mark()
    assert (await session.call("Reset", {"type": "Soft"}, WAIT))["status"] == "Accepted"
    boot = await session.expect("BootNotification", timeout=WAIT * 2, cursor=cursor)
    await settled(session, cursor)
    assert told(session, cursor) == [("ResetOrReboot", "Soft reset")]
    assert session.received(EVENT, cursor)[0].index > boot.index

    cursor = session.mark()
    await sim.power_cycle()  # the mains, not the station's own reboot
    await session.expect("BootNotification", timeout=WAIT * 2, cursor=cursor)
    await settled(session, cursor)
    assert told(session, cursor) == [("StartupOfTheDevice", "power on")]


async def test_a_firmware_install_tells_firmware_updated_then_reset_or_reboot(bench, http_files):
    http_files.files["/fw.bin"] = firmware_image("4.5.0-9999", 1024)
    sim, session = await bench.start("CP1")
    cursor = session.mark()
    request = {"location": http_files.url("/fw.bin"), "retrieveDate": utc_iso(sim.clock.utc())}
    assert await session.call("UpdateFirmware", request, WAIT) == {}  # OCPP 1.6's own
    boot = await session.expect("BootNotification", timeout=WAIT * 2, cursor=cursor)
    await settled(session, cursor)
    assert told(session, cursor) == [
        ("FirmwareUpdated", "firmware 4.5.0-9999"),
        ("ResetOrReboot", "firmware"),
    ]
    updated, rebooted = session.received(EVENT, cursor)
    assert updated.index < boot.index < rebooted.index


async def test_a_non_critical_event_is_in_the_uploaded_security_log_but_not_told(bench, ftp):
    location, root = ftp
    _sim, session = await bench.start("CP1")
    change = {"key": "SecurityProfile", "value": "0"}  # the same: no reconnection
    assert (await session.call("ChangeConfiguration", change, WAIT))["status"] == "Accepted"
    cursor = session.mark()  # a Heartbeat asked now goes after anything queued before
    await session.call("TriggerMessage", {"requestedMessage": "Heartbeat"}, WAIT)
    await session.expect("Heartbeat", timeout=WAIT, cursor=cursor)
    assert told(session) == [("StartupOfTheDevice", "power on")]
    log = {"logType": "SecurityLog", "requestId": 3, "log": {"remoteLocation": location}}
    answer = await session.call("GetLog", log, WAIT)
    await session.expect("LogStatusNotification", lambda p: p["status"] == "Uploaded", WAIT)
    lines = (root / answer["filename"]).read_text().splitlines()
    events = [line.split(" ", 1)[1] for line in lines if line[:1].isdigit()]
    assert events == [
        "StartupOfTheDevice power on",
        "ReconfigurationOfSecurityParameters SecurityProfile 0",
    ]


async def test_a_station_without_the_extension_tells_no_security_event(bench):
    _sim, session = await bench.start("CP1", variants={"no_security_extension"})
    cursor = session.mark()
    assert (await session.call("Reset", {"type": "Hard"}, WAIT))["status"] == "Accepted"
    await session.expect("BootNotification", timeout=WAIT * 2, cursor=cursor)
    await settled(session, cursor)
    assert told(session) == []


# -- the model alone -------------------------------------------------------------------------


def test_only_the_critical_events_of_the_list_and_those_a_use_case_sends_are_told():
    critical = {kind for kind, yes in SECURITY_EVENTS.items() if yes}
    assert critical == {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
    }
    assert len(SECURITY_EVENTS) == 18 and set(SENT_ANYWAY) <= set(SECURITY_EVENTS) - critical
    sent = {kind for kind in SECURITY_EVENTS if sent_to_central_system(kind)}
    assert sent == critical | set(SENT_ANYWAY)
    assert not sent_to_central_system("VendorSpecificEvent")  # not in the list: logged only


def security_log(pair: Pair) -> list[str]:
    text = pair.station.security_log_file().decode()
    return [line.split()[1] for line in text.splitlines() if line[:1].isdigit()]


def test_malformed_frames_and_results_are_logged_as_invalid_messages_not_told(tmp_path):
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    events = len(pair.sent(EVENT))
    for text in ('[2, "a1", "Reset"', encode_frame(Call("a2", "Reset", {"type": "Sideways"}))):
        pair.station.receive(text, pair.now())
        (answer,) = pair.station.take_actions()  # not OCPP-J; a payload breaking the schema
        assert isinstance(answer, SendFrame)
        assert isinstance(decode_frame(answer.text), CallError)
    with pair.answers.override("Heartbeat", lambda p: {}):  # no currentTime: breaks it too
        pair.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert security_log(pair) == ["StartupOfTheDevice"] + ["InvalidMessages"] * 3
    assert len(pair.sent(EVENT)) == events


class RefusingPair(Pair):
    """A Central System that answers SecurityEventNotification with ``code``."""

    code = "NotImplemented"

    def perform(self, action: Any) -> None:
        frame = decode_frame(action.text) if isinstance(action, SendFrame) else None
        if isinstance(frame, Call) and frame.action == EVENT and self.online:
            self.calls.append(frame)
            error = CallError(frame.unique_id, self.code, "no handler", {})
            self.station.receive(encode_frame(error), self.now())
            return
        super().perform(action)


def test_a_security_event_the_central_system_does_not_implement_is_not_resent(tmp_path):
    pair = RefusingPair(tmp_path / "s.sqlite")
    pair.connect()
    assert [p["type"] for p in pair.sent(EVENT)] == ["StartupOfTheDevice"]
    pair.advance(3600)  # TransactionMessageRetryInterval 60 s, 3 attempts: long past
    assert len(pair.sent(EVENT)) == 1
    assert pair.store.queued() == []  # nothing waits to hold up the transaction messages
    assert security_log(pair) == ["StartupOfTheDevice"]  # still in the log


def test_a_security_event_that_fails_otherwise_is_resent_as_a_transaction_message(tmp_path):
    pair = RefusingPair(tmp_path / "s.sqlite")
    pair.code = "InternalError"  # the Central System failed to process it: try again
    pair.connect()
    pair.advance(3600)
    assert [p["type"] for p in pair.sent(EVENT)] == ["StartupOfTheDevice"] * 3
    assert pair.store.queued() == []  # given up after TransactionMessageAttempts


def test_the_reboot_reason_is_forgotten_once_up(tmp_path: Path):
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    pair.call("Reset", {"type": "Hard"})
    pair.advance(60)
    assert [p["type"] for p in pair.sent(EVENT)] == ["StartupOfTheDevice", "ResetOrReboot"]
    pair.station = type(pair.station)(pair.settings, pair.store, pair.now())  # the mains
    pair.connect()
    assert [p["type"] for p in pair.sent(EVENT)][-1] == "StartupOfTheDevice"

"""Boot, heartbeat, offline status changes and Reset of the 2.0.1 station model (use cases
B01-B04, B11, B12), by plain calls against the in-memory CSMS of ``pair``."""

from __future__ import annotations

from pathlib import Path

from chargecheck.protocol.frames import CallError

from .pair import Pair


def in_transaction(tmp_path: Path) -> Pair:
    """A booted station with a transaction on EVSE 1: the car plugged in, TAG presented."""
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG")
    return pair


def test_boot_accepted_then_a_status_per_connector_then_heartbeats(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite", interval=120)
    pair.connect()
    actions = [c.action for c in pair.calls]
    assert actions == ["BootNotification", "StatusNotification", "StatusNotification"]
    assert pair.calls[0].payload["reason"] == "PowerUp"
    assert {(s["evseId"], s["connectorId"]) for s in pair.of("StatusNotification")} == {
        (1, 1),
        (2, 1),
    }
    assert pair.station.model.integer("OCPPCommCtrlr", "HeartbeatInterval", 0) == 120
    pair.advance(119)
    assert pair.of("Heartbeat") == []
    pair.advance(1)
    assert len(pair.of("Heartbeat")) == 1
    pair.advance(120)
    assert len(pair.of("Heartbeat")) == 2


def test_pending_sends_nothing_of_its_own_and_boots_again_after_the_interval(
    tmp_path: Path,
) -> None:
    pair = Pair(tmp_path / "s.sqlite", boot="Pending", interval=30)
    pair.connect()
    pair.act("plug", 1)
    pair.advance(29)
    assert [c.action for c in pair.calls] == ["BootNotification"]
    pair.advance(1)
    assert [c.action for c in pair.calls] == ["BootNotification"] * 2


def test_pending_answers_device_model_requests_and_rejects_remote_start(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite", boot="Pending", interval=300)
    pair.connect()
    got = pair.send(
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}}
            ]
        },
    )
    assert isinstance(got, dict) and got["getVariableResult"][0]["attributeStatus"] == "Accepted"
    token = {"idToken": "T", "type": "Central"}
    start = pair.send("RequestStartTransaction", {"idToken": token, "remoteStartId": 1})
    assert start == {"status": "Rejected"}  # B02.FR.05
    refused = pair.send("ChangeAvailability", {"operationalStatus": "Inoperative"})
    assert isinstance(refused, CallError) and refused.error_code == "SecurityError"


def test_pending_then_triggered_boot_accepted_reports_the_statuses(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite", boot="Pending", interval=300)
    pair.connect()
    pair.boot_status = "Accepted"
    answer = pair.send("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert answer == {"status": "Accepted"}
    assert [c.action for c in pair.calls][:2] == ["BootNotification"] * 2
    assert len(pair.of("StatusNotification")) == 2


def test_rejected_answers_security_error_and_boots_again(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite", boot="Rejected", interval=50)
    pair.connect()
    refused = pair.send("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
    assert isinstance(refused, CallError) and refused.error_code == "SecurityError"
    pair.advance(50)
    assert [c.action for c in pair.calls] == ["BootNotification"] * 2


def test_a_short_outage_reports_only_the_connectors_that_changed(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    pair.disconnect()
    pair.act("plug", 2)
    pair.advance(30)  # OfflineThreshold is 60
    mark = pair.mark()
    pair.connect()
    assert [c.action for c in pair.calls[mark:]] == ["StatusNotification"]
    assert pair.of("StatusNotification", mark)[0]["evseId"] == 2


def test_a_long_outage_reports_every_connector_and_no_boot(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    pair.disconnect()
    pair.advance(61)
    mark = pair.mark()
    pair.connect()
    assert [c.action for c in pair.calls[mark:]] == ["StatusNotification"] * 2


def test_reset_immediate_without_transaction_reboots_with_reason_remote_reset(
    tmp_path: Path,
) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    assert pair.send("Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    assert pair.reboots
    pair.reboot()
    mark = pair.mark()
    pair.connect()
    assert pair.of("BootNotification", mark)[0]["reason"] == "RemoteReset"


def test_reset_on_idle_waits_for_the_transaction_to_end(tmp_path: Path) -> None:
    pair = in_transaction(tmp_path)
    assert pair.send("Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
    pair.advance(100)
    assert not pair.reboots
    pair.act("unplug", 1)
    assert pair.events()[-1]["eventType"] == "Ended"
    assert pair.reboots


def test_reset_immediate_ends_the_transaction_first(tmp_path: Path) -> None:
    pair = in_transaction(tmp_path)
    assert pair.send("Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    ended = pair.events()[-1]
    assert ended["eventType"] == "Ended"
    assert ended["triggerReason"] == "ResetCommand"
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert pair.reboots


def test_reset_of_one_evse_is_rejected(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    answer = pair.send("Reset", {"type": "Immediate", "evseId": 1})
    assert isinstance(answer, dict) and answer["status"] == "Rejected"
    assert not pair.reboots


def test_unavailable_persists_a_reset(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    answer = pair.send(
        "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}
    )
    assert answer == {"status": "Accepted"}
    assert pair.of("StatusNotification")[-1]["connectorStatus"] == "Unavailable"
    pair.send("Reset", {"type": "Immediate"})
    pair.reboot()
    mark = pair.mark()
    pair.connect()
    statuses = {s["evseId"]: s["connectorStatus"] for s in pair.of("StatusNotification", mark)}
    assert statuses == {1: "Available", 2: "Unavailable"}


def test_a_transaction_cut_by_a_power_loss_ends_at_the_next_power_on(tmp_path: Path) -> None:
    pair = in_transaction(tmp_path)
    started = pair.events()[0]
    pair.station = pair._power_on()  # the mains go and come back: same disk, same cable
    mark = pair.mark()
    pair.connect()
    ended = pair.events(mark)
    assert [e["eventType"] for e in ended] == ["Ended"]
    assert (
        ended[0]["transactionInfo"]["transactionId"]
        == (started["transactionInfo"]["transactionId"])
    )
    assert ended[0]["transactionInfo"]["stoppedReason"] == "PowerLoss"
    assert ended[0]["offline"] is True


def test_a_local_reboot_ends_the_transaction_and_boots_with_reason_local_reset(
    tmp_path: Path,
) -> None:
    pair = in_transaction(tmp_path)
    pair.act("local_reboot")
    assert pair.events()[-1]["eventType"] == "Ended"
    pair.reboot()
    mark = pair.mark()
    pair.connect()
    assert pair.of("BootNotification", mark)[0]["reason"] == "LocalReset"
    assert pair.events(mark) == []  # nothing left to end

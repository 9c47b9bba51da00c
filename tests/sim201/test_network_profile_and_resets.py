"""SetNetworkProfile (use case B09), the boot reason of a deferred reset (B12) and a status
lost with the connection (B04) on the 2.0.1 station model, by plain calls against the
in-memory CSMS of ``pair``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .pair import Pair
from .test_boot_and_reset import in_transaction


def profile(security: int = 0) -> dict[str, Any]:
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "ws://127.0.0.1:9000/ocpp",
        "messageTimeout": 30,
        "securityProfile": security,
        "ocppInterface": "Wired0",
    }


def test_a_profile_goes_into_a_slot_of_the_values_list(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    answer = pair.send("SetNetworkProfile", {"configurationSlot": 2, "connectionData": profile()})
    assert answer == {"status": "Accepted"}
    assert pair.station.store.get("network_profiles") == {"2": profile()}


def test_a_slot_out_of_the_values_list_is_rejected(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    answer = pair.send("SetNetworkProfile", {"configurationSlot": 999, "connectionData": profile()})
    assert isinstance(answer, dict) and answer["status"] == "Rejected"  # B09.FR.05
    assert answer["statusInfo"]["reasonCode"] == "InvalidConfSlot"
    assert pair.station.store.get("network_profiles") is None


def test_a_lower_security_profile_is_rejected(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    address = pair.station.model.address("SecurityCtrlr", "SecurityProfile")
    pair.station.model.set_internal(address, "1")
    answer = pair.send("SetNetworkProfile", {"configurationSlot": 1, "connectionData": profile()})
    assert isinstance(answer, dict) and answer["status"] == "Rejected"  # B09.FR.04


def test_a_reset_waiting_for_a_transaction_boots_with_reason_scheduled_reset(
    tmp_path: Path,
) -> None:
    pair = in_transaction(tmp_path)
    assert pair.send("Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
    pair.act("present_id_token", 1, "TAG")  # the same card stops the transaction
    assert pair.events()[-1]["eventType"] == "Ended"
    pair.reboot()
    mark = pair.mark()
    pair.connect()
    assert pair.of("BootNotification", mark)[0]["reason"] == "ScheduledReset"


def test_a_status_lost_with_the_connection_is_reported_once_back(tmp_path: Path) -> None:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    pair.answer_calls = False  # the StatusNotification goes, its answer never comes
    pair.act("plug", 1)
    assert pair.of("StatusNotification")[-1]["connectorStatus"] == "Occupied"
    pair.disconnect()
    pair.answer_calls = True
    mark = pair.mark()
    pair.connect()  # a short outage: only what changed, and this change was not delivered
    assert [(s["evseId"], s["connectorStatus"]) for s in pair.of("StatusNotification", mark)] == [
        (1, "Occupied")
    ]

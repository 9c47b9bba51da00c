"""Transactions of the 2.0.1 station model (use cases E01-E07, E11-E14, F01-F03): start and
stop points as TxCtrlr says, the TransactionEvents with their seqNo, triggerReason,
chargingState and meter values, the offline queue and its retries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .pair import Pair


def pair_with(tmp_path: Path, **variables: str) -> Pair:
    """A booted station with TxCtrlr / SampledDataCtrlr values set as a CSMS would."""
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    for name, value in variables.items():
        component = "SampledDataCtrlr" if name.startswith("TxUpdated") else "TxCtrlr"
        item = {
            "component": {"name": component},
            "variable": {"name": name},
            "attributeValue": value,
        }
        answer = pair.send("SetVariables", {"setVariableData": [item]})
        assert isinstance(answer, dict)
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
    return pair


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, str, int]]:
    return [
        (e["eventType"], e["triggerReason"], e["transactionInfo"]["chargingState"], e["seqNo"])
        for e in events
    ]


def test_cable_first_then_card_starts_at_power_path_closed_and_stops_by_card(
    tmp_path: Path,
) -> None:
    pair = pair_with(tmp_path)
    pair.act("plug", 1)
    assert pair.events() == []  # TxStartPoint PowerPathClosed: no transaction yet
    pair.act("present_id_token", 1, "TAG1")
    pair.advance(125)
    pair.act("present_id_token", 1, "TAG1")
    events = pair.events()
    assert summary(events) == [
        ("Started", "Authorized", "Charging", 0),
        ("Updated", "MeterValuePeriodic", "Charging", 1),
        ("Updated", "MeterValuePeriodic", "Charging", 2),
        ("Ended", "StopAuthorized", "EVConnected", 3),
    ]
    assert events[0]["idToken"] == {"idToken": "TAG1", "type": "ISO14443"}
    assert all("idToken" not in e for e in events[1:])
    assert events[-1]["transactionInfo"]["stoppedReason"] == "Local"
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
    begin = events[0]["meterValue"][0]["sampledValue"][0]
    end = events[-1]["meterValue"][0]["sampledValue"][0]
    assert begin["context"] == "Transaction.Begin" and end["context"] == "Transaction.End"
    assert end["value"] == pytest.approx(11000 * 125 / 3600, abs=0.01)
    assert "offline" not in events[0]
    assert [c.action for c in pair.calls].count("Authorize") == 1  # E07: no Authorize to stop


def test_after_a_stop_with_the_cable_in_a_new_card_starts_nothing(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("present_id_token", 1, "TAG1")
    pair.act("present_id_token", 1, "TAG2")
    assert [e["eventType"] for e in pair.events()] == ["Started", "Ended"]
    pair.act("unplug", 1)
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG2")
    assert [e["eventType"] for e in pair.events()] == ["Started", "Ended", "Started"]


def test_start_point_ev_connected_and_stop_by_unplugging(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStartPoint="EVConnected")
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("set_ev_ready", 1, False)
    pair.act("unplug", 1)
    events = pair.events()
    assert summary(events) == [
        ("Started", "CablePluggedIn", "EVConnected", 0),
        ("Updated", "Authorized", "Charging", 1),
        ("Updated", "ChargingStateChanged", "SuspendedEV", 2),
        ("Ended", "EVCommunicationLost", "Idle", 3),
    ]
    assert "idToken" not in events[0] and events[1]["idToken"]["idToken"] == "TAG1"
    assert events[-1]["transactionInfo"]["stoppedReason"] == "EVDisconnected"


def test_start_point_authorized_then_ev_connection_timeout(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStartPoint="Authorized", EVConnectionTimeOut="20")
    pair.act("present_id_token", 2, "TAG1")
    pair.advance(19)
    assert summary(pair.events()) == [("Started", "Authorized", "Idle", 0)]
    pair.advance(1)
    ended = pair.events()[-1]
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVConnectTimeout")
    assert ended["transactionInfo"]["stoppedReason"] == "Timeout"


def test_authorization_lapses_after_ev_connection_timeout(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, EVConnectionTimeOut="20")
    pair.act("present_id_token", 1, "TAG1")
    pair.advance(21)
    pair.act("plug", 1)
    assert pair.events() == []
    assert pair.station.evses[1].authorization is None


def test_stop_point_ev_connected_only_keeps_the_transaction_until_unplug(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStopPoint="EVConnected")
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("present_id_token", 1, "TAG1")
    pair.act("unplug", 1)
    assert summary(pair.events()) == [
        ("Started", "Authorized", "Charging", 0),
        ("Updated", "StopAuthorized", "EVConnected", 1),
        ("Ended", "EVCommunicationLost", "Idle", 2),
    ]


def test_stop_point_energy_transfer_ends_when_the_ev_stops_drawing(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStopPoint="EnergyTransfer")
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("set_ev_ready", 1, False)
    ended = pair.events()[-1]
    assert ended["eventType"] == "Ended"
    assert ended["transactionInfo"]["stoppedReason"] == "StoppedByEV"


def test_request_start_first_then_cable(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    token = {"idToken": "REMOTE", "type": "Central"}
    answer = pair.send("RequestStartTransaction", {"idToken": token, "remoteStartId": 42})
    assert answer == {"status": "Accepted"}
    assert pair.events() == []
    pair.act("plug", 1)
    started = pair.events()[0]
    assert started["triggerReason"] == "CablePluggedIn"
    assert started["transactionInfo"]["remoteStartId"] == 42
    assert started["idToken"] == token
    assert [c.action for c in pair.calls].count("Authorize") == 0  # AuthorizeRemoteStart false


def test_request_start_with_cable_in_and_authorize_remote_start(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    item = {
        "component": {"name": "AuthCtrlr"},
        "variable": {"name": "AuthorizeRemoteStart"},
        "attributeValue": "true",
    }
    pair.send("SetVariables", {"setVariableData": [item]})
    pair.act("plug", 2)
    token = {"idToken": "REMOTE", "type": "Central"}
    answer = pair.send(
        "RequestStartTransaction", {"idToken": token, "remoteStartId": 7, "evseId": 2}
    )
    assert answer == {"status": "Accepted"}
    actions = [c.action for c in pair.calls]
    assert actions.index("Authorize") < actions.index("TransactionEvent")
    started = pair.events()[0]
    assert started["triggerReason"] == "RemoteStart"
    assert started["evse"] == {"id": 2, "connectorId": 1}


def test_request_start_on_a_running_transaction_gives_its_id(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStartPoint="EVConnected")
    pair.act("plug", 1)
    transaction_id = pair.events()[0]["transactionInfo"]["transactionId"]
    token = {"idToken": "REMOTE", "type": "Central"}
    answer = pair.send(
        "RequestStartTransaction", {"idToken": token, "remoteStartId": 3, "evseId": 1}
    )
    assert answer == {"status": "Accepted", "transactionId": transaction_id}
    again = pair.send(
        "RequestStartTransaction", {"idToken": token, "remoteStartId": 4, "evseId": 1}
    )
    assert again == {"status": "Rejected"}


def test_request_stop(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    assert pair.send("RequestStopTransaction", {"transactionId": "nope"}) == {"status": "Rejected"}
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    transaction_id = pair.events()[0]["transactionInfo"]["transactionId"]
    assert pair.send("RequestStopTransaction", {"transactionId": transaction_id}) == {
        "status": "Accepted"
    }
    ended = pair.events()[-1]
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "RemoteStop")
    assert ended["transactionInfo"]["stoppedReason"] == "Remote"


def test_a_refused_token_in_the_answer_deauthorizes(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    pair.transaction_token_status = "Blocked"
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    ended = pair.events()[-1]
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "Deauthorized")


def test_get_transaction_status(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    assert pair.send("GetTransactionStatus", {"transactionId": "unknown"}) == {
        "messagesInQueue": False,
        "ongoingIndicator": False,
    }
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    transaction_id = pair.events()[0]["transactionInfo"]["transactionId"]
    assert pair.send("GetTransactionStatus", {"transactionId": transaction_id}) == {
        "messagesInQueue": False,
        "ongoingIndicator": True,
    }
    pair.answer_calls = False  # the next event stays unanswered: in the queue
    pair.advance(60)
    assert pair.send("GetTransactionStatus", {"transactionId": transaction_id}) == {
        "messagesInQueue": True,
        "ongoingIndicator": True,
    }
    assert pair.send("GetTransactionStatus", {}) == {"messagesInQueue": True}


def test_events_while_offline_are_flagged_queued_and_sent_in_order(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.disconnect()
    pair.advance(130)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("unplug", 1)
    mark = pair.mark()
    pair.connect()
    delivered = pair.events(mark)
    assert pair.calls[mark].action != "BootNotification"
    assert summary(delivered) == [
        ("Updated", "MeterValuePeriodic", "Charging", 1),
        ("Updated", "MeterValuePeriodic", "Charging", 2),
        ("Ended", "StopAuthorized", "EVConnected", 3),
    ]
    assert all(e["offline"] is True for e in delivered)


def test_queued_events_survive_a_power_cut_while_offline(tmp_path: Path) -> None:
    pair = pair_with(tmp_path)
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.disconnect()
    pair.act("present_id_token", 1, "TAG1")
    pair.station = pair._power_on()
    mark = pair.mark()
    pair.connect()
    assert pair.calls[mark].action == "BootNotification"
    assert [e["eventType"] for e in pair.events(mark)] == ["Ended"]


def test_an_unanswered_event_is_sent_again_then_given_up(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxUpdatedInterval="0")
    pair.act("plug", 1)
    pair.answer_calls = False
    pair.act("present_id_token", 1, "TAG1")
    # Authorize went out unanswered: answer it by hand so the transaction starts.
    authorize = pair.calls[-1]
    assert authorize.action == "Authorize"
    pair.answer_calls = True
    pair._answer(authorize)
    pair.answer_calls = False
    pair.flush()
    assert len(pair.events()) == 1
    # MessageTimeout 30 s, MessageAttemptInterval 60 s x attempts, MessageAttempts 3
    pair.advance(30 + 60)
    assert len(pair.events()) == 2
    pair.advance(30 + 120)
    assert len(pair.events()) == 3
    pair.advance(30)
    assert pair.station.link.queue_length == 0  # given up after the third attempt
    assert [e["seqNo"] for e in pair.events()] == [0, 0, 0]

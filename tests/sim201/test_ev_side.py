"""The cable pulled at the car (use cases E09, E10) on the 2.0.1 station model, whose
cables are attached to it (cType2): TxCtrlr.StopTxOnEVSideDisconnect true deauthorizes
the transaction, false keeps it waiting for the car until EVConnectionTimeOut; the
connector is Available once the car is gone either way (G01.FR.04)."""

from __future__ import annotations

from pathlib import Path

from .pair import Pair
from .test_transactions import pair_with, summary


def statuses(pair, start: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    return [s["connectorStatus"] for s in pair.of("StatusNotification", start) if s["evseId"] == 1]


def test_stop_on_ev_side_disconnect_deauthorizes_with_stop_point_authorized(
    tmp_path: Path,
) -> None:
    pair = pair_with(tmp_path, TxStopPoint="Authorized", StopTxOnEVSideDisconnect="true")
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    pair.act("unplug", 1)
    ended = pair.events()[-1]
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVCommunicationLost")
    assert ended["transactionInfo"]["chargingState"] == "Idle"
    assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"


def unplugged_at_the_car(tmp_path: Path) -> tuple[Pair, int]:
    """A station that keeps the transaction when the car goes (EVConnectionTimeOut 30 s),
    its transaction authorized by TAG1 and the cable just pulled at the car; and the mark
    taken before the pull."""
    pair = pair_with(
        tmp_path,
        TxStopPoint="Authorized",
        StopTxOnEVSideDisconnect="false",
        EVConnectionTimeOut="30",
    )
    pair.act("plug", 1)
    pair.act("present_id_token", 1, "TAG1")
    mark = pair.mark()
    pair.act("unplug", 1)
    return pair, mark


def test_suspend_on_ev_side_disconnect_waits_then_times_out(tmp_path: Path) -> None:
    pair, mark = unplugged_at_the_car(tmp_path)
    assert summary(pair.events(mark)) == [("Updated", "EVCommunicationLost", "Idle", 1)]
    assert statuses(pair, mark) == ["Available"]  # the car is gone, the transaction waits
    pair.advance(29)
    assert len(pair.events(mark)) == 1
    pair.advance(1)
    ended = pair.events(mark)[-1]
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVConnectTimeout")
    assert ended["transactionInfo"]["stoppedReason"] == "Timeout"


def test_suspend_on_ev_side_disconnect_resumes_when_the_car_is_back(tmp_path: Path) -> None:
    pair, mark = unplugged_at_the_car(tmp_path)
    pair.advance(10)
    pair.act("plug", 1)
    pair.advance(60)  # the timer went with the car's return
    assert summary(pair.events(mark))[:2] == [
        ("Updated", "EVCommunicationLost", "Idle", 1),
        ("Updated", "CablePluggedIn", "Charging", 2),
    ]
    assert all(e["eventType"] == "Updated" for e in pair.events(mark))
    assert statuses(pair, mark) == ["Available", "Occupied"]


def test_an_authorization_without_a_car_leaves_the_connector_available(tmp_path: Path) -> None:
    pair = pair_with(tmp_path, TxStartPoint="Authorized")
    mark = pair.mark()
    pair.act("present_id_token", 1, "TAG1")
    assert pair.events(mark)[0]["eventType"] == "Started"
    assert statuses(pair, mark) == []  # Occupied comes with the car (G01.FR.03)
    pair.act("plug", 1)
    assert statuses(pair, mark) == ["Occupied"]

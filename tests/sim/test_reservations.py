"""Reservations of the station model (OCPP 1.6 ReserveNow 5.13, CancelReservation 5.1,
StartTransaction.req reservationId 4.8, the Reserved rows of the 4.9 table), sans I/O:
``Pair`` joins the model to an in-memory Central System and its time is a number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chargecheck.clock import utc_iso
from chargecheck.sim.connector import Fault

from .test_station_model import EPOCH, Pair, check_status_sequences


@pytest.fixture
def pair(tmp_path) -> Pair:
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    return pair


def reserve(pair: Pair, connector_id: int, id_tag: str, reservation_id: int, **extra: Any) -> str:
    expiry = utc_iso(EPOCH + timedelta(seconds=pair.t + 600))
    payload = {"connectorId": connector_id, "expiryDate": expiry, "idTag": id_tag}
    return pair.call("ReserveNow", {**payload, "reservationId": reservation_id, **extra})["status"]


def last_status(pair: Pair, connector_id: int) -> str:
    sent = pair.sent("StatusNotification")
    return [p["status"] for p in sent if p["connectorId"] == connector_id][-1]


def check_faulted_then_unavailable(
    pair: Pair, connector_id: int, fault: str, reservation_id: int
) -> None:
    """ReserveNow (5.13) answers Faulted while ``connector_id`` is faulted, then Unavailable
    while it is Inoperative (``reservation_id`` and the next); it is left Operative."""
    pair.step(pair.station.inject_fault, connector_id, Fault(fault))
    assert reserve(pair, connector_id, "RES", reservation_id) == "Faulted"
    pair.step(pair.station.clear_fault, connector_id)
    pair.call("ChangeAvailability", {"connectorId": connector_id, "type": "Inoperative"})
    assert reserve(pair, connector_id, "RES", reservation_id + 1) == "Unavailable"
    pair.call("ChangeAvailability", {"connectorId": connector_id, "type": "Operative"})


def test_an_available_connector_is_reserved_until_the_reservation_is_cancelled(pair):
    assert reserve(pair, 2, "RES", 7) == "Accepted"
    assert last_status(pair, 2) == "Reserved"
    assert pair.call("CancelReservation", {"reservationId": 7})["status"] == "Accepted"
    assert last_status(pair, 2) == "Available"
    assert pair.call("CancelReservation", {"reservationId": 7})["status"] == "Rejected"
    check_status_sequences(pair)


def test_a_reservation_ends_at_its_expiry_date(pair):
    assert reserve(pair, 2, "RES", 7) == "Accepted"
    pair.advance(599)
    assert last_status(pair, 2) == "Reserved"
    pair.advance(1)
    assert last_status(pair, 2) == "Available"
    assert pair.call("CancelReservation", {"reservationId": 7})["status"] == "Rejected"


def test_reserve_now_answers_by_the_connector_status(pair):
    pair.step(pair.station.plug, 1)  # Preparing
    assert reserve(pair, 1, "RES", 1) == "Occupied"
    check_faulted_then_unavailable(pair, 2, "GroundFailure", 2)
    assert reserve(pair, 2, "RES", 4) == "Accepted"
    assert reserve(pair, 2, "OTHER", 5) == "Occupied"  # reserved already
    assert reserve(pair, 0, "RES", 6) == "Rejected"  # ReserveConnectorZeroSupported false
    assert reserve(pair, 3, "RES", 6) == "Rejected"  # no such connector
    past = {"connectorId": 2, "expiryDate": utc_iso(EPOCH), "idTag": "RES", "reservationId": 6}
    pair.advance(1)
    assert pair.call("ReserveNow", past)["status"] == "Rejected"
    check_status_sequences(pair)


def test_a_reserve_now_with_a_reservation_id_held_replaces_that_reservation(pair):
    assert reserve(pair, 1, "RES", 7) == "Accepted"
    assert reserve(pair, 2, "RES", 7) == "Accepted"
    assert (last_status(pair, 1), last_status(pair, 2)) == ("Available", "Reserved")
    assert reserve(pair, 2, "NEW", 7) == "Accepted"  # the same one again: renewed
    pair.step(pair.station.plug, 2)
    pair.step(pair.station.present_id_tag, 2, "NEW")
    assert pair.sent("StartTransaction")[-1]["reservationId"] == 7


def test_only_the_reserved_id_tag_starts_on_a_reserved_connector_and_names_the_reservation(
    pair,
):
    assert reserve(pair, 2, "res", 9) == "Accepted"
    pair.step(pair.station.plug, 2)
    assert last_status(pair, 2) == "Reserved"  # the car waits for the reserved idTag
    pair.step(pair.station.present_id_tag, 2, "STRANGER")
    remote = pair.call("RemoteStartTransaction", {"idTag": "STRANGER", "connectorId": 2})
    assert remote["status"] == "Rejected"
    assert pair.sent("StartTransaction") == []
    pair.step(pair.station.present_id_tag, 2, "RES")  # IdToken is case-insensitive
    start = pair.sent("StartTransaction")[-1]
    assert (start["connectorId"], start["idTag"], start["reservationId"]) == (2, "RES", 9)
    assert last_status(pair, 2) == "Charging"
    check_status_sequences(pair)


def test_a_remote_start_without_connector_passes_a_connector_reserved_for_another(pair):
    assert reserve(pair, 1, "RES", 1) == "Accepted"
    assert pair.call("RemoteStartTransaction", {"idTag": "OTHER"})["status"] == "Accepted"
    pair.step(pair.station.plug, 2)
    start = pair.sent("StartTransaction")[-1]
    assert start["connectorId"] == 2 and "reservationId" not in start


def test_making_a_reserved_connector_inoperative_ends_its_reservation(pair):
    assert reserve(pair, 2, "RES", 7) == "Accepted"
    pair.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert last_status(pair, 2) == "Unavailable"
    pair.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    assert last_status(pair, 2) == "Available"  # 4.9 has no Unavailable -> Reserved
    assert pair.call("CancelReservation", {"reservationId": 7})["status"] == "Rejected"
    check_status_sequences(pair)


def test_the_reservation_ends_when_its_id_tag_is_authorised_even_if_no_car_comes(pair):
    assert reserve(pair, 2, "RES", 7) == "Accepted"
    pair.step(pair.station.present_id_tag, 2, "RES")
    assert last_status(pair, 2) == "Preparing"
    pair.advance(pair.station.connection_timeout)
    assert last_status(pair, 2) == "Available"  # ConnectionTimeOut: nothing started
    pair.step(pair.station.plug, 2)
    pair.step(pair.station.present_id_tag, 2, "LATER")
    assert "reservationId" not in pair.sent("StartTransaction")[-1]
    check_status_sequences(pair)

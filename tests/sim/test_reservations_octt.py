"""Reservations of the station model for the official reservation cases, sans I/O:
connector 0 (ReserveConnectorZeroSupported, section 9.3; ReserveNow 5.13), an idTag of
the reservation's parent (5.13), a station without the Reservation profile, and the
defects that break each of those SHALLs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from chargecheck.sim.connector import Fault

from .test_reservations import check_faulted_then_unavailable, reserve
from .test_station_model import Pair, check_status_sequences

ZERO = frozenset({"reserve_connector_zero"})
SHIPPED_PROFILE = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")


def _pair(tmp_path: Path, **settings: Any) -> Pair:
    pair = Pair(tmp_path / "s.sqlite", **settings)
    pair.connect()
    return pair


def _without_reservation_profile(tmp_path: Path) -> Path:
    text = SHIPPED_PROFILE.read_text(encoding="utf-8")
    claimed = "LocalAuthListManagement,Reservation,SmartCharging"
    assert claimed in text
    path = tmp_path / "no-reservation.toml"
    path.write_text(text.replace(claimed, "LocalAuthListManagement,SmartCharging"), "utf-8")
    return path


def start_of(pair: Pair) -> dict[str, Any]:
    return pair.sent("StartTransaction")[-1]


# -- connector 0 ------------------------------------------------------------------------------


def test_connector_zero_is_reservable_only_with_reserve_connector_zero_supported(tmp_path):
    assert reserve(_pair(tmp_path / "a"), 0, "RES", 1) == "Rejected"
    assert reserve(_pair(tmp_path / "b", variants=ZERO), 0, "RES", 1) == "Accepted"


def test_connector_zero_answers_by_the_state_of_the_charge_point(tmp_path):
    pair = _pair(tmp_path, variants=ZERO)
    check_faulted_then_unavailable(pair, 0, "OtherError", 1)
    for c, tag in ((1, "A"), (2, "B")):  # every connector charging: the station occupied
        pair.step(pair.station.plug, c)
        pair.step(pair.station.present_id_tag, c, tag)
    assert reserve(pair, 0, "RES", 3) == "Occupied"
    check_status_sequences(pair)


def test_a_station_reservation_keeps_a_connector_for_its_id_tag_and_ends_in_its_transaction(
    tmp_path,
):
    pair = _pair(tmp_path, variants=ZERO)
    assert reserve(pair, 0, "RES", 5) == "Accepted"
    assert reserve(pair, 0, "OTHER", 6) == "Occupied"  # the station is reserved already
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "STRANGER")  # connector 2 stays free
    assert "reservationId" not in start_of(pair)
    pair.step(pair.station.plug, 2)
    pair.step(pair.station.present_id_tag, 2, "LATECOMER")  # the last free one: refused
    assert start_of(pair)["idTag"] == "STRANGER"
    pair.step(pair.station.present_id_tag, 2, "RES")
    assert (start_of(pair)["connectorId"], start_of(pair)["reservationId"]) == (2, 5)
    assert pair.call("CancelReservation", {"reservationId": 5})["status"] == "Rejected"
    check_status_sequences(pair)


# -- parentIdTag ------------------------------------------------------------------------------


def test_an_id_tag_of_the_reservations_parent_uses_the_reserved_connector(tmp_path):
    pair = _pair(tmp_path)
    pair.answers.parents.update({"SIBLING": "FAMILY", "STRANGER": "OTHERS"})
    assert reserve(pair, 1, "OWNER", 8, parentIdTag="FAMILY") == "Accepted"
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "STRANGER")  # asked, of another parent
    assert [c.payload["idTag"] for c in pair.calls if c.action == "Authorize"] == ["STRANGER"]
    assert pair.sent("StartTransaction") == []
    pair.step(pair.station.present_id_tag, 1, "SIBLING")  # asked, of the reservation's parent
    assert (start_of(pair)["idTag"], start_of(pair)["reservationId"]) == ("SIBLING", 8)
    check_status_sequences(pair)


# -- a station without the Reservation profile ---------------------------------------------


def test_without_the_reservation_profile_reserve_now_and_cancel_are_rejected(tmp_path):
    pair = _pair(tmp_path, profile=_without_reservation_profile(tmp_path))
    assert reserve(pair, 1, "RES", 1) == "Rejected"
    assert reserve(pair, 0, "RES", 2) == "Rejected"
    assert pair.call("CancelReservation", {"reservationId": 1})["status"] == "Rejected"


# -- the defects -------------------------------------------------------------------------------


def test_reserve_ignores_status_accepts_a_faulted_connector_and_holds_nothing(tmp_path):
    pair = _pair(tmp_path, defects=frozenset({"reserve_ignores_status"}))
    pair.step(pair.station.inject_fault, 1, Fault("GroundFailure"))
    assert reserve(pair, 1, "RES", 1) == "Accepted"
    assert pair.call("CancelReservation", {"reservationId": 1})["status"] == "Rejected"


def test_reservation_without_profile_accepts_all_the_same(tmp_path):
    profile = _without_reservation_profile(tmp_path)
    pair = _pair(tmp_path, profile=profile, defects=frozenset({"reservation_without_profile"}))
    assert reserve(pair, 1, "RES", 1) == "Accepted"


def test_cancel_unknown_reservation_accepted(tmp_path):
    pair = _pair(tmp_path, defects=frozenset({"cancel_unknown_reservation_accepted"}))
    assert pair.call("CancelReservation", {"reservationId": 404})["status"] == "Accepted"


def test_reservation_ignores_parent_refuses_without_asking(tmp_path):
    pair = _pair(tmp_path, defects=frozenset({"reservation_ignores_parent"}))
    pair.answers.parents["SIBLING"] = "FAMILY"
    assert reserve(pair, 1, "OWNER", 8, parentIdTag="FAMILY") == "Accepted"
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "SIBLING")
    assert not [c for c in pair.calls if c.action == "Authorize"]
    assert pair.sent("StartTransaction") == []


def test_start_without_reservation_id_drops_it(tmp_path):
    pair = _pair(tmp_path, defects=frozenset({"start_without_reservation_id"}))
    assert reserve(pair, 1, "RES", 3) == "Accepted"
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "RES")
    assert start_of(pair)["idTag"] == "RES" and "reservationId" not in start_of(pair)

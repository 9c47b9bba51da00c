"""Every legal variant changes what the Central System sees, and stays inside OCPP 1.6
(``chargecheck.sim.variants``): each test drives the sans-I/O station model (``Pair``: an
in-memory Central System, the time a number) with and without the variant, so it would
fail without it. The variants that are about real time (slow_answers, slow_acts) and the
command line are tested over 127.0.0.1 in ``test_variants_live``."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from chargecheck.sim import variants as variants_module
from chargecheck.sim.actions import AnswerLater, SendFrame
from chargecheck.sim.core import StationSettings
from chargecheck.sim.meter import ENERGY
from chargecheck.sim.variants import VARIANTS, checked_variants

from .test_station_model import (
    Pair,
    check_status_sequences,
    check_transactions,
    random_step,
)

TX_W = {
    "chargingProfileId": 5,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6900}],
    },
}
TX_A = {
    **TX_W,
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
    },
}
W, A = {"chargingRateUnit": "W"}, {"chargingRateUnit": "A"}


class VariantPair(Pair):
    """``Pair`` that also performs ``AnswerLater`` at once, as if its delay had passed."""

    def perform(self, action: Any) -> None:
        if isinstance(action, AnswerLater):
            self.station.step(self.now(), self.station.answer_due, action.token)
        else:
            super().perform(action)


def pair_with(tmp_path: Path, *names: str, **settings: Any) -> VariantPair:
    pair = VariantPair(tmp_path / "s.sqlite", variants=frozenset(names), **settings)
    pair.connect()
    return pair


def statuses(pair: Pair, connector_id: int) -> list[str]:
    return [
        p["status"] for p in pair.sent("StatusNotification") if p["connectorId"] == connector_id
    ]


def charging(pair: Pair, connector_id: int = 1, id_tag: str = "TAG1") -> None:
    pair.step(pair.station.plug, connector_id)
    pair.step(pair.station.present_id_tag, connector_id, id_tag)
    assert pair.station.connector(connector_id).status == "Charging"


def key_value(pair: Pair, key: str) -> str | None:
    answer = pair.call("GetConfiguration", {"key": [key]})
    if answer.get("unknownKey"):
        return None
    return str(answer["configurationKey"][0].get("value"))


# -- the names ------------------------------------------------------------------------------


def test_every_variant_is_in_the_docstring_table_with_the_section_that_allows_it():
    doc = variants_module.__doc__ or ""
    for name in VARIANTS:
        assert f"``{name}``" in doc, name


def test_an_unknown_variant_is_refused_naming_the_known_ones():
    assert checked_variants(["power_only"]) == frozenset({"power_only"})
    with pytest.raises(ValueError, match=r"unknown variants \['nope'\]; known: \[.*'slow_acts'"):
        checked_variants(["power_only", "nope"])
    with pytest.raises(ValueError, match="nope"):
        StationSettings("CP1", variants=frozenset({"nope"}))


# -- power_only (sections 9.4, 5.16, 5.7) ---------------------------------------------------


def test_power_only_allows_only_power_in_schedules(tmp_path):
    pair = pair_with(tmp_path, "power_only")
    assert key_value(pair, "ChargingScheduleAllowedChargingRateUnit") == "Power"
    charging(pair)
    request = {"connectorId": 1, "csChargingProfiles": TX_A}
    assert pair.call("SetChargingProfile", request)["status"] == "Rejected"
    request = {"connectorId": 1, "csChargingProfiles": TX_W}
    assert pair.call("SetChargingProfile", request)["status"] == "Accepted"
    # 6900 W over three phases at 230.4 + 229.5 + 230.1 V: 10 A a phase.
    assert pair.station.connector(1).meter.current_a == pytest.approx(10.0)
    in_w = pair.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60, **W})
    assert in_w["status"] == "Accepted"
    assert in_w["chargingSchedule"]["chargingRateUnit"] == "W"
    assert in_w["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6900
    unasked = pair.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60})
    assert unasked["chargingSchedule"]["chargingRateUnit"] == "W"
    in_a = pair.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60, **A})
    assert in_a == {"status": "Rejected"}  # 5.7: not able to report the requested schedule


def test_by_default_current_and_power_are_both_allowed(tmp_path):
    pair = pair_with(tmp_path)
    assert key_value(pair, "ChargingScheduleAllowedChargingRateUnit") == "Current,Power"
    charging(pair)
    request = {"connectorId": 1, "csChargingProfiles": TX_A}
    assert pair.call("SetChargingProfile", request)["status"] == "Accepted"
    assert pair.station.connector(1).meter.current_a == pytest.approx(16.0)
    in_a = pair.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60, **A})
    assert in_a["chargingSchedule"]["chargingRateUnit"] == "A"


def test_a_disk_reused_with_and_without_the_variants_follows_them(tmp_path):
    path = tmp_path / "s.sqlite"
    shaping = {"power_only", "no_authorization_cache", "one_connector"}
    expected = {
        True: ("Power", None, "1", "0.RST,1.RST"),
        False: ("Current,Power", "true", "2", "0.RST,1.RST,2.RST"),
    }
    keys = (
        "ChargingScheduleAllowedChargingRateUnit",
        "AuthorizationCacheEnabled",
        "NumberOfConnectors",
        "ConnectorPhaseRotation",
    )
    for on in (False, True, False, True):
        pair = VariantPair(path, variants=frozenset(shaping if on else ()))
        pair.connect()
        assert tuple(key_value(pair, key) for key in keys) == expected[on]
        assert len(pair.station.connectors) == (2 if on else 3)
        assert pair.station.profiles.connectors == (1 if on else 2)
        pair.store.close()


# -- finishing_until_unplugged (sections 4.9 Finishing, 5.11) -------------------------------


def stopped_with_the_cable_in(pair: Pair) -> None:
    charging(pair)
    pair.call("RemoteStopTransaction", {"transactionId": 1})
    pair.advance(3600)  # the default, too, stays Finishing while the cable is in
    assert statuses(pair, 1)[-1] == "Finishing"


def test_by_default_a_remote_start_on_a_finishing_connector_starts_a_new_transaction(tmp_path):
    pair = pair_with(tmp_path)
    stopped_with_the_cable_in(pair)
    assert pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": 1}) == {
        "status": "Accepted"
    }
    assert statuses(pair, 1)[-3:] == ["Finishing", "Preparing", "Charging"]  # F2, B3
    assert len(pair.sent("StartTransaction")) == 2


def test_finishing_until_unplugged_rejects_a_new_session_until_the_cable_is_pulled(tmp_path):
    pair = pair_with(tmp_path, "finishing_until_unplugged")
    stopped_with_the_cable_in(pair)
    assert pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": 1}) == {
        "status": "Rejected"
    }
    pair.step(pair.station.present_id_tag, 1, "TAG2")
    assert pair.sent("Authorize")[-1]["idTag"] == "TAG1"  # the card was not even read
    assert statuses(pair, 1)[-1] == "Finishing"
    pair.step(pair.station.unplug, 1)
    assert statuses(pair, 1)[-1] == "Available"
    pair.step(pair.station.plug, 1)
    assert pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": 1}) == {
        "status": "Accepted"
    }
    assert len(pair.sent("StartTransaction")) == 2
    check_status_sequences(pair)


# -- plug_first_stays_preparing (section 9.1 ConnectionTimeOut) -----------------------------


def test_by_default_a_car_plugged_in_with_nobody_identified_times_out_to_available(tmp_path):
    pair = pair_with(tmp_path)
    pair.step(pair.station.plug, 1)
    pair.advance(pair.station.connection_timeout + 1)
    assert statuses(pair, 1) == ["Available", "Preparing", "Available"]


def test_plug_first_stays_preparing_keeps_the_car_preparing_until_someone_identifies(tmp_path):
    pair = pair_with(tmp_path, "plug_first_stays_preparing")
    pair.step(pair.station.plug, 1)
    pair.advance(10 * pair.station.connection_timeout)
    assert statuses(pair, 1) == ["Available", "Preparing"]
    pair.step(pair.station.present_id_tag, 1, "TAG1")
    assert statuses(pair, 1)[-1] == "Charging"


def test_plug_first_stays_preparing_also_for_a_car_plugged_in_before_the_boot(tmp_path):
    pair = pair_with(tmp_path, "plug_first_stays_preparing", ev_connected=frozenset({2}))
    pair.advance(10 * pair.station.connection_timeout)
    assert statuses(pair, 2) == ["Preparing"]


@pytest.mark.parametrize("variants", [(), ("plug_first_stays_preparing",)])
@pytest.mark.parametrize("identified_by", ["card", "RemoteStartTransaction"])
def test_identified_first_with_no_cable_is_preparing_then_available_after_connection_timeout(
    tmp_path, variants, identified_by
):
    pair = pair_with(tmp_path, *variants)
    if identified_by == "card":
        pair.step(pair.station.present_id_tag, 1, "TAG1")
    else:
        answer = pair.call("RemoteStartTransaction", {"idTag": "R", "connectorId": 1})
        assert answer == {"status": "Accepted"}
    assert statuses(pair, 1) == ["Available", "Preparing"]
    pair.advance(pair.station.connection_timeout - 1)
    assert statuses(pair, 1)[-1] == "Preparing"
    pair.advance(2)
    assert statuses(pair, 1) == ["Available", "Preparing", "Available"]
    assert pair.sent("StartTransaction") == []


# -- no_authorization_cache (sections 3.5, 5.4, 5.8) ----------------------------------------


def offline_start_after_an_online_one(pair: Pair) -> bool:
    """TAG1 charged online; does it start again offline?"""
    charging(pair)
    pair.step(pair.station.present_id_tag, 1, "TAG1")  # stops
    pair.step(pair.station.unplug, 1)
    pair.disconnect()
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "TAG1")
    return pair.station.connector(1).transaction is not None


def test_by_default_the_cache_authorises_offline_and_clear_cache_is_accepted(tmp_path):
    pair = pair_with(tmp_path)
    assert key_value(pair, "AuthorizationCacheEnabled") == "true"
    assert pair.call("ClearCache", {}) == {"status": "Accepted"}
    assert offline_start_after_an_online_one(pair)


def test_no_authorization_cache_has_no_keys_rejects_clear_cache_and_keeps_nothing(tmp_path):
    pair = pair_with(tmp_path, "no_authorization_cache")
    answer = pair.call("GetConfiguration", {"key": ["AuthorizationCacheEnabled"]})
    assert answer == {"configurationKey": [], "unknownKey": ["AuthorizationCacheEnabled"]}
    every = pair.call("GetConfiguration", {})["configurationKey"]
    assert not [e for e in every if e["key"].startswith("AuthorizationCache")]
    assert pair.call("ClearCache", {}) == {"status": "Rejected"}
    assert not offline_start_after_an_online_one(pair)
    assert pair.store.get("auth_cache", {}) == {}


# -- one_connector (section 9.1 NumberOfConnectors) -----------------------------------------


def test_one_connector_has_connectors_0_and_1_only(tmp_path):
    pair = pair_with(tmp_path, "one_connector")
    assert [p["connectorId"] for p in pair.sent("StatusNotification")] == [0, 1]
    assert key_value(pair, "NumberOfConnectors") == "1"
    before = len(pair.sent("StatusNotification"))
    pair.call("TriggerMessage", {"requestedMessage": "StatusNotification"})
    assert [p["connectorId"] for p in pair.sent("StatusNotification")[before:]] == [0, 1]
    for action, payload in (
        ("RemoteStartTransaction", {"idTag": "R", "connectorId": 2}),
        ("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}),
        ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 2}),
    ):
        assert pair.call(action, payload)["status"] == "Rejected", action
    with pytest.raises(ValueError, match="does not exist"):
        pair.step(pair.station.plug, 2)
    assert pair.call("RemoteStartTransaction", {"idTag": "R"}) == {"status": "Accepted"}
    pair.step(pair.station.plug, 1)
    assert pair.sent("StartTransaction")[-1]["connectorId"] == 1


def test_one_connector_refuses_a_car_on_connector_2_from_power_on(tmp_path):
    with pytest.raises(ValueError, match=r"a car plugs into connector 1 \(NumberOfConnectors = 1"):
        Pair(tmp_path / "s.sqlite", variants=frozenset({"one_connector"}), ev_connected={2})


# -- fixed_cable (sections 5.18, 7.46) ------------------------------------------------------


def test_by_default_unlock_connector_unlocks_and_stops_the_transaction_first(tmp_path):
    pair = pair_with(tmp_path)
    assert pair.call("UnlockConnector", {"connectorId": 2}) == {"status": "Unlocked"}
    charging(pair)
    assert pair.call("UnlockConnector", {"connectorId": 1}) == {"status": "Unlocked"}
    assert pair.sent("StopTransaction")[-1]["reason"] == "UnlockCommand"


def test_fixed_cable_answers_unlock_connector_not_supported_and_charges_on(tmp_path):
    pair = pair_with(tmp_path, "fixed_cable")
    assert pair.call("UnlockConnector", {"connectorId": 2}) == {"status": "NotSupported"}
    charging(pair)
    assert pair.call("UnlockConnector", {"connectorId": 1}) == {"status": "NotSupported"}
    assert pair.sent("StopTransaction") == [] and statuses(pair, 1)[-1] == "Charging"
    pair.step(pair.station.unplug, 1)  # the car still drives off, cable and all
    assert pair.sent("StopTransaction")[-1]["reason"] == "EVDisconnected"


# -- integer_meter_stop (sections 7.43, 6.45, 6.49) -----------------------------------------


def energy_readings(pair: Pair) -> list[str]:
    return [
        v["value"]
        for payload in pair.sent("MeterValues")
        for mv in payload["meterValue"]
        for v in mv["sampledValue"]
        if v["measurand"] == ENERGY
    ]


def short_transaction(pair: Pair) -> tuple[int, int]:
    """10 s at 32 A on three phases (61.33 Wh); its meterStart and meterStop."""
    charging(pair)
    pair.advance(10)
    pair.step(pair.station.present_id_tag, 1, "TAG1")
    start, stop = pair.sent("StartTransaction")[-1], pair.sent("StopTransaction")[-1]
    return start["meterStart"], stop["meterStop"]


def test_by_default_the_register_is_sampled_in_whole_wh_equal_to_meter_stop(tmp_path):
    pair = pair_with(tmp_path)
    meter_start, meter_stop = short_transaction(pair)
    readings = energy_readings(pair)
    assert all(r.isdigit() for r in readings), readings
    assert (meter_start, meter_stop, readings[-1]) == (0, 61, "61")


def test_integer_meter_stop_samples_decimals_and_rounds_meter_stop_down(tmp_path):
    pair = pair_with(tmp_path, "integer_meter_stop")
    meter_start, meter_stop = short_transaction(pair)
    readings = energy_readings(pair)
    assert readings[0] == "0.00" and readings[-1] == "61.33", readings
    assert (meter_start, meter_stop) == (0, 61)
    assert 0 < float(readings[-1]) - meter_stop < 1
    stop = pair.sent("StopTransaction")[-1]
    end = stop["transactionData"][-1]["sampledValue"]
    assert [v["value"] for v in end if v["measurand"] == ENERGY] == ["61.33"]


# -- connector0_when_asked (sections 4.2, 4.9, 5.17) ----------------------------------------


@pytest.mark.parametrize(
    ("variants", "defects", "boot"),
    [
        ((), (), [0, 1, 2]),
        (("connector0_when_asked",), (), [1, 2]),
        ((), ("no_status_connector0",), [1, 2]),  # the defect: the same behaviour
    ],
)
def test_connector0_when_asked_reports_it_only_when_asked_or_changed(
    tmp_path, variants, defects, boot
):
    pair = pair_with(tmp_path, *variants, defects=frozenset(defects))
    assert [p["connectorId"] for p in pair.sent("StatusNotification")] == boot
    pair.call("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 0})
    assert statuses(pair, 0)[-1] == "Available"
    pair.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert statuses(pair, 0)[-1] == "Unavailable"


# -- ChangeAvailability: the default (section 5.2) and scheduled_availability ----------------


def inoperative(pair: Pair, connector_id: int = 1) -> str:
    answer = pair.call("ChangeAvailability", {"connectorId": connector_id, "type": "Inoperative"})
    return str(answer["status"])


@pytest.mark.parametrize("car", ["plugged in", "authorised, no cable"])
def test_by_default_inoperative_with_no_transaction_is_accepted_and_unavailable_at_once(
    tmp_path, car
):
    pair = pair_with(tmp_path)
    if car == "plugged in":
        pair.step(pair.station.plug, 1)
    else:
        pair.step(pair.station.present_id_tag, 1, "TAG1")
    assert inoperative(pair) == "Accepted"
    # Section 4.9 has no Preparing -> Unavailable: the session in preparation ends (B1).
    assert statuses(pair, 1) == ["Available", "Preparing", "Available", "Unavailable"]
    pair.advance(2 * pair.station.connection_timeout)
    assert statuses(pair, 1)[-1] == "Unavailable"
    pair.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"})
    assert statuses(pair, 1)[-1] == "Available"
    check_status_sequences(pair)


def test_by_default_inoperative_of_the_station_with_a_car_in_is_accepted(tmp_path):
    pair = pair_with(tmp_path)
    pair.step(pair.station.plug, 2)
    assert inoperative(pair, 0) == "Accepted"
    assert [statuses(pair, c)[-1] for c in (0, 1, 2)] == ["Unavailable"] * 3
    check_status_sequences(pair)


@pytest.mark.parametrize("variants", [(), ("scheduled_availability",)])
def test_inoperative_during_a_transaction_is_scheduled_until_it_ends_cable_in_or_not(
    tmp_path, variants
):
    pair = pair_with(tmp_path, *variants)
    charging(pair)
    assert inoperative(pair) == "Scheduled"
    assert statuses(pair, 1)[-1] == "Charging"
    pair.call("RemoteStopTransaction", {"transactionId": 1})  # the cable stays in
    assert statuses(pair, 1)[-2:] == ["Finishing", "Unavailable"]
    check_status_sequences(pair)


def test_scheduled_availability_waits_for_the_cable_of_a_car_plugged_in(tmp_path):
    pair = pair_with(tmp_path, "scheduled_availability")
    pair.step(pair.station.plug, 1)
    assert inoperative(pair) == "Scheduled"
    pair.advance(2 * pair.station.connection_timeout)
    assert statuses(pair, 1) == ["Available", "Preparing", "Available"]  # ConnectionTimeOut
    assert inoperative(pair, 2) == "Accepted"  # no car there
    pair.step(pair.station.unplug, 1)
    assert statuses(pair, 1)[-1] == "Unavailable"
    assert inoperative(pair) == "Accepted"  # already Inoperative (5.2)
    check_status_sequences(pair)


def test_scheduled_availability_makes_an_unavailable_connector_with_a_car_operative_at_once(
    tmp_path,
):
    # Only going inoperative waits for the cable: back to Operative there is nothing to
    # wait for (an Unavailable connector with a car in stayed Scheduled for ever).
    pair = pair_with(tmp_path, "scheduled_availability")
    assert inoperative(pair) == "Accepted"  # no car yet: at once
    pair.step(pair.station.plug, 1)
    answer = pair.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"})
    assert answer["status"] == "Accepted"
    assert statuses(pair, 1)[-1] in ("Preparing", "Available")
    check_status_sequences(pair)


# -- every model variant at once keeps the status table and the transactions -----------------


@pytest.mark.parametrize("seed", range(4))
def test_random_walks_with_the_variants_keep_the_status_table_and_transactions(tmp_path, seed):
    chosen = set(VARIANTS) - {"one_connector"}  # the walk uses connector 2
    rng = random.Random(seed)
    pair = VariantPair(
        tmp_path / "s.sqlite",
        variants=frozenset(chosen),
        plug_and_charge_id_tag="PNC" if seed % 2 else None,
        ev_connected=frozenset({1, 2}) if seed % 3 == 0 else frozenset(),
    )
    pair.connect()
    for _ in range(400):
        random_step(pair, rng)
    if not pair.online:
        pair.connect()
    pair.advance(600)
    check_status_sequences(pair)
    check_transactions(pair)
    assert pair.sent("StartTransaction")


# -- slow_answers: the model's side (the clock is the shell's) -------------------------------


def test_slow_answers_hold_the_answer_and_what_it_causes_until_it_is_due(tmp_path):
    pair = Pair(tmp_path / "s.sqlite", variants=frozenset({"slow_answers"}))
    pair.connect()
    station = pair.station
    before = len(pair.calls)
    trigger = '[2,"t1","TriggerMessage",{"requestedMessage":"Heartbeat"}]'
    station.receive(trigger, pair.now())
    actions = station.take_actions()
    assert [type(a) for a in actions] == [AnswerLater]
    (later,) = actions
    assert later.seconds == variants_module.SLOW_ANSWER_S == 1.5
    station.receive('[2,"g1","GetConfiguration",{"key":["NumberOfConnectors"]}]', pair.now())
    (answer,) = station.take_actions()  # not one of the slow kinds: at once
    assert isinstance(answer, SendFrame) and answer.text.startswith('[3,"g1"')
    station.step(pair.now(), station.answer_due, later.token)
    frames = [a.text for a in station.take_actions() if isinstance(a, SendFrame)]
    assert frames[0] == '[3,"t1",{"status":"Accepted"}]'
    assert '"Heartbeat"' in frames[1]  # 5.17: the requested message after the answer
    assert len(pair.calls) == before

"""Charging profiles of the simulated station: OCPP 1.6 section 3.13 (Smart Charging),
SetChargingProfile (5.16), ClearChargingProfile (5.5), GetCompositeSchedule (5.7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chargecheck.protocol import validate
from chargecheck.sim.charging import ChargingProfileError, ChargingProfiles

NOON = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)  # a Tuesday
V = 230.0


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return NOON + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def profile(
    pid: int,
    purpose: str = "TxDefaultProfile",
    stack: int = 0,
    periods: list[tuple[int, float]] | list[dict[str, Any]] | None = None,
    unit: str = "A",
    kind: str = "Absolute",
    start: datetime | None = NOON,
    duration: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A csChargingProfiles; periods as (startPeriod, limit) pairs or full dicts."""
    rows = periods if periods is not None else [(0, 16.0)]
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            row if isinstance(row, dict) else {"startPeriod": row[0], "limit": row[1]}
            for row in rows
        ],
    }
    if start is not None and kind != "Relative":
        schedule["startSchedule"] = iso(start)
    if duration is not None:
        schedule["duration"] = duration
    body = {
        "chargingProfileId": pid,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
    }
    body.update(extra)
    validate("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": body})
    return body


@pytest.fixture
def stack() -> ChargingProfiles:
    return ChargingProfiles(
        connectors=2,
        max_stack_level=8,
        allowed_units=["Current", "Power"],
        max_periods=24,
        max_installed=8,
    )


def amps(stack: ChargingProfiles, connector_id: int, now: datetime, **kw: Any) -> float | None:
    """The composite limit in A on three phases at 230 V."""
    watts = stack.limit_w(
        connector_id,
        now,
        kw.get("tx_start"),
        kw.get("transaction_id"),
        kw.get("voltage", V),
        kw.get("phases", 3),
    )
    return None if watts is None else round(watts / (V * kw.get("phases", 3)), 3)


# --- SetChargingProfile: Rejected rules (section 5.16) ---


@pytest.mark.parametrize(
    ("connector_id", "body", "transaction_id", "reason"),
    [
        (3, profile(1), None, "connector does not exist"),
        (-1, profile(1), None, "connector does not exist"),
        (1, profile(1, stack=9), None, "stackLevel 9 > ChargeProfileMaxStackLevel 8"),
        (1, profile(1, periods=[(n * 60, 16) for n in range(25)]), None, "25 periods"),
        (1, profile(1, "ChargePointMaxProfile"), None, "on connector 0 only"),
        (1, profile(1, "TxProfile"), None, "TxProfile needs a transaction"),
        (0, profile(1, "TxProfile"), None, "TxProfile needs a transaction"),
        (1, profile(1, "TxProfile", transactionId=7), 8, "transactionId 7 is not the running"),
        (1, profile(1, "TxProfile", transactionId=7), None, "TxProfile needs a transaction"),
    ],
)
def test_set_rejects_a_profile_breaking_a_rule(stack, connector_id, body, transaction_id, reason):
    assert reason in stack.check(connector_id, body, transaction_id)
    assert stack.set(connector_id, body, transaction_id) == "Rejected"
    assert stack.installed() == []


@pytest.mark.parametrize(("allowed", "unit"), [(["Current"], "W"), (["Power"], "A"), ([], "A")])
def test_set_rejects_a_unit_outside_charging_schedule_allowed_charging_rate_unit(allowed, unit):
    stack = ChargingProfiles(2, 8, allowed, 24, 8)
    assert f"chargingRateUnit {unit} is not allowed" in stack.check(1, profile(1, unit=unit), None)
    assert stack.set(1, profile(1, unit=unit), None) == "Rejected"


def broken(change) -> dict[str, Any]:
    body = profile(1)
    change(body)
    return body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (broken(lambda b: b.pop("chargingSchedule")), "malformed (KeyError"),
        (broken(lambda b: b["chargingSchedule"].update(chargingSchedulePeriod=5)), "malformed"),
        (broken(lambda b: b.update(validFrom="yesterday")), "malformed (ValueError"),
        (broken(lambda b: b.update(chargingProfilePurpose="Max")), "Purpose 'Max' is unknown"),
        (broken(lambda b: b.update(chargingProfileKind="Once")), "Kind 'Once' is unknown"),
        (broken(lambda b: b["chargingSchedule"].update(chargingRateUnit="kW")), "'kW' is unknown"),
        (broken(lambda b: b.update(stackLevel=-1)), "stackLevel is negative"),
        (broken(lambda b: b["chargingSchedule"].pop("startSchedule")), "Absolute needs start"),
        (profile(1, kind="Recurring"), "Recurring needs recurrencyKind"),
        (
            broken(lambda b: b.update(chargingProfileKind="Recurring", recurrencyKind="Monthly")),
            "Recurring needs recurrencyKind",
        ),
        (
            broken(
                lambda b: (
                    b["chargingSchedule"].pop("startSchedule")
                    and b.update(chargingProfileKind="Recurring", recurrencyKind="Daily")
                )
            ),
            "Recurring needs startSchedule",
        ),
        (profile(1, periods=[]), "chargingSchedulePeriod is empty"),
        (profile(1, periods=[(0, 10), (0, 12)]), "startPeriod must rise"),
        (profile(1, periods=[(60, 10), (30, 12)]), "startPeriod must rise"),
        (profile(1, periods=[(-5, 10)]), "negative startPeriod or limit"),
        (profile(1, periods=[(0, -1)]), "negative startPeriod or limit"),
        (profile(1, periods=[{"startPeriod": 0, "limit": 6, "numberPhases": 4}]), "1-3"),
        (profile(1, duration=-1), "duration is negative"),
        (profile(1, validFrom=iso(at(1)), validTo=iso(at(1))), "validFrom is not before"),
    ],
)
def test_set_rejects_a_profile_it_cannot_read(stack, body, reason):
    assert reason in stack.check(1, body, None)
    assert stack.set(1, body, None) == "Rejected"
    assert stack.installed() == []


def test_set_accepts_the_limits_exactly(stack):
    assert stack.set(1, profile(1, stack=8, periods=[(n * 60, 16) for n in range(24)]), None) == (
        "Accepted"
    )
    assert stack.check(1, profile(2, stack=0), None) is None


def test_set_rejects_beyond_max_charging_profiles_installed_but_replacing_is_fine(stack):
    for level in range(8):
        assert stack.set(1, profile(level + 1, stack=level), None) == "Accepted"
    assert "MaxChargingProfilesInstalled 8 reached" in stack.check(2, profile(9), None)
    assert stack.set(2, profile(9), None) == "Rejected"
    assert stack.set(1, profile(9, stack=3), None) == "Accepted"  # same slot: replaces
    assert stack.set(2, profile(1), None) == "Accepted"  # same id: replaces
    assert len(stack.installed()) == 8


def test_tx_profile_is_accepted_for_the_running_transaction(stack):
    assert stack.set(1, profile(1, "TxProfile", kind="Relative"), 42) == "Accepted"
    assert stack.set(2, profile(2, "TxProfile", kind="Relative", transactionId=43), 43) == (
        "Accepted"
    )
    assert stack.to_dict()["installed"][0]["transaction_id"] == 42


# --- replace rules ---


def test_same_charging_profile_id_replaces_wherever_it_was(stack):
    stack.set(1, profile(5, stack=2, periods=[(0, 10)]), None)
    stack.set(2, profile(5, stack=4, periods=[(0, 20)]), None)
    assert [connector for connector, _ in stack.installed()] == [2]
    assert amps(stack, 1, NOON) is None
    assert amps(stack, 2, NOON) == 20


def test_same_stack_level_and_purpose_on_the_same_connector_replaces(stack):
    stack.set(1, profile(1, stack=2, periods=[(0, 10)]), None)
    stack.set(1, profile(2, stack=2, periods=[(0, 12)]), None)
    assert [body["chargingProfileId"] for _, body in stack.installed()] == [2]
    assert amps(stack, 1, NOON) == 12


def test_same_stack_level_and_purpose_on_another_connector_does_not_replace(stack):
    stack.set(1, profile(1, stack=2, periods=[(0, 10)]), None)
    stack.set(2, profile(2, stack=2, periods=[(0, 12)]), None)
    stack.set(0, profile(3, "ChargePointMaxProfile", stack=2, periods=[(0, 30)]), None)
    assert len(stack.installed()) == 3
    assert (amps(stack, 1, NOON), amps(stack, 2, NOON)) == (10, 12)


def test_a_rejected_profile_leaves_the_stack_as_it_was(stack):
    stack.set(1, profile(1, periods=[(0, 10)]), None)
    assert stack.set(1, profile(1, stack=99, periods=[(0, 2)]), None) == "Rejected"
    assert amps(stack, 1, NOON) == 10


# --- stacking and combining purposes (sections 3.13.2, 3.13.3) ---


def test_highest_stack_level_in_force_wins_and_lower_one_resumes_when_it_ends(stack):
    stack.set(1, profile(1, stack=0, periods=[(0, 32)]), None)
    stack.set(1, profile(2, stack=3, periods=[(0, 8)], duration=1800), None)
    stack.set(1, profile(3, stack=1, periods=[(0, 20)], validTo=iso(at(2))), None)
    assert amps(stack, 1, at(minutes=10)) == 8
    assert amps(stack, 1, at(minutes=30)) == 20  # stack 3 ended, stack 1 in force
    assert amps(stack, 1, at(hours=2)) == 32  # stack 1 past validTo


def test_tx_profile_overrides_tx_default_profile_whatever_the_stack_levels(stack):
    stack.set(1, profile(1, stack=5, periods=[(0, 32)]), None)
    stack.set(1, profile(2, "TxProfile", stack=0, kind="Relative", periods=[(0, 10)]), 7)
    assert amps(stack, 1, NOON, tx_start=NOON, transaction_id=7) == 10
    assert amps(stack, 1, NOON, tx_start=NOON, transaction_id=8) == 32  # another transaction
    assert amps(stack, 1, NOON) == 32  # no transaction
    stack.transaction_ended(1)
    assert amps(stack, 1, NOON, tx_start=NOON, transaction_id=7) == 32
    assert [body["chargingProfileId"] for _, body in stack.installed()] == [1]


def test_transaction_ended_keeps_other_connectors_tx_profiles(stack):
    stack.set(1, profile(1, "TxProfile", kind="Relative", periods=[(0, 10)]), 7)
    stack.set(2, profile(2, "TxProfile", kind="Relative", periods=[(0, 12)]), 8)
    stack.transaction_ended(1)
    assert amps(stack, 2, NOON, tx_start=NOON, transaction_id=8) == 12
    assert len(stack.installed()) == 1


def test_tx_default_on_connector_0_applies_to_every_connector_without_its_own(stack):
    stack.set(0, profile(1, stack=0, periods=[(0, 16)]), None)
    stack.set(2, profile(2, stack=0, periods=[(0, 10)], duration=600), None)
    assert amps(stack, 1, NOON) == 16
    assert amps(stack, 2, NOON) == 10  # its own overrides connector 0's
    assert amps(stack, 2, at(minutes=10)) == 16  # its own ended: connector 0's again
    assert amps(stack, 0, NOON) is None  # connector 0 itself: only ChargePointMaxProfile


def test_charge_point_max_profile_caps_the_connector_limit(stack):
    stack.set(0, profile(1, "ChargePointMaxProfile", periods=[(0, 20)]), None)
    assert amps(stack, 1, NOON) == 20  # alone it is the limit
    assert amps(stack, 0, NOON) == 20
    stack.set(1, profile(2, periods=[(0, 32)]), None)
    assert amps(stack, 1, NOON) == 20  # caps a higher TxDefault
    stack.set(1, profile(3, "TxProfile", kind="Relative", periods=[(0, 6)]), 1)
    assert amps(stack, 1, NOON, tx_start=NOON, transaction_id=1) == 6  # lower Tx limit stays


def test_no_profile_means_no_limit(stack):
    assert stack.limit_w(1, NOON, None, None, V, 3) is None


# --- amperes and watts ---


@pytest.mark.parametrize(
    ("period", "unit", "phases", "watts"),
    [
        ({"startPeriod": 0, "limit": 16}, "A", 3, 11040.0),
        ({"startPeriod": 0, "limit": 16, "numberPhases": 1}, "A", 3, 3680.0),
        ({"startPeriod": 0, "limit": 16}, "A", 1, 3680.0),  # a one-phase vehicle
        ({"startPeriod": 0, "limit": 16, "numberPhases": 2}, "A", 3, 7360.0),
        ({"startPeriod": 0, "limit": 7400}, "W", 1, 7400.0),
    ],
)
def test_limit_w_converts_amperes_with_voltage_and_phases(stack, period, unit, phases, watts):
    stack.set(1, profile(1, periods=[period], unit=unit), None)
    assert stack.limit_w(1, NOON, None, None, V, phases) == pytest.approx(watts)


def test_a_watt_cap_and_an_ampere_limit_combine_in_watts(stack):
    stack.set(0, profile(1, "ChargePointMaxProfile", periods=[(0, 11000)], unit="W"), None)
    stack.set(1, profile(2, periods=[(0, 16)]), None)
    assert stack.limit_w(1, NOON, None, None, V, 3) == pytest.approx(11000)
    assert stack.limit_w(1, NOON, None, None, V, 1) == pytest.approx(3680)


# --- schedule kinds ---


def test_relative_profile_starts_at_the_transaction_start(stack):
    body = profile(1, kind="Relative", periods=[(0, 6), (600, 16)], duration=3600)
    stack.set(1, body, None)
    assert amps(stack, 1, at(minutes=5), tx_start=NOON, transaction_id=1) == 6
    assert amps(stack, 1, at(minutes=15), tx_start=NOON, transaction_id=1) == 16
    assert amps(stack, 1, at(hours=1), tx_start=NOON, transaction_id=1) is None
    assert amps(stack, 1, at(hours=5)) == 6  # no transaction: as if one started now


def test_relative_profile_ignores_a_start_schedule(stack):
    body = profile(1, kind="Relative", periods=[(0, 6), (600, 16)])
    body["chargingSchedule"]["startSchedule"] = iso(NOON - timedelta(hours=1))
    stack.set(1, body, None)
    assert amps(stack, 1, at(minutes=5), tx_start=NOON, transaction_id=1) == 6


def test_absolute_profile_is_not_in_force_before_its_start_or_first_period(stack):
    stack.set(1, profile(1, start=at(1), periods=[(300, 10)]), None)
    assert amps(stack, 1, at(minutes=59)) is None
    assert amps(stack, 1, at(hours=1, minutes=4)) is None
    assert amps(stack, 1, at(hours=1, minutes=5)) == 10


def test_recurring_daily_profile_repeats_every_day_from_its_start(stack):
    night_and_day = [(0, 10), (8 * 3600, 32), (22 * 3600, 10)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    body = profile(
        1,
        kind="Recurring",
        recurrencyKind="Daily",
        start=start,
        periods=night_and_day,
        duration=86400,
    )
    stack.set(1, body, None)
    day = datetime(2024, 3, 5, tzinfo=UTC)
    assert amps(stack, 1, day + timedelta(hours=7)) == 10
    assert amps(stack, 1, day + timedelta(hours=9)) == 32
    assert amps(stack, 1, day + timedelta(hours=23)) == 10
    assert amps(stack, 1, day + timedelta(days=1, hours=9)) == 32
    assert amps(stack, 1, start - timedelta(hours=1)) is None  # before its first day


def test_recurring_weekly_profile_with_a_short_duration_leaves_gaps(stack):
    monday = datetime(2024, 1, 1, tzinfo=UTC)
    body = profile(
        1,
        kind="Recurring",
        recurrencyKind="Weekly",
        start=monday,
        periods=[(0, 10)],
        duration=2 * 86400,
    )
    stack.set(1, body, None)
    assert amps(stack, 1, NOON) == 10  # Tuesday
    assert amps(stack, 1, NOON + timedelta(days=2)) is None  # Thursday
    assert amps(stack, 1, NOON + timedelta(days=6)) == 10  # next Monday


def test_valid_from_and_valid_to_bound_a_profile(stack):
    stack.set(1, profile(1, periods=[(0, 10)], validFrom=iso(at(1)), validTo=iso(at(2))), None)
    assert amps(stack, 1, at(minutes=59)) is None
    assert amps(stack, 1, at(1)) == 10
    assert amps(stack, 1, at(hours=1, minutes=59)) == 10
    assert amps(stack, 1, at(2)) is None


def test_naive_moments_are_taken_as_utc_and_offsets_are_honoured(stack):
    stack.set(1, profile(1, periods=[(0, 10)], validFrom="2024-03-05T13:00:00+01:00"), None)
    assert amps(stack, 1, datetime(2024, 3, 5, 12, 0)) == 10
    assert amps(stack, 1, datetime(2024, 3, 5, 11, 59)) is None


# --- ClearChargingProfile (section 5.5) ---


@pytest.fixture
def three(stack) -> ChargingProfiles:
    stack.set(0, profile(1, "ChargePointMaxProfile", stack=0), None)
    stack.set(1, profile(2, "TxDefaultProfile", stack=1), None)
    stack.set(2, profile(3, "TxDefaultProfile", stack=2), None)
    return stack


def remaining(stack: ChargingProfiles) -> list[int]:
    return [body["chargingProfileId"] for _, body in stack.installed()]


@pytest.mark.parametrize(
    ("criteria", "left"),
    [
        ({"id": 2}, [1, 3]),
        ({"id": 2, "connector_id": 2, "purpose": "TxProfile", "stack_level": 5}, [1, 3]),
        ({"purpose": "TxDefaultProfile"}, [1]),
        ({"stack_level": 2}, [1, 2]),
        ({"connector_id": 0}, [2, 3]),
        ({"connector_id": 1, "purpose": "TxDefaultProfile", "stack_level": 1}, [1, 3]),
        ({}, []),
    ],
)
def test_clear_removes_matching_profiles(three, criteria, left):
    args = {"id": None, "connector_id": None, "purpose": None, "stack_level": None} | criteria
    assert three.clear(**args) == "Accepted"
    assert remaining(three) == left


@pytest.mark.parametrize(
    "criteria",
    [
        {"id": 99},
        {"purpose": "TxProfile"},
        {"stack_level": 7},
        {"connector_id": 1, "stack_level": 2},
    ],
)
def test_clear_answers_unknown_when_nothing_matches(three, criteria):
    args = {"id": None, "connector_id": None, "purpose": None, "stack_level": None} | criteria
    assert three.clear(**args) == "Unknown"
    assert remaining(three) == [1, 2, 3]


def test_clear_on_an_empty_stack_is_unknown(stack):
    assert stack.clear(None, None, None, None) == "Unknown"


# --- GetCompositeSchedule (section 5.7) ---


def conf(schedule: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": schedule["startSchedule"],
        "chargingSchedule": schedule,
    }
    validate("GetCompositeSchedule", payload, response=True)
    return schedule


def test_composite_schedule_of_a_stacked_case(stack):
    stack.set(0, profile(1, stack=0, periods=[(0, 32)]), None)
    stack.set(
        1,
        profile(2, stack=1, start=at(minutes=10), periods=[(0, 10), (900, 12)], duration=1800),
        None,
    )
    stack.set(0, profile(3, "ChargePointMaxProfile", periods=[(0, 24), (3000, 8)]), None)
    schedule = conf(stack.composite_schedule(1, 3600, "A", NOON, None, None, V, 3))
    assert schedule == {
        "startSchedule": "2024-03-05T12:00:00.000Z",
        "duration": 3600,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 24.0},
            {"startPeriod": 600, "limit": 10.0},
            {"startPeriod": 1500, "limit": 12.0},
            {"startPeriod": 2400, "limit": 24.0},
            {"startPeriod": 3000, "limit": 8.0},
        ],
    }
    in_watts = conf(stack.composite_schedule(1, 3600, "W", NOON, None, None, V, 3))
    assert [p["limit"] for p in in_watts["chargingSchedulePeriod"]] == [
        16560.0,
        6900.0,
        8280.0,
        16560.0,
        5520.0,
    ]


def test_composite_schedule_follows_the_transactions_tx_profile(stack):
    stack.set(1, profile(1, periods=[(0, 32)]), None)
    stack.set(1, profile(2, "TxProfile", kind="Relative", periods=[(0, 6), (300, 16)]), 5)
    tx_start = NOON - timedelta(minutes=2)
    schedule = conf(stack.composite_schedule(1, 600, None, NOON, tx_start, 5, V, 3))
    assert schedule["chargingRateUnit"] == "A"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 6.0},
        {"startPeriod": 180, "limit": 16.0},
    ]


def test_composite_schedule_unit_defaults_to_watts_when_units_are_mixed(stack):
    stack.set(0, profile(1, "ChargePointMaxProfile", periods=[(0, 11000)], unit="W"), None)
    stack.set(1, profile(2, periods=[(0, 10)]), None)
    schedule = conf(stack.composite_schedule(1, 60, None, NOON, None, None, V, 3))
    assert schedule["chargingRateUnit"] == "W"
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 6900.0}]
    in_amps = conf(stack.composite_schedule(1, 60, "A", NOON, None, None, V, 1))
    assert in_amps["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 10.0}]


def test_composite_schedule_delays_the_first_period_and_ends_at_an_unlimited_stretch(stack):
    stack.set(1, profile(1, start=at(minutes=10), periods=[(0, 10)], duration=1200), None)
    stack.set(1, profile(2, stack=1, start=at(minutes=50), periods=[(0, 6)]), None)
    schedule = conf(stack.composite_schedule(1, 3600, None, NOON, None, None, V, 3))
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 600, "limit": 10.0}]
    assert schedule["duration"] == 1800


def test_composite_schedule_of_a_recurring_profile_over_two_days(stack):
    body = profile(
        1,
        kind="Recurring",
        recurrencyKind="Daily",
        start=at(-12),
        periods=[(0, 10), (18 * 3600, 16)],
    )
    stack.set(1, body, None)
    schedule = conf(stack.composite_schedule(1, 2 * 86400, None, NOON, None, None, V, 3))
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 10.0},
        {"startPeriod": 6 * 3600, "limit": 16.0},
        {"startPeriod": 12 * 3600, "limit": 10.0},
        {"startPeriod": 30 * 3600, "limit": 16.0},
        {"startPeriod": 36 * 3600, "limit": 10.0},
    ]


def test_composite_schedule_marks_valid_from_and_valid_to(stack):
    stack.set(1, profile(1, periods=[(0, 16)]), None)
    stack.set(
        1,
        profile(
            2, stack=1, periods=[(0, 8)], validFrom=iso(at(minutes=5)), validTo=iso(at(minutes=15))
        ),
        None,
    )
    schedule = conf(stack.composite_schedule(1, 1800, None, NOON, None, None, V, 3))
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 300, "limit": 8.0},
        {"startPeriod": 900, "limit": 16.0},
    ]


def test_composite_schedule_rounds_period_starts_up_to_whole_seconds(stack):
    stack.set(1, profile(1, periods=[(0, 16), (10, 8)]), None)
    schedule = conf(stack.composite_schedule(1, 60, None, at(seconds=0.4), None, None, V, 3))
    assert schedule["startSchedule"] == "2024-03-05T12:00:00.400Z"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 10, "limit": 8.0},
    ]


def test_composite_schedule_of_connector_0_is_the_charge_point_max_profile(stack):
    stack.set(0, profile(1, periods=[(0, 16)]), None)
    assert stack.composite_schedule(0, 600, None, NOON, None, None, V, 3) is None
    stack.set(0, profile(2, "ChargePointMaxProfile", periods=[(0, 40)]), None)
    schedule = conf(stack.composite_schedule(0, 600, None, NOON, None, None, V, 3))
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 40.0}]


def test_composite_schedule_is_none_without_a_limit_in_the_window(stack):
    assert stack.composite_schedule(1, 600, None, NOON, None, None, V, 3) is None
    stack.set(1, profile(1, start=at(2)), None)
    assert stack.composite_schedule(1, 600, None, NOON, None, None, V, 3) is None
    stack.set(2, profile(2, "TxProfile", kind="Relative"), 9)
    assert stack.composite_schedule(2, 600, None, NOON, None, None, V, 3) is None


def test_composite_schedule_of_zero_duration_reports_the_limit_now(stack):
    stack.set(1, profile(1, periods=[(0, 16)]), None)
    schedule = conf(stack.composite_schedule(1, 0, None, NOON, None, None, V, 3))
    assert schedule["duration"] == 0
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.0}]


# --- persistence ---


def test_to_dict_from_dict_round_trip_keeps_every_profile(stack):
    stack.set(0, profile(1, "ChargePointMaxProfile", periods=[(0, 20)]), None)
    stack.set(1, profile(2, kind="Recurring", recurrencyKind="Daily", periods=[(0, 10)]), None)
    stack.set(2, profile(3, "TxProfile", kind="Relative", periods=[(0, 6)]), 77)
    saved = json.loads(json.dumps(stack.to_dict()))
    restored = ChargingProfiles.from_dict(saved)
    assert restored.to_dict() == saved
    assert restored.installed() == stack.installed()
    assert amps(restored, 2, NOON, tx_start=NOON, transaction_id=77) == 6
    assert amps(restored, 1, NOON) == 10
    assert restored.set(1, profile(4, stack=9), None) == "Rejected"  # limits restored


def test_installed_returns_copies(stack):
    body = profile(1, periods=[(0, 10)])
    stack.set(1, body, None)
    body["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 1
    stack.installed()[0][1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 2
    assert stack.installed()[0][1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 10


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(format=2), "unknown format 2"),
        (lambda d: d.pop("max_periods"), "cannot be restored"),
        (lambda d: d["installed"][0]["profile"].pop("stackLevel"), "cannot be restored"),
    ],
)
def test_from_dict_refuses_saved_profiles_it_cannot_read(stack, change, problem):
    stack.set(1, profile(1), None)
    saved = stack.to_dict()
    change(saved)
    with pytest.raises(ChargingProfileError, match=problem):
        ChargingProfiles.from_dict(saved)

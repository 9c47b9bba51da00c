"""The catalogue's metering and configuration-value cases (``chargecheck.script.catalogue
.metering``: TC_071_CS clock-aligned meter values, TC_040_2_CS an invalid value) against the
simulator over loopback: each PASSes against the healthy simulator with evidence, TC_040_2
FAILs where a SHALL of 5.3 breaks, and what the specification leaves to the station (when
and what it samples, taking a value out of range) is NOT TESTED, never FAIL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargecheck.script.catalogue.metering import off_boundary
from chargecheck.script.verdict import Outcome
from tests.script.catalogue_run import (
    edit_key,
    not_tested_because,
    passed_with_evidence,
    run_case,
    run_cases,
)

IDS = ["TC_071_CS", "TC_040_2_CS"]


async def test_both_cases_pass_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS)
    passed_with_evidence(*verdicts.values())
    assert verdicts["TC_040_2_CS"].result == "OK, -1 Rejected"


FAILS = [
    ("accept_unapplied_value", "Accepted, yet GetConfiguration reports"),
    ("change_configuration_not_supported", "NotSupported, though GetConfiguration reports"),
]


@pytest.mark.parametrize(("defect", "detail"), FAILS)
async def test_an_invalid_value_fails_where_the_answer_breaks_a_shall_of_5_3(
    tmp_path, monkeypatch, defect, detail
):
    verdict = await run_case(tmp_path, monkeypatch, "TC_040_2_CS", (defect,))
    assert verdict.outcome is Outcome.FAIL, verdict.result
    (failed,) = verdict.criteria
    assert failed.name.startswith("ChangeConfiguration MeterValueSampleInterval=-1")
    assert detail in failed.detail and failed.evidence


# What a station may do with a value (5.3): take it, or hold the key read-only.
EDITED = [
    (
        "TC_040_2_CS",
        edit_key("MeterValueSampleInterval", min=-5),
        "only as an example of Rejected",
    ),
    (
        "TC_071_CS",
        edit_key("ClockAlignedDataInterval", readonly=True),
        "ClockAlignedDataInterval (0) cannot be set to 1",
    ),
]


@pytest.mark.parametrize(("case_id", "edit", "reason"), EDITED)
async def test_a_station_that_takes_a_negative_interval_or_holds_one_read_only_is_not_tested(
    tmp_path, monkeypatch, case_id, edit, reason
):
    not_tested_because(await run_case(tmp_path, monkeypatch, case_id, edits=[edit]), reason)


async def test_clock_aligned_values_the_station_does_not_send_are_not_tested(tmp_path, monkeypatch):
    verdict = await run_case(tmp_path, monkeypatch, "TC_071_CS", ("no_meter_values",))
    not_tested_because(verdict, "up to the Charge Point to decide when it will send meter values")


async def test_with_nobody_at_the_keyboard_only_the_case_without_steps_is_judged(
    tmp_path, monkeypatch
):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS, nobody=True)
    not_tested_because(verdicts["TC_071_CS"], "non-interactive run")
    assert verdicts["TC_040_2_CS"].outcome is Outcome.PASS


def test_a_boundary_is_a_whole_number_of_intervals_since_midnight():
    at = datetime(2026, 12, 6, 10, 15, 0, tzinfo=UTC)
    assert off_boundary(at, 900) == 0.0
    assert off_boundary(at.replace(second=2), 900) == 2.0
    assert off_boundary(at.replace(minute=14, second=58), 900) == 2.0
    assert off_boundary(at.replace(second=7), 60) == 7.0

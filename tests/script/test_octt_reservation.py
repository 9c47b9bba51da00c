"""The official reservation cases of ``chargecheck.script.catalogue.charge_point_reservation``
against the simulator over loopback: each PASSes against the healthy simulator with the
frames that show it, FAILs against the defect that breaks its SHALL, and is NOT TESTED
(never FAIL) where the station legally lacks what it needs: the Reservation profile,
ReserveConnectorZeroSupported, somebody to do its physical steps."""

from __future__ import annotations

import pytest

from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.catalogue.charge_point_reservation import CASES
from chargecheck.script.verdict import Outcome
from tests.script.catalogue_run import (
    claiming,
    fails_on,
    not_passed,
    not_tested_because,
    passed_with_evidence,
    run_cases,
)

ZERO = ("reserve_connector_zero",)  # the legal variant: ReserveConnectorZeroSupported true
ABSENT = ["TC_048_4_CS", "TC_050_4_CS"]  # for a station without the Reservation profile
CLAIMED = [c.id for c in CASES if c.id not in ABSENT]
CONNECTOR_ZERO = ["TC_050_1_CS", "TC_050_2_CS", "TC_050_3_CS"]
MANUAL = ["TC_046_2_CS", "TC_048_1_CS", "TC_050_1_CS", "TC_050_2_CS", "TC_053_CS"]


def test_the_cases_carry_the_official_ids_in_the_official_order():
    assert [c.id for c in CASES] == [
        "TC_046_2_CS",
        "TC_048_1_CS",
        "TC_048_4_CS",
        "TC_050_1_CS",
        "TC_050_2_CS",
        "TC_050_3_CS",
        "TC_050_4_CS",
        "TC_052_CS",
        "TC_053_CS",
    ]
    assert all(CATALOGUE[c.id] is c for c in CASES)


# -- against the healthy simulator ------------------------------------------------------------


async def test_every_case_passes_against_a_simulator_that_reserves_connector_zero(
    tmp_path, monkeypatch
):
    verdicts = await run_cases(tmp_path, monkeypatch, CLAIMED, variants=ZERO)
    passed_with_evidence(*verdicts.values())
    # TC_050_2_CS occupied every connector of the station (two) before asking.
    running = [c for c in verdicts["TC_050_2_CS"].criteria if "a transaction runs" in c.name]
    assert [c.connector_id for c in running] == [1, 2]


async def test_without_the_reservation_profile_the_absent_cases_pass_and_the_others_are_not_tested(
    tmp_path, monkeypatch
):
    ids = [*ABSENT, "TC_052_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, variants=ZERO, edits=[claiming("Core")])
    for i in ABSENT:
        assert verdicts[i].outcome is Outcome.PASS, not_passed(verdicts[i])
        (criterion,) = verdicts[i].criteria
        assert criterion.detail == "answered Rejected" and criterion.evidence
    claimed = verdicts["TC_052_CS"]
    assert claimed.outcome is Outcome.NOT_TESTED
    assert "the Reservation profile is optional" in claimed.criteria[0].detail


async def test_a_station_that_claims_the_profile_or_not_connector_zero_is_not_tested(
    tmp_path, monkeypatch
):
    verdicts = await run_cases(tmp_path, monkeypatch, [*ABSENT, *CONNECTOR_ZERO])
    for i in ABSENT:
        not_tested_because(verdicts[i], "claims Reservation: this case is for a station without it")
    for i in CONNECTOR_ZERO:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, verdicts[i].result
        (criterion,) = verdicts[i].criteria
        assert "ReserveConnectorZeroSupported is false" in criterion.detail
        assert criterion.evidence  # the GetConfiguration that says so


async def test_with_nobody_to_do_the_physical_steps_they_are_not_tested(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, MANUAL, variants=ZERO, nobody=True)
    for i in MANUAL:
        not_tested_because(verdicts[i], "non-interactive run")


# -- against the simulator's defects ----------------------------------------------------------

FAILS = [
    (
        "start_without_reservation_id",
        ["TC_046_2_CS", "TC_053_CS"],
        "carries the reservationId",
        False,
    ),
    ("reserve_ignores_status", ["TC_048_1_CS", *CONNECTOR_ZERO], "ReserveNow of", False),
    ("reservation_without_profile", ABSENT, "without the Reservation profile", True),
    ("cancel_unknown_reservation_accepted", ["TC_052_CS"], "unknown reservationId", False),
    ("reservation_ignores_parent", ["TC_053_CS"], "Authorize.req for", False),
]


@pytest.mark.parametrize(("defect", "ids", "criterion", "core_only"), FAILS)
async def test_a_case_fails_against_the_defect_that_breaks_its_shall(
    tmp_path, monkeypatch, defect, ids, criterion, core_only
):
    edits = [claiming("Core")] if core_only else []
    verdicts = await run_cases(tmp_path, monkeypatch, ids, (defect,), variants=ZERO, edits=edits)
    for i in ids:
        assert all(c.evidence for c in fails_on(verdicts[i], criterion))

"""The official reservation cases of ``chargecheck.script.catalogue.charge_point_reservation``
against the simulator over loopback: each PASSes against the healthy simulator with the
frames that show it, FAILs against the defect that breaks its SHALL, and is NOT TESTED
(never FAIL) where the station legally lacks what it needs: the Reservation profile,
ReserveConnectorZeroSupported, somebody to do its physical steps."""

from __future__ import annotations

import io
from functools import partial
from importlib import resources
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.run import RunSummary
from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.catalogue.charge_point_reservation import CASES
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.conftest import FAST

SHIPPED_PROFILE = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
FEATURES = (
    'value = "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,'
    'RemoteTrigger"'
)
ZERO = "reserve_connector_zero"  # the legal variant: ReserveConnectorZeroSupported true
ABSENT = ["TC_048_4_CS", "TC_050_4_CS"]  # for a station without the Reservation profile
CLAIMED = [c.id for c in CASES if c.id not in ABSENT]
CONNECTOR_ZERO = ["TC_050_1_CS", "TC_050_2_CS", "TC_050_3_CS"]
MANUAL = ["TC_046_2_CS", "TC_048_1_CS", "TC_050_1_CS", "TC_050_2_CS", "TC_053_CS"]


def _profile(tmp_path: Path, *, core_only: bool) -> Path:
    """The shipped Alfen profile, with ``core_only`` claiming the Core profile alone."""
    text = SHIPPED_PROFILE.read_text(encoding="utf-8")
    assert FEATURES in text  # the shipped value this edits
    if core_only:
        text = text.replace(FEATURES, 'value = "Core"')
    path = tmp_path / "alfen.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ids: list[str],
    defects: tuple[str, ...] = (),
    *,
    zero: bool = True,
    nobody: bool = False,
    core_only: bool = False,
) -> dict[str, Verdict]:
    import chargecheck.demo as demo
    import chargecheck.run as run_module
    from chargecheck.demo import run_demo
    from chargecheck.sim.simulator import Simulator

    cases = [
        Case(row, CATALOGUE[i].title, CATALOGUE[i].criteria, CATALOGUE[i].run, i)
        for row, i in enumerate(ids, 1)
    ]
    monkeypatch.setattr(run_module, "pack_cases", lambda pack: cases)
    monkeypatch.setattr(
        demo, "Simulator", partial(Simulator, profile=_profile(tmp_path, core_only=core_only))
    )
    if nobody:
        monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    summary: RunSummary = await run_demo(
        tmp_path / "out",
        Console(file=io.StringIO(), width=200),
        settings=FAST,
        defects=list(defects),
        variants=[ZERO] if zero else [],
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


def _not_passed(verdict: Verdict) -> list[str]:
    return [f"{c.outcome}: {c.name}: {c.detail}" for c in verdict.criteria if c.outcome != "PASS"]


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
    verdicts = await _run(tmp_path, monkeypatch, CLAIMED)
    failed = {i: _not_passed(v) for i, v in verdicts.items() if v.outcome is not Outcome.PASS}
    assert not failed, failed
    assert all(v.result.startswith("OK") for v in verdicts.values())
    bare = [
        (i, c.name)
        for i, v in verdicts.items()
        for c in v.criteria
        if c.outcome is Outcome.PASS and not c.evidence
    ]
    assert not bare, bare
    # TC_050_2_CS occupied every connector of the station (two) before asking.
    running = [c for c in verdicts["TC_050_2_CS"].criteria if "a transaction runs" in c.name]
    assert [c.connector_id for c in running] == [1, 2]


async def test_without_the_reservation_profile_the_absent_cases_pass_and_the_others_are_not_tested(
    tmp_path, monkeypatch
):
    verdicts = await _run(tmp_path, monkeypatch, [*ABSENT, "TC_052_CS"], core_only=True)
    for i in ABSENT:
        assert verdicts[i].outcome is Outcome.PASS, _not_passed(verdicts[i])
        (criterion,) = verdicts[i].criteria
        assert criterion.detail == "answered Rejected" and criterion.evidence
    claimed = verdicts["TC_052_CS"]
    assert claimed.outcome is Outcome.NOT_TESTED
    assert "the Reservation profile is optional" in claimed.criteria[0].detail


async def test_a_station_that_claims_the_profile_or_not_connector_zero_is_not_tested(
    tmp_path, monkeypatch
):
    verdicts = await _run(tmp_path, monkeypatch, [*ABSENT, *CONNECTOR_ZERO], zero=False)
    for i in ABSENT:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, verdicts[i].result
        assert "claims Reservation: this case is for a station without it" in verdicts[i].result
    for i in CONNECTOR_ZERO:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, verdicts[i].result
        (criterion,) = verdicts[i].criteria
        assert "ReserveConnectorZeroSupported is false" in criterion.detail
        assert criterion.evidence  # the GetConfiguration that says so


async def test_with_nobody_to_do_the_physical_steps_they_are_not_tested(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, MANUAL, nobody=True)
    for i in MANUAL:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, (i, verdicts[i].result)
        assert "non-interactive run" in verdicts[i].result


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
    verdicts = await _run(tmp_path, monkeypatch, ids, (defect,), core_only=core_only)
    for i in ids:
        verdict = verdicts[i]
        assert verdict.outcome is Outcome.FAIL, (i, verdict.result)
        failed = [c for c in verdict.criteria if c.outcome is Outcome.FAIL]
        assert failed and all(criterion in c.name for c in failed), _not_passed(verdict)
        assert all(c.evidence for c in failed)

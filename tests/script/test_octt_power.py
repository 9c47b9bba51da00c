"""The catalogue's power and lock cases (``chargecheck.script.catalogue.power``: OCTT
TC_017_2, TC_018_2, TC_024, TC_030, TC_032_1, TC_032_2, TC_034) against the simulator
over loopback: they PASS against the healthy simulator (or with the legal variant their
kind of station needs: fixed_cable, backup_power) with evidence on every PASS, FAIL on
the named criterion against the defect that breaks its SHALL, and are NOT TESTED, never
FAIL, for the other kind of station, a refused step or nobody at the keyboard."""

from __future__ import annotations

import pytest

from chargecheck.script.catalogue import locks, power
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.catalogue_run import (
    claiming,
    edit_key,
    fails_on,
    not_passed,
    passed_with_evidence,
    run_cases,
)

IDS = [c.id for c in (*locks.CASES, *power.CASES)]


def _not_tested_never_failed(verdict: Verdict, because: str) -> None:
    assert verdict.outcome is Outcome.NOT_TESTED, (verdict.id, verdict.result)
    assert not [c for c in verdict.criteria if c.outcome in (Outcome.FAIL, Outcome.ERROR)]
    assert any(because in c.detail for c in verdict.criteria), not_passed(verdict)


def test_the_cases_carry_the_official_ids_in_the_official_order():
    from chargecheck.script.catalogue.octt import OFFICIAL

    wanted = ["TC_017_2_CS", "TC_018_2_CS", "TC_024_CS", "TC_030_CS"]
    wanted += ["TC_032_1_CS", "TC_032_2_CS", "TC_034_CS"]
    assert wanted == IDS
    order = [o.id for o in OFFICIAL]
    assert sorted(IDS, key=order.index) == IDS


# -- the healthy simulator: a socket station without back-up power ----------------------------


async def test_a_socket_station_without_back_up_power(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS)
    for id_ in ("TC_024_CS", "TC_030_CS", "TC_032_2_CS", "TC_034_CS"):
        passed_with_evidence(verdicts[id_])
    # the station resumed the transaction after the power cut: the card ended it
    assert "stopped by card" in " ".join(c.detail for c in verdicts["TC_032_2_CS"].criteria)
    for id_ in ("TC_017_2_CS", "TC_018_2_CS"):
        _not_tested_never_failed(verdicts[id_], "not a fixed-cable station")
    _not_tested_never_failed(verdicts["TC_032_1_CS"], "TC_032_2_CS: no back-up power")


async def test_a_fixed_cable_station_with_back_up_power(tmp_path, monkeypatch):
    variants = ("fixed_cable", "backup_power")
    verdicts = await run_cases(tmp_path, monkeypatch, IDS, variants=variants)
    for id_ in ("TC_017_2_CS", "TC_018_2_CS", "TC_032_1_CS", "TC_034_CS"):
        passed_with_evidence(verdicts[id_])
    tx_goes_on = verdicts["TC_018_2_CS"].criteria[-1]
    assert "ended later by RemoteStopTransaction (reason Remote)" in tx_goes_on.detail
    for id_ in ("TC_024_CS", "TC_030_CS"):  # no lock to make fail: the step is refused
        _not_tested_never_failed(verdicts[id_], "there is no lock to fail")
    _not_tested_never_failed(verdicts["TC_032_2_CS"], "TC_032_1_CS: back-up power")


async def test_a_station_that_ends_the_cut_transaction_after_the_boot(tmp_path, monkeypatch):
    ids = ["TC_032_1_CS", "TC_032_2_CS"]
    edit = edit_key("ResumeTransactionAfterPowerLoss", value=False)
    verdicts = await run_cases(tmp_path, monkeypatch, ids, edits=[edit])
    passed_with_evidence(verdicts["TC_032_2_CS"])
    details = " ".join(c.detail for c in verdicts["TC_032_2_CS"].criteria)
    assert "StopTransaction reason PowerLoss after the reboot" in details
    assert [c.name for c in verdicts["TC_032_2_CS"].criteria][-1] == "reason PowerLoss (7.37)"
    _not_tested_never_failed(verdicts["TC_032_1_CS"], "TC_032_2_CS: no back-up power")


# -- defects that break a SHALL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_", "defect", "variants", "criterion"),
    [
        ("TC_030_CS", "unlock_failure_unlocked", (), "answered UnlockFailed"),
        ("TC_024_CS", "silent_fault", (), "StatusNotification Faulted (4.9 SHALL)"),
        ("TC_032_2_CS", "power_loss_no_stop", (), "ends with a StopTransaction"),
        ("TC_032_1_CS", "power_loss_no_stop", ("backup_power",), "before the station goes"),
        ("TC_034_CS", "availability_lost_on_power_cut", (), "still Unavailable after the power"),
    ],
)
async def test_a_case_fails_on_its_criterion_against_its_defect(
    tmp_path, monkeypatch, id_, defect, variants, criterion
):
    verdicts = await run_cases(tmp_path, monkeypatch, [id_], (defect,), variants=variants)
    assert all(c.evidence for c in fails_on(verdicts[id_], criterion))


async def test_a_silent_fault_without_remote_trigger_is_not_tested(tmp_path, monkeypatch):
    verdicts = await run_cases(
        tmp_path, monkeypatch, ["TC_024_CS"], ("silent_fault",), edits=[claiming("Core")]
    )
    _not_tested_never_failed(verdicts["TC_024_CS"], "without RemoteTrigger")


# -- nobody at the keyboard ----------------------------------------------------------------


async def test_with_nobody_at_the_keyboard_nothing_fails(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS, nobody=True)
    for id_ in IDS:
        verdict = verdicts[id_]
        assert verdict.outcome is Outcome.NOT_TESTED, (id_, verdict.result)
        assert not [c for c in verdict.criteria if c.outcome in (Outcome.FAIL, Outcome.ERROR)]
    manual = ["TC_018_2_CS", "TC_024_CS", "TC_030_CS", "TC_032_1_CS", "TC_032_2_CS"]
    manual.append("TC_034_CS")
    for id_ in manual:
        assert any("non-interactive run" in c.detail for c in verdicts[id_].criteria), id_

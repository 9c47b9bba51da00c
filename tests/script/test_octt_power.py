"""The catalogue's power and lock cases (``chargecheck.script.catalogue.power``: OCTT
TC_017_2, TC_018_2, TC_024, TC_030, TC_032_1, TC_032_2, TC_034) against the simulator
over loopback: they PASS against the healthy simulator (or with the legal variant their
kind of station needs: fixed_cable, backup_power) with evidence on every PASS, FAIL on
the named criterion against the defect that breaks its SHALL, and are NOT TESTED, never
FAIL, for the other kind of station, a refused step or nobody at the keyboard."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.run import RunSummary
from chargecheck.script.catalogue import CATALOGUE, power
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.conftest import FAST

IDS = [c.id for c in power.CASES]


async def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ids: list[str],
    defects: tuple[str, ...] = (),
    variants: tuple[str, ...] = (),
    *,
    nobody: bool = False,
    core_only: bool = False,
    no_resume: bool = False,
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
    if core_only or no_resume:
        profile = _profile(tmp_path, core_only=core_only, no_resume=no_resume)
        monkeypatch.setattr(demo, "Simulator", partial(Simulator, profile=profile))
    if nobody:
        monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    console = Console(file=io.StringIO(), width=200)
    summary: RunSummary = await run_demo(
        tmp_path / "out", console, settings=FAST, defects=list(defects), variants=list(variants)
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


def _profile(tmp_path: Path, *, core_only: bool, no_resume: bool) -> Path:
    """The shipped profile, claiming the Core profile alone (``core_only``: no
    RemoteTrigger to ask), or ending a transaction cut by a power loss after the boot
    instead of resuming it (``no_resume``)."""
    from importlib import resources

    shipped = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
    text = shipped.read_text(encoding="utf-8")
    features = (
        'value = "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,'
        'RemoteTrigger"'
    )
    resume = '{ name = "ResumeTransactionAfterPowerLoss", type = "bool", value = true }'
    assert features in text and resume in text
    if core_only:
        text = text.replace(features, 'value = "Core"')
    if no_resume:
        text = text.replace(resume, resume.replace("true", "false"))
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _not_passed(verdict: Verdict) -> list[str]:
    return [f"{c.outcome}: {c.name}: {c.detail}" for c in verdict.criteria if c.outcome != "PASS"]


def _passes_with_evidence(verdict: Verdict) -> None:
    assert verdict.outcome is Outcome.PASS, (verdict.id, _not_passed(verdict))
    assert verdict.result.startswith("OK"), verdict.result
    assert all(c.evidence for c in verdict.criteria), [
        c.name for c in verdict.criteria if not c.evidence
    ]


def _not_tested_never_failed(verdict: Verdict, because: str) -> None:
    assert verdict.outcome is Outcome.NOT_TESTED, (verdict.id, verdict.result)
    assert not [c for c in verdict.criteria if c.outcome in (Outcome.FAIL, Outcome.ERROR)]
    assert any(because in c.detail for c in verdict.criteria), _not_passed(verdict)


def test_the_cases_carry_the_official_ids_in_the_official_order():
    from chargecheck.script.catalogue.octt import OFFICIAL

    wanted = ["TC_017_2_CS", "TC_018_2_CS", "TC_024_CS", "TC_030_CS"]
    wanted += ["TC_032_1_CS", "TC_032_2_CS", "TC_034_CS"]
    assert wanted == IDS
    order = [o.id for o in OFFICIAL]
    assert sorted(IDS, key=order.index) == IDS


# -- the healthy simulator: a socket station without back-up power ----------------------------


async def test_a_socket_station_without_back_up_power(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, IDS)
    for id_ in ("TC_024_CS", "TC_030_CS", "TC_032_2_CS", "TC_034_CS"):
        _passes_with_evidence(verdicts[id_])
    # the station resumed the transaction after the power cut: the card ended it
    assert "stopped by card" in " ".join(c.detail for c in verdicts["TC_032_2_CS"].criteria)
    for id_ in ("TC_017_2_CS", "TC_018_2_CS"):
        _not_tested_never_failed(verdicts[id_], "not a fixed-cable station")
    _not_tested_never_failed(verdicts["TC_032_1_CS"], "TC_032_2_CS: no back-up power")


async def test_a_fixed_cable_station_with_back_up_power(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, IDS, variants=("fixed_cable", "backup_power"))
    for id_ in ("TC_017_2_CS", "TC_018_2_CS", "TC_032_1_CS", "TC_034_CS"):
        _passes_with_evidence(verdicts[id_])
    tx_goes_on = verdicts["TC_018_2_CS"].criteria[-1]
    assert "ended later by RemoteStopTransaction (reason Remote)" in tx_goes_on.detail
    for id_ in ("TC_024_CS", "TC_030_CS"):  # no lock to make fail: the step is refused
        _not_tested_never_failed(verdicts[id_], "there is no lock to fail")
    _not_tested_never_failed(verdicts["TC_032_2_CS"], "TC_032_1_CS: back-up power")


async def test_a_station_that_ends_the_cut_transaction_after_the_boot(tmp_path, monkeypatch):
    ids = ["TC_032_1_CS", "TC_032_2_CS"]
    verdicts = await _run(tmp_path, monkeypatch, ids, no_resume=True)
    _passes_with_evidence(verdicts["TC_032_2_CS"])
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
    verdicts = await _run(tmp_path, monkeypatch, [id_], (defect,), variants)
    verdict = verdicts[id_]
    assert verdict.outcome is Outcome.FAIL, _not_passed(verdict)
    failed = [c for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert failed and all(criterion in c.name for c in failed), _not_passed(verdict)
    assert all(c.evidence for c in failed)


async def test_a_silent_fault_without_remote_trigger_is_not_tested(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, ["TC_024_CS"], ("silent_fault",), core_only=True)
    _not_tested_never_failed(verdicts["TC_024_CS"], "without RemoteTrigger")


# -- nobody at the keyboard ----------------------------------------------------------------


async def test_with_nobody_at_the_keyboard_nothing_fails(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, IDS, nobody=True)
    for id_ in IDS:
        verdict = verdicts[id_]
        assert verdict.outcome is Outcome.NOT_TESTED, (id_, verdict.result)
        assert not [c for c in verdict.criteria if c.outcome in (Outcome.FAIL, Outcome.ERROR)]
    manual = ["TC_018_2_CS", "TC_024_CS", "TC_030_CS", "TC_032_1_CS", "TC_032_2_CS"]
    manual.append("TC_034_CS")
    for id_ in manual:
        assert any("non-interactive run" in c.detail for c in verdicts[id_].criteria), id_

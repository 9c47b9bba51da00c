"""The catalogue's session cases (``chargecheck.script.catalogue.sessions``: TC_004_2_CS,
TC_069_CS, TC_005_2_CS, TC_005_3_CS, TC_007_CS, TC_011_2_CS, TC_026_CS, TC_027_CS) against
the simulator over loopback: each PASSes against the healthy simulator with the frames
that show it, FAILs on the criterion its SHALL names against the defect that breaks it,
and is NOT TESTED, never FAIL, where the station legally refuses or nobody does the
physical steps."""

from __future__ import annotations

import io
from functools import partial
from importlib import resources
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.run import RunSummary
from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.conftest import FAST

SHIPPED_PROFILE = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
IDS = [
    "TC_004_2_CS",
    "TC_069_CS",
    "TC_005_2_CS",
    "TC_005_3_CS",
    "TC_007_CS",
    "TC_011_2_CS",
    "TC_026_CS",
    "TC_027_CS",
]


def _profile(tmp_path: Path, edits: dict[str, str]) -> Path:
    """The shipped Alfen profile with each ``edits`` key's text replaced."""
    text = SHIPPED_PROFILE.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert text.count(old) == 1, old  # the shipped line this edits
        text = text.replace(old, new)
    path = tmp_path / "alfen.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ids: list[str],
    defects: tuple[str, ...] = (),
    *,
    variants: tuple[str, ...] = (),
    nobody: bool = False,
    edits: dict[str, str] | None = None,
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
        demo, "Simulator", partial(Simulator, profile=_profile(tmp_path, edits or {}))
    )
    if nobody:
        monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    console = Console(file=io.StringIO(), width=200)
    summary: RunSummary = await run_demo(
        tmp_path / "out", console, settings=FAST, defects=list(defects), variants=list(variants)
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


def _not_passed(verdict: Verdict) -> list[str]:
    return [f"{c.outcome}: {c.name}: {c.detail}" for c in verdict.criteria if c.outcome != "PASS"]


def _criterion(verdict: Verdict, start: str) -> str:
    """The outcome and detail of the criterion whose name starts with ``start``."""
    found = [c for c in verdict.criteria if c.name.startswith(start)]
    assert found, [c.name for c in verdict.criteria]
    return f"{found[0].outcome}: {found[0].detail}"


async def test_every_session_case_passes_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, IDS)
    assert list(verdicts) == IDS
    failed = {i: _not_passed(v) for i, v in verdicts.items() if v.outcome is not Outcome.PASS}
    assert not failed, failed
    assert all(v.result.startswith("OK") for v in verdicts.values())
    bare = [(i, c.name) for i, v in verdicts.items() for c in v.criteria if not c.evidence]
    assert not bare, bare
    assert "without an Authorize.req" in _criterion(verdicts["TC_007_CS"], "a transaction starts")
    assert "answered Rejected" in _criterion(verdicts["TC_026_CS"], "RemoteStartTransaction")
    assert "reason Local" in _criterion(verdicts["TC_069_CS"], "a card of the same")


# The defect, the case it FAILs and the criterion it FAILs on (the only one that FAILs).
FAILS = [
    ("connection_timeout_ignored", "TC_004_2_CS", "back to Available once ConnectionTimeOut"),
    ("connection_timeout_ignored", "TC_011_2_CS", "back to Available once ConnectionTimeOut"),
    ("no_stop_while_cable_locked", "TC_005_2_CS", "StopTransaction when the EV is unplugged"),
    ("stop_on_unplug_regardless", "TC_005_3_CS", "the transaction goes on after the EV"),
    ("remote_start_busy_accepted", "TC_026_CS", "RemoteStartTransaction on a connector in"),
]


@pytest.mark.parametrize(("defect", "case_id", "criterion"), FAILS)
async def test_a_session_case_fails_against_the_defect_that_breaks_its_shall(
    tmp_path, monkeypatch, defect, case_id, criterion
):
    verdict = (await _run(tmp_path, monkeypatch, [case_id], (defect,)))[case_id]
    assert verdict.outcome is Outcome.FAIL, verdict.result
    failed = [c for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert failed and all(c.name.startswith(criterion) for c in failed), _not_passed(verdict)


async def test_the_defects_leave_the_other_ev_side_case_alone(tmp_path, monkeypatch):
    """Each EV side defect bends one key's meaning only: TC_005_1_CS (both keys true)
    still PASSes with either, so each FAIL above is the key the case sets."""
    for defect in ("no_stop_while_cable_locked", "stop_on_unplug_regardless"):
        (tmp_path / defect).mkdir()
        verdict = (await _run(tmp_path / defect, monkeypatch, ["TC_005_1_CS"], (defect,)))[
            "TC_005_1_CS"
        ]
        assert verdict.outcome is Outcome.PASS, (defect, _not_passed(verdict))


async def test_with_nobody_at_the_station_the_cases_with_steps_are_not_tested(
    tmp_path, monkeypatch
):
    unattended = ["TC_011_2_CS", "TC_027_CS"]  # no step: judged all the same
    verdicts = await _run(tmp_path, monkeypatch, IDS, nobody=True)
    for i in IDS:
        if i in unattended:
            assert verdicts[i].outcome is Outcome.PASS, (i, _not_passed(verdicts[i]))
            continue
        assert verdicts[i].outcome is Outcome.NOT_TESTED, (i, verdicts[i].result)
        assert "non-interactive run" in verdicts[i].result, (i, verdicts[i].result)


BOOL_KEY = '{{ name = "{}", type = "bool", value = true }}'

# Keys a station may have read-only (or not at all): the case says which and is NOT TESTED.
READ_ONLY = [
    (
        "TC_005_3_CS",
        BOOL_KEY.format("StopTransactionOnEVSideDisconnect"),
        BOOL_KEY.format("StopTransactionOnEVSideDisconnect").replace(
            "value", "readonly = true, value"
        ),
        "StopTransactionOnEVSideDisconnect is true and could not be set to false",
    ),
    (
        "TC_005_2_CS",
        BOOL_KEY.format("UnlockConnectorOnEVSideDisconnect"),
        BOOL_KEY.format("UnlockConnectorOnEVSideDisconnect").replace(
            "value", "readonly = true, value"
        ),
        "UnlockConnectorOnEVSideDisconnect is true and could not be set to false",
    ),
    (
        "TC_004_2_CS",
        '{ name = "ConnectionTimeOut", type = "int", value = 60, min = 1, max = 3600 }',
        '{ name = "ConnectionTimeOut", type = "int", readonly = true, value = 60 }',
        "ConnectionTimeOut is 60 s and could not be set",
    ),
]


@pytest.mark.parametrize(("case_id", "old", "new", "reason"), READ_ONLY)
async def test_a_key_the_station_will_not_change_is_not_tested_with_that_reason(
    tmp_path, monkeypatch, case_id, old, new, reason
):
    verdict = (await _run(tmp_path, monkeypatch, [case_id], edits={old: new}))[case_id]
    assert verdict.outcome is Outcome.NOT_TESTED, verdict.result
    assert reason in verdict.result


async def test_a_read_only_connection_timeout_short_enough_is_waited_out(tmp_path, monkeypatch):
    old = '{ name = "ConnectionTimeOut", type = "int", value = 60, min = 1, max = 3600 }'
    new = '{ name = "ConnectionTimeOut", type = "int", readonly = true, value = 3 }'
    verdict = (await _run(tmp_path, monkeypatch, ["TC_011_2_CS"], edits={old: new}))["TC_011_2_CS"]
    assert verdict.outcome is Outcome.PASS, _not_passed(verdict)
    assert "ConnectionTimeOut (3 s)" in verdict.criteria[-1].name


# Legal answers: NOT TESTED with the reason (or PASS where the answer is one the case takes).
LEGAL = [
    ("remote_start_rejected", (), "TC_011_2_CS", Outcome.NOT_TESTED, "5.11 lets the station"),
    ("remote_start_rejected", (), "TC_026_CS", Outcome.PASS, "OK, Rejected"),
    ("", ("no_authorization_cache",), "TC_007_CS", Outcome.NOT_TESTED, "Cache is optional (3.5.1)"),
    ("", ("fixed_cable",), "TC_005_2_CS", Outcome.PASS, "UnlockConnector NotSupported"),
    ("", ("no_group_stop",), "TC_069_CS", Outcome.NOT_TESTED, "no Authorize.req for it"),
]


@pytest.mark.parametrize(("defect", "variants", "case_id", "outcome", "reason"), LEGAL)
async def test_what_the_specification_leaves_to_the_station_is_never_failed(
    tmp_path, monkeypatch, defect, variants, case_id, outcome, reason
):
    defects = (defect,) if defect else ()
    verdict = (await _run(tmp_path, monkeypatch, [case_id], defects, variants=variants))[case_id]
    assert verdict.outcome is outcome, (verdict.result, _not_passed(verdict))
    assert reason in verdict.result + " ".join(_not_passed(verdict))

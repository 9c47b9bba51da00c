"""The catalogue's session cases (``chargecheck.script.catalogue.sessions``: TC_004_2_CS,
TC_069_CS, TC_005_2_CS, TC_005_3_CS, TC_007_CS, TC_011_2_CS, TC_026_CS, TC_027_CS) against
the simulator over loopback: each PASSes against the healthy simulator with the frames
that show it, FAILs on the criterion its SHALL names against the defect that breaks it,
and is NOT TESTED, never FAIL, where the station legally refuses or nobody does the
physical steps."""

from __future__ import annotations

import pytest

from chargecheck.script.verdict import Outcome, Verdict
from tests.script.catalogue_run import (
    edit_key,
    fails_on,
    not_passed,
    not_tested_because,
    passed_with_evidence,
    run_case,
    run_cases,
)

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


def _criterion(verdict: Verdict, start: str) -> str:
    """The outcome and detail of the criterion whose name starts with ``start``."""
    found = [c for c in verdict.criteria if c.name.startswith(start)]
    assert found, [c.name for c in verdict.criteria]
    return f"{found[0].outcome}: {found[0].detail}"


async def test_every_session_case_passes_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS)
    assert list(verdicts) == IDS
    passed_with_evidence(*verdicts.values())
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
    failed = fails_on(await run_case(tmp_path, monkeypatch, case_id, (defect,)), criterion)
    assert all(c.name.startswith(criterion) for c in failed), failed


async def test_the_defects_leave_the_other_ev_side_case_alone(tmp_path, monkeypatch):
    """Each EV side defect bends one key's meaning only: TC_005_1_CS (both keys true)
    still PASSes with either, so each FAIL above is the key the case sets."""
    for defect in ("no_stop_while_cable_locked", "stop_on_unplug_regardless"):
        (tmp_path / defect).mkdir()
        verdict = await run_case(tmp_path / defect, monkeypatch, "TC_005_1_CS", (defect,))
        assert verdict.outcome is Outcome.PASS, (defect, not_passed(verdict))


async def test_with_nobody_at_the_station_the_cases_with_steps_are_not_tested(
    tmp_path, monkeypatch
):
    unattended = ["TC_011_2_CS", "TC_027_CS"]  # no step: judged all the same
    verdicts = await run_cases(tmp_path, monkeypatch, IDS, nobody=True)
    for i in IDS:
        if i in unattended:
            assert verdicts[i].outcome is Outcome.PASS, (i, not_passed(verdicts[i]))
        else:
            not_tested_because(verdicts[i], "non-interactive run")


# Keys a station may have read-only (or not at all): the case says which and is NOT TESTED.
READ_ONLY = [
    (
        "TC_005_3_CS",
        edit_key("StopTransactionOnEVSideDisconnect", readonly=True),
        "StopTransactionOnEVSideDisconnect is true and could not be set to false",
    ),
    (
        "TC_005_2_CS",
        edit_key("UnlockConnectorOnEVSideDisconnect", readonly=True),
        "UnlockConnectorOnEVSideDisconnect is true and could not be set to false",
    ),
    (
        "TC_004_2_CS",
        edit_key("ConnectionTimeOut", readonly=True, min=None, max=None),
        "ConnectionTimeOut is 60 s and could not be set",
    ),
]


@pytest.mark.parametrize(("case_id", "edit", "reason"), READ_ONLY)
async def test_a_key_the_station_will_not_change_is_not_tested_with_that_reason(
    tmp_path, monkeypatch, case_id, edit, reason
):
    not_tested_because(await run_case(tmp_path, monkeypatch, case_id, edits=[edit]), reason)


async def test_a_read_only_connection_timeout_short_enough_is_waited_out(tmp_path, monkeypatch):
    edit = edit_key("ConnectionTimeOut", readonly=True, value=3, min=None, max=None)
    verdict = await run_case(tmp_path, monkeypatch, "TC_011_2_CS", edits=[edit])
    assert verdict.outcome is Outcome.PASS, not_passed(verdict)
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
    verdict = await run_case(tmp_path, monkeypatch, case_id, defects, variants=variants)
    assert verdict.outcome is outcome, (verdict.result, not_passed(verdict))
    assert reason in verdict.result + " ".join(not_passed(verdict))

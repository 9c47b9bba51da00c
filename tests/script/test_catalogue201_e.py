"""Block E of the open 2.0.1 catalogue (``starts``, ``stops``, ``ev_side``, ``queued``,
``retries``) against the 2.0.1 simulator over loopback, as ``chargecheck demo --ocpp
2.0.1`` runs it: each case PASSes against the healthy simulator, or is NOT TESTED for the
reason the simulator gives (a capability it lacks, read from its device model); each of
the simulator's block E defects FAILs the case that judges it.

The retry cases (E13) wait out the station's OCPPCommCtrlr.MessageTimeout, ReadOnly and
5 s in the generic profile: they run against the same simulator with a copy of that
profile whose MessageTimeout is 3 s, so that they take seconds."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import pytest

from chargecheck import demo
from chargecheck.sim.v201.simulator import Simulator201
from tests.script.catalogue201_run import run_pack201

PASSING = {
    "starts": (
        "TC_E_01_CS",
        "TC_E_02_CS",
        "TC_E_10_CS",
        "TC_E_03_CS",
        "TC_E_04_CS",
        "TC_E_05_CS",
        "TC_E_38_CS",
    ),
    "stops": (
        "TC_E_39_CS",
        "TC_E_06_CS",
        "TC_E_07_CS",
        "TC_E_35_CS",
        "TC_E_08_CS",
        "TC_E_22_CS",
        "TC_E_14_CS",
        "TC_E_15_CS",
        "TC_E_21_CS",
        "TC_E_16_CS",
    ),
    "ev_side": ("TC_E_17_CS", "TC_E_20_CS", "TC_E_37_CS", "TC_E_25_CS", "TC_E_26_CS", "TC_E_27_CS"),
    "queued": ("TC_E_29_CS", "TC_E_31_CS", "TC_E_33_CS", "TC_E_43_CS", "TC_E_44_CS"),
}
RETRIES = ("TC_E_41_CS", "TC_E_50_CS", "TC_E_42_CS", "TC_E_51_CS")

# What the generic simulator lacks, as each case finds it out.
NOT_TESTED = {
    "TC_E_11_CS": "no SampledDataCtrlr.SignReadings",
    "TC_E_12_CS": "has no parking bay sensor",
    "TC_E_19_CS": "has no parking bay sensor",
    "TC_E_52_CS": "no AuthCtrlr.DisableRemoteAuthorization",
    "TC_E_24_CS": "cType2, a cable attached to the station",
    "TC_E_54_CS": "'cType2': this case is for a station that charges only cars with high-level",
    "TC_E_45_CS": "no AuthCacheCtrlr.Enabled and no LocalAuthListCtrlr.Enabled",
}


def _profile(tmp_path: Path, **values: tuple[str, str]) -> Path:
    """A copy of the generic profile with the lines that hold ``old`` changed to ``new``."""
    text = (
        resources.files("chargecheck.sim.profiles").joinpath("generic-201.toml").read_text("utf-8")
    )
    for old, new in values.values():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "profile-201.toml"
    path.write_text(text, encoding="utf-8")
    return path


FAST_TIMEOUT = (
    'variable = "MessageTimeout", instance = "Default", type = "integer", '
    'mutability = "ReadOnly", value = 5,',
    'variable = "MessageTimeout", instance = "Default", type = "integer", '
    'mutability = "ReadOnly", value = 3,',
)
START_AUTHORIZED = (
    'variable = "TxStartPoint", type = "MemberList", value = "PowerPathClosed",',
    'variable = "TxStartPoint", type = "MemberList", value = "Authorized",',
)


async def _demo(
    tmp_path: Path,
    only: tuple[str, ...],
    defects: tuple[str, ...] = (),
    profile: Path | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> dict:
    if profile is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(demo, "Simulator201", functools.partial(Simulator201, profile=profile))
    return await run_pack201(tmp_path, only, defects)


def _failed(verdicts: dict) -> dict:
    return {i: v.result for i, v in verdicts.items() if str(v.outcome) != "PASS"}


@pytest.mark.parametrize("group", sorted(PASSING))
async def test_each_case_passes_against_the_2_0_1_simulator(tmp_path, group):
    verdicts = await _demo(tmp_path, PASSING[group])
    assert sorted(verdicts) == sorted(PASSING[group])
    assert _failed(verdicts) == {}


async def test_the_retry_cases_pass_against_a_station_with_a_short_message_timeout(
    tmp_path, monkeypatch
):
    profile = _profile(tmp_path, timeout=FAST_TIMEOUT)
    verdicts = await _demo(tmp_path, RETRIES, profile=profile, monkeypatch=monkeypatch)
    assert _failed(verdicts) == {}
    for case in ("TC_E_41_CS", "TC_E_42_CS"):  # unanswered: MessageTimeout passed between
        gaps = next(c for c in verdicts[case].criteria if "waits" in c.name)
        assert float(gaps.detail.split()[1]) >= 3.0, gaps.detail


async def test_what_the_simulator_lacks_is_not_tested_for_that_reason(tmp_path):
    verdicts = await _demo(tmp_path, tuple(NOT_TESTED))
    for case, reason in NOT_TESTED.items():
        verdict = verdicts[case]
        assert str(verdict.outcome) == "NOT TESTED", (case, verdict.result)
        assert reason in verdict.result, (case, verdict.result)


async def test_a_transaction_started_at_the_card_meets_the_plug_timeout(tmp_path, monkeypatch):
    # A legal variant: TxStartPoint Authorized, so the card alone starts a transaction,
    # which EVConnectionTimeOut then ends (E03.FR.05).
    profile = _profile(tmp_path, start=START_AUTHORIZED)
    verdicts = await _demo(tmp_path, ("TC_E_05_CS",), profile=profile, monkeypatch=monkeypatch)
    assert _failed(verdicts) == {}
    names = [c.name for c in verdicts["TC_E_05_CS"].criteria]
    assert "TransactionEvent EVConnectTimeout after the timeout" in names


@pytest.mark.parametrize(
    ("defect", "cases", "failing"),
    [
        ("retry_ignores_interval", ("TC_E_50_CS", "TC_E_51_CS"), "each resend waits"),
        ("retry_beyond_attempts", ("TC_E_50_CS",), "no transmission after that"),
        ("stopped_reason_missing", ("TC_E_21_CS", "TC_E_35_CS"), "ends the transaction"),
        ("ev_connect_timeout_ignored", ("TC_E_39_CS",), "lapses when no car comes"),
        ("ev_side_disconnect_ignored", ("TC_E_17_CS",), "the cable pulled at the car"),
        ("invalid_token_kept", ("TC_E_16_CS",), "the refused card ends the transaction"),
    ],
)
async def test_each_defect_fails_the_case_that_judges_it(
    tmp_path, monkeypatch, defect, cases, failing
):
    profile = _profile(tmp_path, timeout=FAST_TIMEOUT)
    verdicts = await _demo(tmp_path, cases, (defect,), profile=profile, monkeypatch=monkeypatch)
    for case in cases:
        verdict = verdicts[case]
        assert str(verdict.outcome) == "FAIL", (case, verdict.result)
        failed = [c for c in verdict.criteria if str(c.outcome) == "FAIL"]
        assert any(failing in c.name for c in failed), [c.name for c in failed]
        assert all("OCPP 2.0.1 part 2" in c.detail for c in failed), failed

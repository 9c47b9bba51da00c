"""The official OCTT cases of the Local Authorization List, the failed file transfers and
the refused or applied charging profiles (``catalogue.authorization_lists``,
``catalogue.transfer_failures``, ``catalogue.profile_checks``) against the simulator over
loopback: each PASSes against the healthy simulator with evidence on every PASS, each
defect that breaks its SHALL FAILs it on the named criterion, a station that does not
claim the profile (or claims the one an "absent" case is not for) is NOT TESTED, never
FAIL, and with nobody at the keyboard a case with a physical step is NOT TESTED."""

from __future__ import annotations

import pytest

from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.verdict import Outcome
from tests.script.catalogue_run import (
    claiming,
    fails_on,
    not_tested_because,
    passed_with_evidence,
    run_case,
    run_cases,
    without_feature_profile,
)

WITHOUT_LISTS = without_feature_profile("LocalAuthListManagement")

LISTS = ["TC_043_3_CS", "TC_008_CS"]
ABSENT = ["TC_042_1_CS", "TC_043_1_CS"]
FILES = ["TC_044_3_CS", "TC_045_2_CS"]
PROFILES = ["TC_058_2_CS", "TC_082_CS", "TC_060_CS"]
OURS = ABSENT + LISTS + FILES + PROFILES


# -- the cases are there, as OCTT names them --------------------------------------------------


def test_each_case_carries_its_official_id_and_title_and_cites_a_shall():
    from chargecheck.script.catalogue.octt import BY_ID

    for i in OURS:
        case = CATALOGUE[i]
        assert case.title == BY_ID[i].title, i
        assert any(word in case.criteria for word in ("SHALL", "MUST")), i
    assert CATALOGUE["TC_042_1_CS"].profile == "Core"  # runs where the profile is absent


# -- against the healthy simulator ------------------------------------------------------------


async def test_every_case_passes_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    ids = LISTS + FILES + PROFILES
    verdicts = await run_cases(tmp_path, monkeypatch, ids)
    assert list(verdicts) == ids
    passed_with_evidence(*verdicts.values())
    assert "InstallationFailed" in verdicts["TC_044_3_CS"].result
    assert "UploadFailed" in verdicts["TC_045_2_CS"].result
    assert "Rejected" in verdicts["TC_060_CS"].result


async def test_the_absent_cases_pass_on_a_station_without_local_lists(tmp_path, monkeypatch):
    ids = [*ABSENT, "TC_043_3_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, edits=[WITHOUT_LISTS])
    passed_with_evidence(*(verdicts[i] for i in ABSENT))
    assert "listVersion -1" in verdicts["TC_042_1_CS"].result
    assert "NotSupported" in verdicts["TC_043_1_CS"].result
    failed = verdicts["TC_043_3_CS"]  # the list cases are for a station with the profile
    assert failed.outcome is Outcome.NOT_TESTED, failed.result
    assert "profile is optional" in failed.criteria[0].detail


async def test_the_absent_cases_are_not_tested_on_a_station_that_claims_local_lists(
    tmp_path, monkeypatch
):
    verdicts = await run_cases(tmp_path, monkeypatch, ABSENT)
    for i in ABSENT:
        verdict = verdicts[i]
        assert verdict.outcome is Outcome.NOT_TESTED, (i, verdict.result)
        (criterion,) = verdict.criteria
        assert "claims LocalAuthListManagement: this case is for a station without it" in (
            criterion.detail
        )


async def test_a_station_claiming_core_only_gets_the_profile_cases_not_tested(
    tmp_path, monkeypatch
):
    ids = LISTS + FILES + PROFILES
    verdicts = await run_cases(tmp_path, monkeypatch, ids, edits=[claiming("Core")])
    for i in ids:
        verdict = verdicts[i]
        assert verdict.outcome is Outcome.NOT_TESTED, (i, verdict.result)
        (criterion,) = verdict.criteria
        assert f"the {CATALOGUE[i].profile} profile is optional" in criterion.detail


async def test_with_nobody_to_do_the_physical_steps_they_are_not_tested(tmp_path, monkeypatch):
    ids = ["TC_043_3_CS", "TC_008_CS", "TC_058_2_CS", "TC_082_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, nobody=True)
    for i in ids:
        verdict = verdicts[i]
        not_tested_because(verdict, "non-interactive run")
        assert not [c for c in verdict.criteria if c.outcome is Outcome.FAIL], i
    stored = verdicts["TC_043_3_CS"]  # the station was never made to fail storing
    assert any("unable to store a Local" in c.detail for c in stored.criteria)


async def test_the_cases_with_no_physical_step_still_run_with_nobody(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, [*FILES, "TC_060_CS"], nobody=True)
    passed_with_evidence(*verdicts.values())


async def test_the_storage_failure_step_is_done_by_the_step_hook_and_undone(tmp_path, monkeypatch):
    ids = ["TC_043_3_CS", "TC_008_CS"]  # the list stores again once the case is over
    verdicts = await run_cases(tmp_path, monkeypatch, ids, step_hook=True)
    passed_with_evidence(*verdicts.values())


# -- against the simulator's defects ----------------------------------------------------------

FAILS = [
    (
        "local_list_without_profile",
        "TC_042_1_CS",
        "GetLocalListVersion: -1 without local list support",
        [WITHOUT_LISTS],
    ),
    (
        "local_list_without_profile",
        "TC_043_1_CS",
        "SendLocalList refused: NotSupported",
        [WITHOUT_LISTS],
    ),
    ("local_list_failure_accepted", "TC_043_3_CS", "SendLocalList answered Failed", []),
    ("local_list_remote_start_lost", "TC_008_CS", "StartTransaction with the list's idTag", []),
    (
        "firmware_installs_damaged_image",
        "TC_044_3_CS",
        "the update ends in InstallationFailed",
        [],
    ),
    (
        "diagnostics_upload_failure_hidden",
        "TC_045_2_CS",
        "DiagnosticsStatusNotification UploadFailed",
        [],
    ),
    ("tx_profile_any_transaction", "TC_058_2_CS", "TxProfile for another transactionId", []),
    (
        "tx_default_not_during_transaction",
        "TC_082_CS",
        "composite schedule within the TxDefaultProfile",
        [],
    ),
    (
        "remote_start_any_profile_purpose",
        "TC_060_CS",
        "RemoteStartTransaction with a TxDefaultProfile refused",
        [],
    ),
]


@pytest.mark.parametrize(("defect", "case_id", "criterion", "edits"), FAILS)
async def test_a_case_fails_against_a_simulator_defect_that_breaks_its_shall(
    tmp_path, monkeypatch, defect, case_id, criterion, edits
):
    verdict = await run_case(tmp_path, monkeypatch, case_id, (defect,), edits=edits)
    failed = fails_on(verdict, criterion)
    assert all(c.evidence for c in failed), failed

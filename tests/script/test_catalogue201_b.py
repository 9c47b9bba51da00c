"""The block B cases of the 2.0.1 catalogue written after the first ones (registration
Rejected, resets with transactions and of one EVSE, offline periods, reconnection, a
report and a network profile refused) against the 2.0.1 simulator over loopback, as
``chargecheck demo --ocpp 2.0.1 --only ...`` runs them: each PASSes against the healthy
simulator, or is NOT TESTED for the reason the simulator gives (it does not reset one
EVSE alone), and each simulator defect made for one of them FAILs it on the criterion
that judges the behaviour, citing the requirement."""

from __future__ import annotations

import re

import pytest

from chargecheck.script.catalogue201 import CATALOGUE
from chargecheck.script.catalogue201.official import BY_ID
from tests.script.catalogue201_run import run_pack201

REQUIREMENT = re.compile(r"\b[A-P]\d\d\.FR\.\d\d\b")
PART4 = "part 4"  # TC_B_57_CS rests on OCPP-J 2.0.1 part 4 section 5.3, which has no FR ids

GROUPS: dict[str, tuple[str, ...]] = {
    "registration and refusals": ("TC_B_03_CS", "TC_B_30_CS", "TC_B_15_CS", "TC_B_43_CS"),
    "resets with transactions": ("TC_B_21_CS", "TC_B_22_CS", "TC_B_23_CS", "TC_B_41_CS"),
    "reset of one EVSE": ("TC_B_25_CS", "TC_B_26_CS", "TC_B_27_CS", "TC_B_28_CS", "TC_B_29_CS"),
    "offline and reconnection": ("TC_B_51_CS", "TC_B_52_CS", "TC_B_57_CS"),
}
# The simulator answers Rejected to a reset of one EVSE (it cannot): the cases written
# for a station that can are NOT TESTED, saying so.
NOT_TESTED = {
    "TC_B_25_CS": "does not reset one EVSE alone",
    "TC_B_26_CS": "does not reset one EVSE alone",
    "TC_B_27_CS": "does not reset one EVSE alone",
}
NEW = tuple(case for cases in GROUPS.values() for case in cases)


def test_the_cases_are_in_the_catalogue_under_their_official_titles():
    for case_id in NEW:
        case = CATALOGUE[case_id]
        assert case.title == BY_ID[case_id].title
        cited = REQUIREMENT.search(case.section) and REQUIREMENT.search(case.criteria)
        assert cited or (case_id == "TC_B_57_CS" and PART4 in case.section), case_id


@pytest.mark.parametrize("group", sorted(GROUPS))
async def test_each_case_passes_against_the_healthy_simulator(tmp_path, group):
    cases = GROUPS[group]
    verdicts = await run_pack201(tmp_path, cases)
    assert list(verdicts) == list(cases)
    for case_id, verdict in verdicts.items():
        if case_id in NOT_TESTED:
            assert str(verdict.outcome) == "NOT TESTED", (case_id, verdict.result)
            assert NOT_TESTED[case_id] in verdict.result, verdict.result
        else:
            assert str(verdict.outcome) == "PASS", (case_id, verdict.result)
            assert all(c.evidence for c in verdict.criteria), (case_id, verdict.criteria)


@pytest.mark.parametrize(
    ("defect", "case", "failing"),
    [
        ("rejected_boot_chatters", "TC_B_03_CS", "no other request while Rejected"),
        ("rejected_boot_answers", "TC_B_30_CS", "CALLERROR SecurityError"),
        ("unsupported_report_sent", "TC_B_15_CS", "no NotifyReport of it"),
        ("network_profile_any_slot", "TC_B_43_CS", "is Rejected"),
        ("reset_cuts_transaction", "TC_B_21_CS", "no transaction cut"),
        ("reset_skips_ended", "TC_B_22_CS", "Ended comes before the reboot"),
        ("reset_ignores_unavailable", "TC_B_23_CS", "comes back Unavailable"),
        ("offline_reports_changed_only", "TC_B_51_CS", "every connector's state is reported"),
        ("offline_reports_all", "TC_B_52_CS", "did not change"),
        ("backoff_not_doubled", "TC_B_57_CS", "the wait is doubled"),
    ],
)
async def test_each_defect_fails_the_case_that_judges_it(tmp_path, defect, case, failing):
    verdict = (await run_pack201(tmp_path, (case,), (defect,)))[case]
    assert str(verdict.outcome) == "FAIL", verdict.result
    failed = [c for c in verdict.criteria if str(c.outcome) == "FAIL"]
    assert [c.name for c in failed if failing in c.name], [c.name for c in failed]
    cites = (REQUIREMENT, re.compile(PART4))
    assert all(any(r.search(c.detail) for r in cites) for c in failed), failed

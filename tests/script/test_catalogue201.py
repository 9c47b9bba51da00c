"""The open catalogue of OCPP 2.0.1 charging-station cases (``chargecheck.script.catalogue201``)
against the 2.0.1 simulator over loopback, as ``chargecheck demo --ocpp 2.0.1`` runs it:
every case PASSes against the healthy simulator, each of the simulator's defects FAILs
the case that judges it, the pack file agrees with the code, and the ids and titles are
OCTT's."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from chargecheck.script.catalogue201 import CATALOGUE
from chargecheck.script.catalogue201.official import BY_ID, OFFICIAL
from chargecheck.script.catalogue201.pack_file import pack_text
from chargecheck.script.packs import load_pack
from tests.script.catalogue201_run import run_pack201

PACK = Path(str(resources.files("chargecheck.script.packs").joinpath("octt201-cs.toml")))
REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "octt-201-cs-cases.md"
# A requirement id of part 2 (B06.FR.06), or a section of part 4 (OCPP-J), which has none.
REQUIREMENT = re.compile(r"\b[A-P]\d\d\.FR\.\d\d\b|\bpart 4 section \d")


def test_the_pack_file_is_the_one_the_catalogue_makes():
    assert PACK.read_text(encoding="utf-8") == pack_text()  # else: run pack_file's __main__
    pack = load_pack("octt201-cs")
    assert pack.ocpp == "2.0.1"
    assert [row.id for row in pack.rows] == list(CATALOGUE)


def test_every_case_is_an_official_one_under_its_title_and_in_octts_order():
    order = [o.id for o in OFFICIAL]
    assert [BY_ID[i].title for i in CATALOGUE] == [c.title for c in CATALOGUE.values()]
    assert list(CATALOGUE) == sorted(CATALOGUE, key=order.index)


def test_every_case_cites_the_requirements_it_rests_on():
    for case in CATALOGUE.values():
        assert REQUIREMENT.search(case.section), case.id
        assert REQUIREMENT.search(case.criteria), case.id


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the shared reference list is not here")
def test_the_official_list_is_the_reference_list():
    listed = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| (TC_[BE]_\d+_CS) \| (.*?) \|", line)
        if found:
            listed[found[1]] = found[2]
    assert {o.id: o.title for o in OFFICIAL} == listed


# What the generic simulator lacks, each case NOT TESTED saying so: an EVSE reset alone
# (it answers Rejected, which TC_B_28/29 judge), a signing meter, a parking bay sensor,
# DisableRemoteAuthorization, a detachable cable, a DC-only connector, a cache or list.
NOT_FOR_THE_SIMULATOR = {
    "TC_B_25_CS": "does not reset one EVSE alone",
    "TC_B_26_CS": "does not reset one EVSE alone",
    "TC_B_27_CS": "does not reset one EVSE alone",
    "TC_E_11_CS": "SignReadings",
    "TC_E_12_CS": "parking bay sensor",
    "TC_E_19_CS": "parking bay sensor",
    "TC_E_52_CS": "DisableRemoteAuthorization",
    "TC_E_24_CS": "detachable cable",
    "TC_E_54_CS": "high-level communication",
    "TC_E_45_CS": "LocalAuthListCtrlr.Enabled",
}


async def test_every_case_passes_or_says_what_the_simulator_lacks(tmp_path):
    verdicts = await run_pack201(tmp_path)
    assert list(verdicts) == list(CATALOGUE)
    outcomes = {i: str(v.outcome) for i, v in verdicts.items()}
    assert {i for i, o in outcomes.items() if o != "PASS"} == set(NOT_FOR_THE_SIMULATOR), outcomes
    for case, why in NOT_FOR_THE_SIMULATOR.items():
        assert outcomes[case] == "NOT TESTED" and why in verdicts[case].result, verdicts[case]
    bare = [  # a PASS needs positive evidence: the frames that show it
        (i, c.name)
        for i, v in verdicts.items()
        for c in v.criteria
        if str(c.outcome) == "PASS" and not c.evidence
    ]
    assert bare == []


@pytest.mark.parametrize(
    ("defect", "cases", "failing"),
    [
        ("get_variables_ignores_unknown", ("TC_B_32_CS", "TC_B_33_CS"), "attributeStatus Unknown"),
        ("set_read_only_accepted", ("TC_B_39_CS",), "is Rejected"),
        ("seq_no_gap", ("TC_E_13_CS",), "seqNo go up by one"),
        ("no_status_on_plug", ("TC_E_09_CS",), "reported Occupied"),
        ("offline_flag_missing", ("TC_E_40_CS",), "offline true"),
        ("boot_ignores_pending", ("TC_B_02_CS",), "no other request while Pending"),
    ],
)
async def test_each_defect_fails_the_case_that_judges_it(tmp_path, defect, cases, failing):
    verdicts = await run_pack201(tmp_path, cases, (defect,))
    for case in cases:
        verdict = verdicts[case]
        assert str(verdict.outcome) == "FAIL", (case, verdict.result)
        failed = [c for c in verdict.criteria if str(c.outcome) == "FAIL"]
        assert any(failing in c.name for c in failed), [c.name for c in failed]
        assert all(REQUIREMENT.search(c.detail) or "part 2" in c.detail for c in failed), failed

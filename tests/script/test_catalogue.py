"""The open catalogue of OCPP 1.6 charge point test cases (``chargecheck.script.catalogue``)
against the simulator over loopback, as ``chargecheck demo --script octt16-cs`` runs it:
every case PASSes against the healthy simulator, cases FAIL against the simulator's
defects that break a SHALL, what the specification leaves to the station (a SHOULD, an
answer it may choose) is NOT TESTED and never FAIL, and the pack file agrees with the
code."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from chargecheck.csms.session import Message, Result
from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.catalogue.base import PROFILES
from chargecheck.script.catalogue.coverage import outcome_text, recorded_outcomes
from chargecheck.script.catalogue.octt import BY_ID, OFFICIAL
from chargecheck.script.catalogue.profiles import drawn, limit_now
from chargecheck.script.verdict import Outcome
from tests.script.catalogue_run import (
    claiming,
    fails_on,
    not_passed,
    not_tested_because,
    run_case,
    run_cases,
)

PACK = Path(str(resources.files("chargecheck.script.packs").joinpath("octt16-cs.toml")))


# -- the catalogue and its pack ---------------------------------------------------------------


REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "octt-16-cs-cases.md"


def _reference_table() -> dict[str, tuple[str, str, str]]:
    """Table (a) of the reference list of OCTT's 1.6 charge-point cases: id -> (title,
    section of OCTT's document, profile)."""
    rows = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| \d+ \| (TC_\w+_CS) \| (.*?) \| ([\d.]+) .*? \| (.*?) \|", line)
        if found:
            rows[found[1]] = (found[2], found[3], found[4])
    return rows


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the shared reference list is not here")
def test_the_official_list_is_the_reference_list_of_octt_cases():
    table = _reference_table()
    assert len(table) == 102
    assert {o.id: (o.title, o.section, o.profile) for o in OFFICIAL} == table
    assert [o.id for o in OFFICIAL] == list(table)  # OCTT's order


def test_every_official_case_is_in_the_catalogue_under_its_title():
    wanted = list(OFFICIAL)
    assert len(wanted) == 102
    missing = [o.id for o in wanted if o.id not in CATALOGUE]
    assert not missing, missing
    assert [CATALOGUE[o.id].title for o in wanted] == [o.title for o in wanted]
    # An id of ours is one OCTT never uses: the prefix CC_, a number and _CS.
    ours = [i for i in CATALOGUE if i not in BY_ID]
    assert all(re.fullmatch(r"CC_\d{3}_CS", i) for i in ours), ours
    assert list(CATALOGUE) == [o.id for o in wanted] + sorted(ours)  # OCTT's order, then ours


def test_every_case_cites_its_section_and_has_criteria():
    number = r"\d+(\.\d+)*"
    # A security case cites the whitepaper by use case (A01 ...) or by what its parts are
    # named (the section numbers differ between its editions).
    named = r"profile [0-3]|certificate properties|security events"
    item = rf"([A-N]\d\d|{named})( \(.+?\))?"
    for case in CATALOGUE.values():
        assert case.title and case.profile in PROFILES, case
        if case.id in BY_ID and BY_ID[case.id].security:  # the 1.6 security whitepaper
            assert re.fullmatch(rf"whitepaper {item}(, {item})*", case.section), case.section
        else:
            assert re.fullmatch(rf"{number}(, {number})*", case.section), case.section
        for line in case.criteria.splitlines():
            assert line.strip(), case.id


def test_every_feature_profile_has_cases():
    assert {c.profile for c in CATALOGUE.values()} == set(PROFILES)


def test_the_pack_file_is_the_one_the_catalogue_makes():
    from chargecheck.script.catalogue.pack_file import NAME, TITLE, pack_text

    assert PACK.read_text(encoding="utf-8") == pack_text()  # else: run pack_file's __main__
    data = tomllib.loads(PACK.read_text(encoding="utf-8"))
    assert data["pack"] == {"name": NAME, "title": TITLE}
    rows = [(r["id"], r["function"], r["criteria"], r["cases"]) for r in data["row"]]
    assert rows == [(c.id, c.title, c.criteria, [c.id]) for c in CATALOGUE.values()]


def test_the_pack_loads_and_names_the_catalogue_cases():
    from chargecheck.script.packs import load_pack, pack_cases

    cases = pack_cases(load_pack("octt16-cs"))
    assert [(c.id, c.run) for c in cases] == [(c.id, c.run) for c in CATALOGUE.values()]
    renamed = pack_cases(load_pack("ocpp16-cs"))  # the old name runs the renamed pack
    assert [c.id for c in renamed] == [c.id for c in cases]


# -- against the healthy simulator ------------------------------------------------------------


CHUNKS = 4  # the catalogue runs in this many parts, each against its own simulator


@pytest.mark.parametrize("chunk", range(CHUNKS))
async def test_every_case_passes_or_is_not_tested_as_the_coverage_table_says(
    tmp_path, monkeypatch, chunk
):
    ids = list(CATALOGUE)
    size = -(-len(ids) // CHUNKS)
    part = ids[chunk * size : (chunk + 1) * size]
    verdicts = await run_cases(tmp_path, monkeypatch, part)
    assert list(verdicts) == part
    # Nothing FAILs or errs against the healthy simulator; what it does not do (a fixed
    # cable, a profile it claims) is NOT TESTED with the reason, as the coverage table
    # (chargecheck scripts --cases octt16-cs) recorded it.
    bad = {
        i: not_passed(v)
        for i, v in verdicts.items()
        if v.outcome not in (Outcome.PASS, Outcome.NOT_TESTED)
    }
    assert not bad, bad
    recorded = recorded_outcomes()
    differ = {
        i: (outcome_text(v), recorded.get(i))
        for i, v in verdicts.items()
        if recorded.get(i, "").split(":")[0] != str(v.outcome)
    }
    assert not differ, differ  # else: python -m chargecheck.script.catalogue.coverage --measure
    for i, v in verdicts.items():
        if v.outcome is Outcome.PASS:
            assert v.result.startswith("OK"), (i, v.result)
        else:
            assert all(c.detail for c in v.criteria if c.outcome is not Outcome.PASS), i
    # A PASS names the frames that show it; an absence offline (nothing started during
    # an outage) has none to name.
    offline = {"CC_058_CS", "TC_061_CS"}
    bare = [
        (i, c.name)
        for i, v in verdicts.items()
        for c in v.criteria
        if c.outcome is Outcome.PASS and not c.evidence and i not in offline
    ]
    assert not bare, bare


async def test_a_profile_the_station_does_not_claim_is_not_tested_with_that_reason(
    tmp_path, monkeypatch
):
    ids = ["TC_062_CS", "TC_046_1_CS", "TC_042_2_CS", "TC_045_1_CS", "CC_041_CS", "TC_056_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, edits=[claiming("Core")])
    assert verdicts["TC_062_CS"].outcome is Outcome.PASS  # Core is always judged
    for i in ids[1:]:
        verdict = verdicts[i]
        assert verdict.outcome is Outcome.NOT_TESTED, (i, verdict.result)
        (criterion,) = verdict.criteria
        assert f"the {CATALOGUE[i].profile} profile is optional" in criterion.detail


async def test_with_nobody_to_do_the_physical_steps_they_are_not_tested(tmp_path, monkeypatch):
    ids = ["TC_003_CS", "TC_010_CS", "TC_046_1_CS", "CC_058_CS", "TC_041_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, nobody=True)
    for i in ids:
        not_tested_because(verdicts[i], "non-interactive run")


# -- against the simulator's defects ----------------------------------------------------------

# Two defects have no row here nor in NOT_FAILS, and no catalogue case judges them:
# boot_missing_iccid (iccid is optional in BootNotification.req, section 6.3: only the
# seed's operator list asks for it) and no_status_connector0 (no SHALL of 4.2 or 4.9
# has a station report connector 0 after a boot; it is told on a change or when asked,
# tests/script/test_status_when_asked.py). Both FAIL only the seed's rows.
FAILS = [
    ("no_boot_after_reset", "TC_013_CS", "BootNotification after the reboot"),
    ("get_configuration_empty", "TC_019_CS", "the required Core keys are reported"),
    ("change_configuration_not_supported", "CC_010_CS", "read-only key: Rejected"),
    ("wrong_status_after_change_availability", "CC_013_CS", "StatusNotification Unavailable"),
    ("start_after_rejected_authorize", "TC_023_CS", "no transaction for a refused idTag"),
    ("no_stop_on_unplug", "TC_005_1_CS", "StopTransaction when the EV is unplugged"),
    ("firmware_stops_at_downloaded", "TC_044_1_CS", "FirmwareStatusNotification Installed"),
    ("diagnostics_never_uploaded", "TC_045_1_CS", "the file is on the bench's server"),
    ("missing_measurands", "TC_054_CS", "the configured measurands are all there"),
    ("ignore_charging_limit", "TC_057_CS", "the EV draws at most the TxProfile's limit"),
    ("drop_offline_queue", "TC_038_CS", "the StopTransaction made offline comes after"),
    ("drop_offline_queue", "TC_037_1_CS", "StartTransaction of the offline transaction"),
    ("silent_fault", "TC_041_CS", "the error on connector 1 is reported"),
]


@pytest.mark.parametrize(("defect", "case_id", "criterion"), FAILS)
async def test_a_case_fails_against_a_simulator_defect_that_breaks_its_shall(
    tmp_path, monkeypatch, defect, case_id, criterion
):
    fails_on(await run_case(tmp_path, monkeypatch, case_id, (defect,)), criterion)


NOT_FAILS = [
    ("trigger_heartbeat_ignored", "TC_054_CS", "SHOULD be sent, not SHALL"),
    ("trigger_message_rejected", "CC_041_CS", "leaves it to the Charge Point"),
    ("remote_start_rejected", "TC_010_CS", "5.11 allows it"),
    ("set_charging_profile_rejected", "TC_056_CS", "TxDefaultProfile answered Rejected"),
    ("clear_cache_rejected", "TC_061_CS", "5.4 allows it"),
    # The seed's rows FAIL these five on the seed's own words; OCPP 1.6 has no SHALL.
    ("slow_heartbeat", "CC_061_CS", "with JSON over WebSocket, sending heartbeats is not"),
    ("no_meter_values", "TC_070_CS", "up to the Charge Point to decide when it will send"),
    ("no_fault_status", "TC_041_CS", "reporting an error that is not a fault is a MAY"),
    ("no_preparing_on_plug", "TC_003_CS", 'a connector is "typically" Preparing'),
    ("stop_reason_local", "TC_005_1_CS", "the Reason SHOULD be set to a correct value"),
]


@pytest.mark.parametrize(("defect", "case_id", "reason"), NOT_FAILS)
async def test_what_the_specification_leaves_to_the_station_is_not_tested_never_failed(
    tmp_path, monkeypatch, defect, case_id, reason
):
    not_tested_because(await run_case(tmp_path, monkeypatch, case_id, (defect,)), reason)


# -- the pure parts -----------------------------------------------------------------------------


def _meter_values(*values: dict[str, str]) -> Message:
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "x", "sampledValue": list(values)}]}
    return Message(0, 1, "u1", "MeterValues", json.dumps([2, "u1", "MeterValues", payload]), 0.0, 1)


def test_what_an_ev_draws_is_its_highest_phase_current_or_its_total_power():
    current = {"measurand": "Current.Import", "unit": "A"}
    assert drawn(_meter_values({**current, "value": "9.5"}), "A") == 9.5
    phases = [{**current, "phase": p, "value": v} for p, v in (("L1", "6"), ("L2", "16"))]
    neutral = {**current, "phase": "N", "value": "40"}
    assert drawn(_meter_values({**current, "value": "6"}, *phases, neutral), "A") == 16.0
    power = {"measurand": "Power.Active.Import"}
    assert drawn(_meter_values({**power, "unit": "kW", "value": "7.2"}), "W") == 7200.0
    each = [{**power, "phase": p, "value": "2000"} for p in ("L1", "L2", "L3")]
    assert drawn(_meter_values(*each), "W") == 6000.0
    assert drawn(_meter_values({"value": "1234"}), "A") is None  # energy only


def test_the_composite_limit_now_is_the_period_in_force_at_its_start():
    def schedule(*periods: tuple[int, float]) -> Result:
        return Result(
            {
                "status": "Accepted",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        {"startPeriod": s, "limit": limit} for s, limit in periods
                    ],
                },
            }
        )

    assert limit_now(schedule((0, 10.0), (60, 16.0))) == 10.0
    assert limit_now(schedule((30, 10.0))) is None
    assert limit_now(Result({"status": "Accepted"})) is None

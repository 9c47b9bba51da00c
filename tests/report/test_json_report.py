"""The JSON report follows its documented, versioned schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from chargecheck.report import REPORT_SCHEMA_VERSION, render_json, report_schema
from chargecheck.script.verdict import Verdict


@pytest.fixture
def document(report) -> dict:
    return json.loads(render_json(report))


def test_the_schema_is_valid_json_schema_and_names_its_version():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": REPORT_SCHEMA_VERSION}


def test_the_report_validates_against_the_schema(document):
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["schema_version"] == REPORT_SCHEMA_VERSION


def test_the_schema_rejects_a_report_that_breaks_it(document):
    validator = jsonschema.Draft202012Validator(report_schema())
    broken = json.loads(json.dumps(document))
    broken["verdicts"][0]["outcome"] = "MAYBE"
    del broken["station"]["model"]
    errors = {e.message for e in validator.iter_errors(broken)}
    assert any("MAYBE" in m for m in errors) and any("'model'" in m for m in errors)


def test_verdicts_round_trip_and_carry_their_junit_name(document, report):
    verdicts = document["verdicts"]
    assert [Verdict.from_dict(v) for v in verdicts] == list(report.verdicts)
    assert verdicts[4]["testcase"] == "row06_start_charge_transaction"


def test_summary_station_findings_and_entries(document, report, recorded):
    _, rec = recorded
    assert document["summary"] == {
        "outcome": "FAIL",
        "rows": 8,
        "outcomes": {"PASS": 5, "FAIL": 1, "NOT TESTED": 1, "ERROR": 1},
        "findings": {"violation": 1, "warning": 1, "note": 1},
    }
    assert document["station"]["firmware_version"] == "4.4.0-3106"
    assert document["findings"][1]["evidence"] == [rec.ids["charging1"], rec.ids["reserved1"]]
    entries = {e["id"]: e for e in document["entries"]}
    assert len(entries) == len(report.entries)
    result = entries[rec.ids["getconfig.result"]]
    assert (result["action"], result["partner"]) == ("GetConfiguration", rec.ids["getconfig"])
    assert json.loads(entries[rec.ids["boot"]]["raw"])[2] == "BootNotification"

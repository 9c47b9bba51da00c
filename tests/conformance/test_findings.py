"""The ``Finding`` value, summaries and grouping."""

from __future__ import annotations

import json

import pytest

from chargecheck.conformance import (
    CheckSettings,
    Finding,
    Rule,
    Severity,
    group_by_severity,
    summarise,
)

RULE = Rule("demo.rule", Severity.WARNING, "OCPP 1.6 section 4.9", "Statuses follow the table")


def test_rule_makes_findings_with_its_id_severity_and_section() -> None:
    finding = RULE.finding("CP1", "it happened", 7, None, 3, 7)
    assert finding == Finding(
        Severity.WARNING,
        "demo.rule",
        "OCPP 1.6 section 4.9",
        "Statuses follow the table",
        "it happened",
        "CP1",
        (7, 3),
    )
    assert finding.rule_text == "Statuses follow the table (OCPP 1.6 section 4.9)"


def test_finding_round_trips_through_json() -> None:
    finding = RULE.finding("CP1", "it happened", 4, 9)
    body = json.loads(json.dumps(finding.to_dict()))
    assert body["schema"] == 1 and body["severity"] == "warning"
    assert Finding.from_dict(body) == finding


def test_finding_of_an_unknown_schema_version_is_refused() -> None:
    body = RULE.finding(None, "m").to_dict() | {"schema": 99}
    with pytest.raises(ValueError, match="schema version 99"):
        Finding.from_dict(body)


def test_summarise_counts_every_severity_and_the_total() -> None:
    violation = Rule("a", Severity.VIOLATION, "s", "t").finding("CP1", "m")
    note = Rule("b", Severity.NOTE, "s", "t").finding("CP1", "m")
    assert summarise([violation, note, note]) == {
        "violation": 1,
        "warning": 0,
        "note": 2,
        "total": 3,
    }
    assert summarise([]) == {"violation": 0, "warning": 0, "note": 0, "total": 0}


def test_groups_come_worst_first_each_in_journal_order() -> None:
    late = Rule("z", Severity.VIOLATION, "s", "t").finding("CP1", "m", 50)
    early = Rule("y", Severity.VIOLATION, "s", "t").finding("CP1", "m", 5)
    warning = RULE.finding("CP1", "m", 1)
    groups = group_by_severity([late, warning, early])
    assert list(groups) == [Severity.VIOLATION, Severity.WARNING, Severity.NOTE]
    assert groups[Severity.VIOLATION] == [early, late]
    assert groups[Severity.WARNING] == [warning] and groups[Severity.NOTE] == []
    assert [s.rank for s in groups] == [0, 1, 2]


def test_negative_tolerances_are_refused() -> None:
    with pytest.raises(ValueError, match="clock_tolerance_s"):
        CheckSettings(clock_tolerance_s=-1)

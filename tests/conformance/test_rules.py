"""The rule table and ``check`` as a whole."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from chargecheck.conformance import (
    RULES,
    RULES_BY_ID,
    CheckSettings,
    Severity,
    check,
    fails_run,
    rules_table,
)
from chargecheck.conformance.rules import CHECKS

from .conftest import good_session
from .journal_trace import TraceWriter

GROUPS = (
    "wire",
    "status",
    "transactions",
    "metering",
    "timing",
    "configuration",
    "transactions201",
)


def test_conformant_session_gives_no_finding_at_all(w: TraceWriter) -> None:
    good_session(w)
    assert w.findings() == []


def test_rule_ids_are_unique_and_every_rule_cites_a_section() -> None:
    assert len(RULES_BY_ID) == len(RULES) == len(CHECKS)
    for rule_check in CHECKS:
        rule, versions = rule_check.rule, rule_check.versions
        cites = ("OCPP 2.0.1",) if versions == {"2.0.1"} else ("OCPP 1.6", "OCPP-J 1.6")
        assert versions in ({"1.6"}, {"2.0.1"}), rule.id
        assert rule.section.startswith(cites), rule.id  # a rule cites its own version
        assert rule.text and "." in rule.id


@pytest.mark.parametrize("group", GROUPS)
def test_every_rule_is_documented_in_its_group_docstring(group: str) -> None:
    module = importlib.import_module(f"chargecheck.conformance.{group}")
    for rule_check in module.CHECKS:
        rule = rule_check.rule
        assert f"| {rule.id} | {rule.severity.value} |" in (module.__doc__ or ""), rule.id


def test_rules_table_is_renderable_rows() -> None:
    rows = rules_table()
    assert rows[0] == {
        "id": "wire.frame",
        "severity": "violation",
        "section": RULES[0].section,
        "text": RULES[0].text,
    }
    assert {row["severity"] for row in rows} == {s.value for s in Severity}


def test_each_check_yields_findings_of_its_own_rule_only(tmp_path: Path) -> None:
    w = TraceWriter(tmp_path / "j.sqlite")
    w.connect()
    w.station_raw("not json")
    w.status(1, "Charging")
    w.status(1, "Reserved")
    w.status(0, "Charging", "OtherError")
    given = w.start(0, meter_start=10)
    w.stop(given, 5)
    w.stop(999, 5)
    w.command("GetConfiguration", {}, {"configurationKey": []})
    findings = w.findings()
    assert len({f.rule for f in findings}) >= 7
    from chargecheck.conformance.trace import build_traces

    (trace,) = build_traces(w.entries())
    for rule_check in CHECKS:
        assert {f.rule for f in rule_check.run(trace, CheckSettings())} <= {rule_check.rule.id}
    w.journal.close()


def test_findings_name_their_station_and_stations_are_judged_apart(tmp_path: Path) -> None:
    one = TraceWriter(tmp_path / "j.sqlite", station="CP1")
    one.connect()
    one.status(1, "Charging")
    one.station = "CP2"
    one.connect()
    one.status(1, "Available")
    one.station = "CP1"
    one.status(1, "Reserved")
    (finding,) = one.findings()
    assert (finding.rule, finding.station) == ("status.transition", "CP1")
    one.journal.close()


def test_check_is_pure_and_repeatable(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.status(1, "Reserved")
    entries = w.entries()
    assert check(entries) == check(entries) == check(iter(entries), CheckSettings())


def test_a_violation_fails_the_run_only_in_strict_mode(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.status(1, "Reserved")
    findings = w.findings()
    assert fails_run(findings, CheckSettings(strict=True))
    assert not fails_run(findings, CheckSettings(strict=False))


def test_warnings_and_notes_never_fail_the_run(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging", "HighTemperature")
    w.status(1, "Faulted", "NoError")
    findings = w.findings()
    assert [f.severity for f in findings] == [Severity.NOTE, Severity.WARNING]
    assert not fails_run(findings)

"""Findings stored in and loaded from the journal's records."""

from __future__ import annotations

from chargecheck.conformance import load_findings, store_findings

from .journal_trace import TraceWriter


def test_stored_findings_load_back_equal_and_in_order(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.status(1, "Reserved")
    w.status(0, "Preparing")
    findings = w.findings()
    assert len(findings) == 2
    ids = store_findings(w.journal, w.run_id, findings)
    assert len(ids) == 2
    assert load_findings(w.journal, w.run_id) == findings
    assert w.journal.records(w.run_id, "finding")[0]["rule"] == findings[0].rule


def test_findings_of_another_run_are_not_loaded(w: TraceWriter) -> None:
    w.connect()
    w.status(0, "Preparing")
    store_findings(w.journal, w.run_id, w.findings())
    other = w.journal.start_run("test")
    assert load_findings(w.journal, other) == []

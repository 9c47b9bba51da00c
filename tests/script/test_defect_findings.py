"""A simulator defect that breaks a rule of the specification shows up as a finding of
the whole-trace checks, beside the row it fails; the healthy station has none."""

from __future__ import annotations

from chargecheck.clock import Clock
from chargecheck.conformance import load_findings
from chargecheck.journal import Journal


def _rules(tmp_path, run_id):
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        return {f.rule for f in load_findings(journal, run_id)}
    finally:
        journal.close()


async def test_a_slow_heartbeat_is_a_finding_as_well_as_a_failed_row(run_rows, tmp_path):
    summary = await run_rows([2], frozenset({"slow_heartbeat"}))
    assert "timing.heartbeat_late" in _rules(tmp_path, summary.run_id)


async def test_the_healthy_heartbeat_gives_no_such_finding(run_rows, tmp_path):
    summary = await run_rows([2])
    assert "timing.heartbeat_late" not in _rules(tmp_path, summary.run_id)

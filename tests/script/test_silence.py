"""A station that has gone silent (it answers CALLs but sends nothing of its own: the
simulator's ``silent_after_reconnect`` defect, an outbound queue dead after the outage of
row 16) is recognised once, FAILs the row where it shows, and is named as the cause of
every later wait that comes to nothing, NOT TESTED there rather than failed again for a
reason that misleads."""

from __future__ import annotations

from chargecheck.script.verdict import Outcome

SILENT = "the station still sends messages of its own"


async def test_a_silent_station_fails_once_and_is_the_named_cause_in_the_rows_after(run_rows):
    summary = await run_rows([16, 18], frozenset({"silent_after_reconnect"}))
    offline, trigger = summary.verdicts
    assert offline.outcome is Outcome.FAIL, offline.result
    (probe,) = [c for c in offline.criteria if c.name == SILENT]
    assert probe.outcome is Outcome.FAIL and probe.evidence
    assert "5.17" in probe.detail
    assert trigger.outcome is Outcome.NOT_TESTED, trigger.result
    assert "has sent nothing of its own since row 16" in trigger.result
    assert not any(c.name == SILENT for c in trigger.criteria)  # recognised once


async def test_a_healthy_station_is_never_taken_for_a_silent_one(run_rows):
    # Row 10 with the simulator's no_fault_status defect ends NOT TESTED or FAIL, so the
    # probe runs: the station answers the triggers, nothing is held against it.
    summary = await run_rows([10, 18], frozenset({"no_fault_status"}))
    assert all(c.name != SILENT for v in summary.verdicts for c in v.criteria)
    assert summary.verdicts[1].outcome is Outcome.PASS, summary.verdicts[1].result

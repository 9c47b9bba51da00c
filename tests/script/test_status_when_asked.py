"""Rows 3 and 9 against a station we did not write (issue #13): it reports connector 0
only when that status changes or when asked with TriggerMessage. OCPP 1.6 does not
require a report of every connector at boot (sections 4.2, 4.9), so the bench asks
before it judges: such a station PASSes, the connector that had to be asked is said in
the detail (and is a warning finding), and only a station that stays silent even when
asked FAILs."""

from __future__ import annotations

from dataclasses import replace

from chargecheck.clock import Clock
from chargecheck.conformance import Severity, check, load_findings
from chargecheck.journal import Journal
from chargecheck.script.cases import row03_change_availability, row09_reset
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case, run_case
from chargecheck.script.settings import load
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from tests.conftest import UNIT
from tests.script.handmade_station import HandmadeStation

DEMO = load("demo")
FAST = replace(
    DEMO, timeouts=replace(DEMO.timeouts, status=5 * UNIT, call=10 * UNIT, reboot=25 * UNIT)
)


async def _run(central, case: Case) -> Verdict:
    session = await central.wait_for_station("CP1", 10 * UNIT)
    ctx = CaseContext(session, FAST, NonInteractiveOperator(), central)
    return await run_case(case, ctx, Clock())


def _of(verdict: Verdict, name: str, connector_id: int) -> list[Criterion]:
    return [c for c in verdict.criteria if name in c.name and c.connector_id == connector_id]


async def test_row3_passes_a_station_that_reports_connector_0_only_when_it_changes(central):
    async with HandmadeStation(central):
        verdict = await _run(central, row03_change_availability.CASE)
    assert verdict.outcome is Outcome.PASS, verdict.result
    (per_connector,) = _of(verdict, "a StatusNotification per connector", 0)
    assert per_connector.outcome is Outcome.PASS and per_connector.evidence
    assert per_connector.detail == "2 received"  # Unavailable, Available: this very row's
    changes = _of(verdict, "ChangeAvailability", 0)
    assert [(c.outcome, c.detail) for c in changes] == [
        (Outcome.PASS, "Accepted, then Unavailable"),
        (Outcome.PASS, "Accepted, then Available"),
    ]


async def test_row3_asks_a_connector_that_reported_nothing_before_judging_it(central):
    # Connector 0 is silent even on a change: the change the bench caused is not
    # reported (a FAIL: the seed and OCPP 1.6 section 4.9), but the station does report
    # a status of connector 0 when asked, which is what "per connector" asks.
    async with HandmadeStation(central, reports_zero_changes=False):
        verdict = await _run(central, row03_change_availability.CASE)
    (per_connector,) = _of(verdict, "a StatusNotification per connector", 0)
    assert per_connector.outcome is Outcome.PASS
    assert per_connector.detail == (
        "none unasked; Available (only when asked with TriggerMessage(StatusNotification))"
    )
    assert len(per_connector.evidence) == 3  # the TriggerMessage, its answer, the status
    changes = _of(verdict, "ChangeAvailability", 0)
    assert [c.outcome for c in changes] == [Outcome.FAIL, Outcome.FAIL]
    assert verdict.outcome is Outcome.FAIL


async def test_row3_fails_a_station_that_never_reports_connector_0_even_when_asked(central):
    async with HandmadeStation(central, reports_zero_changes=False, answers_trigger=False):
        verdict = await _run(central, row03_change_availability.CASE)
    assert verdict.outcome is Outcome.FAIL
    (per_connector,) = _of(verdict, "a StatusNotification per connector", 0)
    assert per_connector.outcome is Outcome.FAIL
    assert "no StatusNotification received, even when asked" in per_connector.detail
    assert all(c.outcome is Outcome.PASS for c in verdict.criteria if c.connector_id == 1)


async def test_row9_passes_a_station_that_reports_connector_0_after_reset_only_when_asked(
    central, journal
):
    async with HandmadeStation(central) as station:
        verdict = await _run(central, row09_reset.CASE)
    assert verdict.outcome is Outcome.PASS, verdict.result
    assert station.boots == 3  # the first boot, then one per reset
    assert "reported only when asked after reset: Hard: connector 0, Soft: connector 0" in (
        verdict.result
    )
    zero = _of(verdict, "reset: StatusNotification", 0)
    assert [c.outcome for c in zero] == [Outcome.PASS, Outcome.PASS]
    assert all("only when asked with TriggerMessage" in c.detail for c in zero)
    one = _of(verdict, "reset: StatusNotification", 1)
    assert [(c.outcome, c.detail) for c in one] == [(Outcome.PASS, "Available")] * 2
    warnings = [f for f in check(journal.entries(central.run_id)) if f.rule == "status.after_boot"]
    assert [(f.severity, f.message.split(":")[0]) for f in warnings] == [
        (Severity.WARNING, "connector 0")
    ] * 2


async def test_row9_fails_a_station_that_reports_connector_0_not_even_when_asked(central):
    async with HandmadeStation(central, answers_trigger=False):
        verdict = await _run(central, row09_reset.CASE)
    assert verdict.outcome is Outcome.FAIL
    zero = _of(verdict, "reset: StatusNotification", 0)
    assert [c.outcome for c in zero] == [Outcome.FAIL, Outcome.FAIL]
    assert all("none even when asked" in c.detail for c in zero)
    assert verdict.result.startswith("FAIL: Hard reset: StatusNotification: ")
    boots = [c for c in verdict.criteria if c.name.endswith("reset: BootNotification")]
    assert [c.outcome for c in boots] == [Outcome.PASS, Outcome.PASS]


async def test_the_simulator_reporting_connector_0_only_on_a_change_or_when_asked_passes(
    run_rows, tmp_path
):
    # The simulator's no_status_connector0 is the behaviour above: after boot nothing of
    # connector 0 until it changes or is asked. Not a FAIL of any row; a warning finding.
    summary = await run_rows([3, 9, 18], frozenset({"no_status_connector0"}))
    assert [(v.row, v.outcome) for v in summary.verdicts] == [
        (3, Outcome.PASS),
        (9, Outcome.PASS),
        (18, Outcome.PASS),
    ], [v.result for v in summary.verdicts]
    assert "Hard: connector 0, Soft: connector 0" in summary.verdicts[1].result
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        found = [f for f in load_findings(journal, summary.run_id) if f.rule == "status.after_boot"]
    finally:
        journal.close()
    assert {(f.severity, f.message.split(":")[0]) for f in found} == {
        (Severity.WARNING, "connector 0")
    }
    assert summary.violations == 0

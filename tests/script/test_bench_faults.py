"""The bench's own faults never pass silently (issue #12): an exception that escapes a
callback of the Central System makes the row it happened in an ERROR with its cause,
journaled and printed once; a failure outside the rows (between them, or while the
bench shuts down) ends the run with exit code 3, and the reports of the rows judged
before are written all the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chargecheck import run as run_module
from chargecheck.clock import Clock
from chargecheck.journal import Journal
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case, run_case
from chargecheck.script.settings import load
from chargecheck.script.verdict import Outcome
from tests.conftest import UNIT, open_station


def _boom() -> None:
    raise RuntimeError("the file sink broke")


async def test_an_exception_in_a_callback_during_a_row_makes_the_row_an_error(central, journal):
    said: list[str] = []
    central.fault_recorder.say = said.append
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)

    async def case_run(ctx: CaseContext) -> str:
        loop = asyncio.get_running_loop()
        loop.call_soon(_boom)
        loop.call_soon(_boom)  # the same fault again: journaled twice, printed once
        await asyncio.sleep(UNIT)
        return "OK, all fine"

    ctx = CaseContext(session, load("demo"), NonInteractiveOperator(), central)
    verdict = await run_case(Case(99, "f", "c", case_run), ctx, Clock())
    await station.ws.close()
    assert verdict.outcome is Outcome.ERROR
    assert "RuntimeError: the file sink broke" in verdict.result
    assert len(said) == 1 and "bench error (journaled)" in said[0]
    errors = [e for e in journal.entries() if e.kind == "bench_error"]
    assert len(errors) == 2
    assert "Traceback" in errors[0].detail["traceback"]
    assert {e.id for e in errors} <= {x for c in verdict.criteria for x in c.evidence}


async def test_a_row_with_no_fault_is_judged_as_before(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)

    async def case_run(ctx: CaseContext) -> str:
        ctx.record("something", Outcome.PASS)
        return "OK"

    ctx = CaseContext(session, load("demo"), NonInteractiveOperator(), central)
    verdict = await run_case(Case(99, "f", "c", case_run), ctx, Clock())
    await station.ws.close()
    assert verdict.outcome is Outcome.PASS


def _fail_recording_the_station(*args: object) -> None:
    raise RuntimeError("recording the station failed")


def _fail_after_the_writes(original):
    failures = [OSError("stopping the writer failed")]

    def foreground_writes(self: Journal) -> None:
        original(self)
        if failures:  # once: the Central System's stop, not the journal's close after
            raise failures.pop()

    return foreground_writes


def _fault_between_rows(original):
    async def wait_boot(*args: object) -> None:
        await original(*args)
        asyncio.get_running_loop().call_soon(_boom)
        await asyncio.sleep(0)

    return wait_boot


FAILURES = {
    "recording the station": ("_record_station", lambda original: _fail_recording_the_station),
    "stopping the writer": ("foreground_writes", _fail_after_the_writes),
    "a callback before the rows": ("_wait_boot", _fault_between_rows),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_a_failure_outside_the_rows_exits_3_with_the_reports_written(
    run_rows, tmp_path: Path, monkeypatch, failure
):
    name, make = FAILURES[failure]
    owner = Journal if name == "foreground_writes" else run_module
    monkeypatch.setattr(owner, name, make(getattr(owner, name)))
    summary = await run_rows([1])
    assert [v.outcome for v in summary.verdicts] == [Outcome.PASS]
    assert summary.exit_code == 3 and len(summary.bench_errors) >= 1
    assert set(summary.reports) == {"md", "html", "json", "junit"}
    assert "\n| 1 | " in summary.reports["md"].read_text()
    assert 'tests="1"' in summary.reports["junit"].read_text()

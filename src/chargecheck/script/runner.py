"""Runs the selected rows in order and turns each into a ``Verdict``.

This is the one place that catches what a case lets escape: a station error that the
case did not handle fails the row, a bench bug is an ERROR (never a PASS), and a
physical step that was not done makes the row NOT TESTED.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from chargecheck.clock import Clock
from chargecheck.csms.errors import SessionError
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepNotDone
from chargecheck.script.verdict import Criterion, Outcome, Verdict, combine


@dataclass(frozen=True)
class Case:
    row: int
    function: str
    acceptance_criteria: str
    run: Callable[[CaseContext], Awaitable[str]]


class SelectionError(ValueError):
    """``--only`` / ``--skip`` named a row that does not exist."""


def select(cases: Sequence[Case], only: Iterable[int] = (), skip: Iterable[int] = ()) -> list[Case]:
    """The cases to run, in the order ``only`` gives (else the script's order)."""
    by_row = {c.row: c for c in cases}
    only, skip = list(only), set(skip)
    unknown = sorted({*only, *skip} - set(by_row))
    if unknown:
        raise SelectionError(
            f"no row {', '.join(map(str, unknown))} in the script (rows are 1-{max(by_row)})"
        )
    chosen = [by_row[r] for r in only] if only else list(cases)
    return [c for c in chosen if c.row not in skip]


def result_text(outcome: Outcome, ok_text: str, ctx: CaseContext) -> str:
    """The row's one-line result in the seed's voice. A row that is NOT TESTED in part
    says what did pass too: a CPO signs off a row only when all of it was tested, but
    the report must show how far it went."""
    if outcome is Outcome.PASS:
        return ok_text or "OK"
    reasons = [_reason(c) for c in ctx.criteria if c.outcome is outcome]
    text = f"{outcome}: " + "; ".join(reasons)
    if outcome is Outcome.NOT_TESTED:
        passed = list(dict.fromkeys(_label(c) for c in ctx.criteria if c.outcome is Outcome.PASS))
        if passed:
            text += f"; {Outcome.PASS}: " + ", ".join(passed)
    return text


def _label(criterion: Criterion) -> str:
    where = f" (connector {criterion.connector_id})" if criterion.connector_id is not None else ""
    return criterion.name + where


def _reason(criterion: Criterion) -> str:
    return f"{criterion.name}: {criterion.detail}" if criterion.detail else criterion.name


async def run_case(case: Case, ctx: CaseContext, clock: Clock) -> Verdict:
    started, t0 = clock.utc_text(), clock.mono()
    faults = ctx.central.faults if ctx.central is not None else []
    faults_before = len(faults)
    ok_text = ""
    try:
        ok_text = await case.run(ctx)
    except StepNotDone as exc:
        ctx.record("physical step", Outcome.NOT_TESTED, str(exc))
    except SessionError as exc:
        ctx.record(
            "station behaviour",
            Outcome.FAIL,
            str(exc),
            tuple(x for x in [getattr(exc, "entry_id", None)] if x),
        )
    except Exception as exc:  # the bench's own fault: ERROR, never PASS
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.record(
            "bench error",
            Outcome.ERROR,
            f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})",
        )
    for fault in faults[faults_before:]:  # escaped a callback during the row: never PASS
        evidence = (fault.entry_id,) if fault.entry_id is not None else ()
        ctx.record("bench error", Outcome.ERROR, fault.text, evidence)
    outcome = combine([c.outcome for c in ctx.criteria])
    return Verdict(
        case.row,
        case.function,
        case.acceptance_criteria,
        outcome,
        result_text(outcome, ok_text, ctx),
        tuple(ctx.criteria),
        started,
        round(clock.mono() - t0, 3),
        dict(ctx.values),
    )


def seed_case(row: int, run: Callable[[CaseContext], Awaitable[str]]) -> Case:
    """The case of a seed row, its function and acceptance criteria taken from the seed."""
    from chargecheck.script.seed import ROWS

    function, criteria = ROWS[row]
    return Case(row, function, criteria, run)

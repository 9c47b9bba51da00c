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
from chargecheck.csms.errors import ExpectTimeout, NotConnected, SessionError
from chargecheck.script import silence
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepNotDone
from chargecheck.script.verdict import Criterion, Outcome, Verdict, combine

CaseRun = Callable[[CaseContext], Awaitable[str]]


@dataclass(frozen=True)
class Case:
    """One row of a script: ``row`` is its place in the script (the report's order, from
    1), ``id`` its name in the script pack (the report's "#", ``--only``, JUnit, JSON;
    the seed's rows are "1".."18"). ``run`` and then each of ``then`` is run, in order,
    in the one row: one verdict from the union of their criteria."""

    row: int
    function: str
    acceptance_criteria: str
    run: CaseRun
    id: str = ""  # "" -> str(row)
    then: tuple[CaseRun, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", str(self.row))

    @property
    def runs(self) -> tuple[CaseRun, ...]:
        return (self.run, *self.then)


class SelectionError(ValueError):
    """``--only`` / ``--skip`` named a row that does not exist."""


def select(
    cases: Sequence[Case], only: Iterable[str | int] = (), skip: Iterable[str | int] = ()
) -> list[Case]:
    """The cases to run, in the order ``only`` gives (else the script's order); rows are
    named by their id (the seed's by number: ``6`` is the row with id "6")."""
    by_id = {c.id: c for c in cases}
    wanted, left_out = [str(r).strip() for r in only], {str(r).strip() for r in skip}
    unknown = sorted({*wanted, *left_out} - set(by_id), key=_natural)
    if unknown:
        raise SelectionError(
            f"no row {', '.join(unknown)} in the script (rows are {_span(list(by_id))})"
        )
    chosen = [by_id[r] for r in wanted] if wanted else list(cases)
    return [c for c in chosen if c.id not in left_out]


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 62, text)


def _span(ids: list[str]) -> str:
    """``1-18`` for the seed's numbered rows, else the first and last ids."""
    if not ids:
        return "none"
    if all(i.isdigit() for i in ids) and ids == [str(n) for n in range(int(ids[0]), len(ids) + 1)]:
        return f"{ids[0]}-{ids[-1]}"
    return ", ".join(ids) if len(ids) <= 6 else f"{', '.join(ids[:3])}, ... {ids[-1]}"


def result_text(outcome: Outcome, ok_text: str, ctx: CaseContext) -> str:
    """The row's one-line result in the seed's voice. A row that is NOT TESTED in part
    says what did pass too: a CPO signs off a row only when all of it was tested, but
    the report must show how far it went."""
    if outcome is Outcome.PASS:
        return ok_text or "OK"
    reasons = [_reason(c) for c in ctx.criteria if c.outcome is outcome]
    text = f"{outcome}: " + ("; ".join(reasons) or "the row judged no criterion")
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
    ok_texts = []
    for part, run in enumerate(case.runs, 1):
        recorded = len(ctx.criteria)
        ok_texts.append(await _run_part(run, ctx))
        if len(case.runs) > 1 and len(ctx.criteria) == recorded:
            # The other cases' criteria must not make a row PASS that this one never judged.
            ctx.record("bench error", Outcome.ERROR, f"case {part} of the row judged nothing")
    await silence.probe(ctx, case.id)
    for fault in faults[faults_before:]:  # escaped a callback during the row: never PASS
        evidence = (fault.entry_id,) if fault.entry_id is not None else ()
        ctx.record("bench error", Outcome.ERROR, fault.text, evidence)
    outcome = combine([c.outcome for c in ctx.criteria])
    return Verdict(
        case.row,
        case.function,
        case.acceptance_criteria,
        outcome,
        result_text(outcome, _ok_text(ok_texts), ctx),
        tuple(ctx.criteria),
        started,
        round(clock.mono() - t0, 3),
        dict(ctx.values),
        case.id,
    )


def _ok_text(texts: list[str]) -> str:
    """One result line for a row of several cases: each one's words, once."""
    said = list(dict.fromkeys(t for t in texts if t))
    if len(said) > 1:
        said = [t for t in said if t != "OK"] or ["OK"]
    return "; ".join(said)


async def _run_part(run: CaseRun, ctx: CaseContext) -> str:
    """One case function of a row; what it lets escape becomes a criterion."""
    try:
        return await run(ctx)
    except StepNotDone as exc:
        ctx.record("physical step", Outcome.NOT_TESTED, str(exc))
    except SessionError as exc:
        ctx.record(_unhandled(exc), Outcome.FAIL, str(exc), exc.evidence)
    except Exception as exc:  # the bench's own fault: ERROR, never PASS
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.record(
            "bench error",
            Outcome.ERROR,
            f"{type(exc).__name__}{f': {exc}' if str(exc) else ''} "
            f"({where.filename}:{where.lineno})",
        )
    return ""


def _unhandled(exc: SessionError) -> str:
    """The criterion a station error that escaped its case broke, named for what the
    bench expected: an answer to its CALL, a CALL of the station, the connection."""
    action = getattr(exc, "action", "")
    if isinstance(exc, ExpectTimeout):
        return f"the station sends {action} in time"
    if action:  # CallErrorReceived, InvalidResult, CallTimeout
        return f"{action} is answered with a valid CALLRESULT"
    if isinstance(exc, NotConnected):
        return "the station stays connected"
    return "the station answers as OCPP 1.6 requires"


def seed_case(row: int, run: CaseRun) -> Case:
    """The case of a seed row, its function and acceptance criteria taken from the seed."""
    from chargecheck.script.seed import ROWS

    function, criteria = ROWS[row]
    return Case(row, function, criteria, run, str(row))

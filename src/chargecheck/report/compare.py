"""Comparing runs: which rows changed outcome between two runs of the script.

Pure: takes verdicts, returns values. A firmware upgrade that broke something shows up
as a row going from PASS to FAIL, which ``RowChange.regression`` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chargecheck.report.text import result_after_outcome
from chargecheck.script.verdict import Outcome, Verdict


@dataclass(frozen=True)
class RowChange:
    row: int
    function: str
    before: Outcome | None  # None: the row was not run in the first run
    after: Outcome | None
    result_after: str = ""

    @property
    def regression(self) -> bool:
        """A row that passed before and fails now."""
        return self.before is Outcome.PASS and self.after is Outcome.FAIL


def changed_rows(before: Sequence[Verdict], after: Sequence[Verdict]) -> list[RowChange]:
    """Rows whose outcome differs between two runs, or that only one of them ran."""
    old = {v.row: v for v in before}
    new = {v.row: v for v in after}
    changes = []
    for row in sorted(old.keys() | new.keys()):
        a, b = old.get(row), new.get(row)
        if a is not None and b is not None and a.outcome is b.outcome:
            continue
        known = b or a
        assert known is not None
        changes.append(
            RowChange(
                row,
                known.function,
                a.outcome if a else None,
                b.outcome if b else None,
                result_after_outcome(b) if b else "",  # beside its outcome: said once
            )
        )
    return changes

"""The verdict of one test row: a value, modelled on pytest's ``TestReport``.

Every report format renders from these objects alone. A row's outcome is derived from
its criteria by ``combine``: one failed criterion fails the row; a row is PASS only if
every criterion passed. A wrong PASS is the worst bug a test bench can ship.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"  # the station broke a criterion
    NOT_TESTED = "NOT TESTED"  # a physical step was skipped or timed out, or unsupported
    ERROR = "ERROR"  # the bench itself failed (a bug, a bad setting)


# Which outcome wins when criteria disagree: the station's failure is never hidden.
_PRECEDENCE = [Outcome.FAIL, Outcome.ERROR, Outcome.NOT_TESTED, Outcome.PASS]


def combine(outcomes: list[Outcome]) -> Outcome:
    """The row's outcome from its criteria's; no criterion at all is an ERROR."""
    if not outcomes:
        return Outcome.ERROR
    return min(outcomes, key=_PRECEDENCE.index)


@dataclass(frozen=True)
class Criterion:
    """One checked criterion of a row (one per connector where the row says so)."""

    name: str
    outcome: Outcome
    detail: str = ""
    evidence: tuple[int, ...] = ()  # journal entry ids
    connector_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        data["evidence"] = list(self.evidence)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criterion:
        return cls(
            data["name"],
            Outcome(data["outcome"]),
            data.get("detail", ""),
            tuple(data.get("evidence", ())),
            data.get("connector_id"),
        )


@dataclass(frozen=True)
class Verdict:
    row: int
    function: str
    acceptance_criteria: str
    outcome: Outcome
    result: str  # one line in the seed's voice: "OK, received 125 items"
    criteria: tuple[Criterion, ...] = ()
    started_utc: str = ""
    duration_s: float = 0.0
    values: dict[str, Any] = field(default_factory=dict)  # e.g. row 1's boot values
    id: str = ""  # the row's id in its script pack ("" -> str(row): the seed's "1".."18")

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", str(self.row))

    @property
    def evidence(self) -> list[int]:
        return sorted({e for c in self.criteria for e in c.evidence})

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "type": "verdict",
            "row": self.row,
            "id": self.id,
            "function": self.function,
            "acceptance_criteria": self.acceptance_criteria,
            "outcome": str(self.outcome),
            "result": self.result,
            "criteria": [c.to_dict() for c in self.criteria],
            "started_utc": self.started_utc,
            "duration_s": self.duration_s,
            "values": self.values,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(
                f"verdict schema version {data.get('schema_version')} is not {SCHEMA_VERSION}"
            )
        return cls(
            data["row"],
            data["function"],
            data["acceptance_criteria"],
            Outcome(data["outcome"]),
            data["result"],
            tuple(Criterion.from_dict(c) for c in data["criteria"]),
            data.get("started_utc", ""),
            data.get("duration_s", 0.0),
            data.get("values", {}),
            str(data.get("id") or data["row"]),
        )

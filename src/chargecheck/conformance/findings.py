"""The values the conformance checks produce: ``Severity``, ``Rule`` and ``Finding``.

A ``Rule`` is the documentation of one check (id, default severity, spec section,
wording); a ``Finding`` is one thing a station did against a rule, with the journal
entry ids that prove it. Findings are plain values: ``to_dict`` / ``from_dict`` round
trip through JSON (the journal's ``records`` table) with a schema version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chargecheck.conformance.settings import CheckSettings
    from chargecheck.conformance.trace import StationTrace

FINDING_SCHEMA_VERSION = 1


class Severity(StrEnum):
    """How bad a finding is, worst first.

    ``violation``: the station breaks a MUST / SHALL of OCPP 1.6 or OCPP-J 1.6.
    ``warning``: it breaks a SHOULD, a recommendation, or a tolerance the bench sets.
    ``note``: worth knowing, not wrong (a CALLERROR it chose to send, say).
    """

    VIOLATION = "violation"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.VIOLATION: 0, Severity.WARNING: 1, Severity.NOTE: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One deviation of one station, with the journal entries involved."""

    severity: Severity
    rule: str
    section: str
    text: str
    message: str
    station: str | None
    entries: tuple[int, ...] = ()

    @property
    def rule_text(self) -> str:
        """The rule's wording followed by its section, as reports print it."""
        return f"{self.text} ({self.section})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": FINDING_SCHEMA_VERSION,
            "severity": self.severity.value,
            "rule": self.rule,
            "section": self.section,
            "text": self.text,
            "message": self.message,
            "station": self.station,
            "entries": list(self.entries),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        version = data.get("schema", FINDING_SCHEMA_VERSION)
        if version != FINDING_SCHEMA_VERSION:
            raise ValueError(f"finding schema version {version!r} is not supported")
        return cls(
            severity=Severity(data["severity"]),
            rule=str(data["rule"]),
            section=str(data["section"]),
            text=str(data["text"]),
            message=str(data["message"]),
            station=data.get("station"),
            entries=tuple(int(e) for e in data.get("entries", ())),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the table: what it demands, where the spec says so, how bad a breach is."""

    id: str
    severity: Severity
    section: str
    text: str

    def finding(self, station: str | None, message: str, *entries: int | None) -> Finding:
        """A finding of this rule; ``None`` entry ids are left out."""
        ids = tuple(dict.fromkeys(e for e in entries if e is not None))
        return Finding(self.severity, self.id, self.section, self.text, message, station, ids)

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "section": self.section,
            "text": self.text,
        }


CheckFunction = Callable[["StationTrace", "CheckSettings"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    """One row of a rule table: the rule and the function that finds its breaches.

    The function reads one station's trace and yields findings of ``rule`` only. It runs
    on the traces of the OCPP ``versions`` the rule is written for.
    """

    rule: Rule
    run: CheckFunction
    versions: frozenset[str] = frozenset({"1.6"})

    def applies_to(self, version: str) -> bool:
        return version in self.versions


def summarise(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity (every severity present, zero or not), and the total."""
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    counts["total"] = sum(counts.values())
    return counts


def group_by_severity(findings: Iterable[Finding]) -> dict[Severity, list[Finding]]:
    """Findings grouped worst severity first; each group in journal order, then by rule."""
    groups: dict[Severity, list[Finding]] = {severity: [] for severity in Severity}
    for finding in findings:
        groups[finding.severity].append(finding)
    for group in groups.values():
        group.sort(key=finding_order)
    return groups


def finding_order(finding: Finding) -> tuple[int, str, str]:
    """Sort key: first journal entry involved, then rule id, then message."""
    first = min(finding.entries) if finding.entries else 0
    return (first, finding.rule, finding.message)

"""Findings in the journal: one ``finding`` record per finding of a run."""

from __future__ import annotations

from collections.abc import Iterable

from chargecheck.conformance.findings import Finding
from chargecheck.journal.store import Journal

RECORD_KIND = "finding"


def store_findings(journal: Journal, run_id: int, findings: Iterable[Finding]) -> list[int]:
    """Store each finding as a record of ``run_id``; return the record ids."""
    return [journal.add_record(run_id, RECORD_KIND, f.to_dict()) for f in findings]


def load_findings(journal: Journal, run_id: int) -> list[Finding]:
    """The findings stored for ``run_id``, in the order they were stored."""
    return [Finding.from_dict(body) for body in journal.records(run_id, RECORD_KIND)]

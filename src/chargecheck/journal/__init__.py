"""The journal: every frame in and out and every connection event, in SQLite (WAL).

Runs, verdicts and findings live here too; reports are rendered from it.
"""

from chargecheck.journal.store import Entry, Journal, RunInfo

__all__ = ["Entry", "Journal", "RunInfo"]

"""What the bench learns about the station during a run and carries from row to row.

One ``StationKnowledge`` per run, handed to every case's context: a later row must not
ask again what the station already refused (a RemoteStopTransaction it answered
Rejected), and a station that has gone silent is recognised once and named as the cause
in every row it affects, instead of each row failing on its own for a reason that
misleads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Silence:
    """The station answers the bench's CALLs but sends nothing of its own: what showed it
    (a sentence) and the journal ids that prove it."""

    detail: str
    evidence: tuple[int, ...] = ()


@dataclass
class StationKnowledge:
    # transactions whose RemoteStopTransaction the station refused or left unanswered:
    # clean-up does not ask again (one refusal is evidence enough)
    refused_stops: set[int] = field(default_factory=set)
    silent: Silence | None = None

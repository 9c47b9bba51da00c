"""What the bench learns about the station during a run and carries from row to row.

One ``StationKnowledge`` per run, handed to every case's context: a later row must not
ask again what the station already refused (a RemoteStopTransaction it answered
Rejected), and a station that has gone silent is recognised once and named as the cause
in every row it affects, instead of each row failing on its own for a reason that
misleads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Silence:
    """The station answers the bench's CALLs but sends nothing of its own: what showed it
    (a sentence), the journal ids that prove it, how many messages the station had sent
    then (one more ends the silence) and the row where it showed."""

    detail: str
    evidence: tuple[int, ...]
    since: int
    row: str

    def cause(self) -> str:
        return f"the station has sent nothing of its own since row {self.row} ({self.detail})"


@dataclass
class StationKnowledge:
    # transactions whose RemoteStopTransaction the station refused or left unanswered:
    # clean-up does not ask again (one refusal is evidence enough)
    refused_stops: set[int] = field(default_factory=set)
    silent: Silence | None = None
    # the session's connection count when a wait gave up on the station's coming back
    # (base.connected, waits.StationAway): until it connects again, no case waits for it
    gone_after: int | None = None
    probe_works: bool = True  # TriggerMessage can ask for a message (chargecheck.script.silence)
    # the run's CA (chargecheck.security.authority.RunAuthority): the user's, or made when a
    # security case first needs one
    authority: Any = None
    pki: Path | None = None  # where a CA made for the run is kept (OUT/pki/run-N)
    certified: bool = False  # the station holds a certificate the run's CA signed (A02)
    # serial numbers of the certificates the bench installed as CentralSystemRootCertificate
    central_roots: set[int] = field(default_factory=set)
    # OCPP 2.0.1: the station's FullInventory (catalogue201.base.Report), read once per run
    device_model: Any = None

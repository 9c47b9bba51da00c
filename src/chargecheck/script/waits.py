"""What ends a case's wait for the station before its timeout, and how a long wait shows.

A case waits for an outcome: FirmwareStatusNotification Installed, DiagnosticsStatusNotification
Uploaded, the StartTransaction after a remote start. The timeouts are generous (a firmware
update may take ten minutes on a real charger), so a wait must not outlast what the station
has already said. It ends as soon as one of these came:

- the message waited for;
- a message that says it will not come (``ends``: DownloadFailed or InstallationFailed for
  Installed, UploadFailed for Uploaded); the case judges from what came, as it would have
  judged the same messages at the timeout;
- nothing more can come: the station closed its connection and was not back within the
  reconnect window (``reconnect_window``): ``StationAway``, an ``ExpectTimeout``, so the
  case judges it as the timeout it cuts short.

A wait longer than ``LONG_WAIT_S`` says what it waits for and how long it may take, then
every ``REPORT_EVERY_S`` the time left (``CaseContext.waiting``: the console and the live
view's "say" lines; the live view's "wait" event counts down by itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress

from chargecheck.csms.errors import ExpectTimeout
from chargecheck.csms.session import Cursor, Message, Predicate, Session
from chargecheck.script.settings import Settings

LONG_WAIT_S = 10.0  # a wait longer than this says what it waits for and its length
REPORT_EVERY_S = 30.0  # and then, this often, the time left

Wanted = tuple[str, Predicate | None]  # an action, and what its payload must be (None: any)


class StationAway(ExpectTimeout):
    """No matching CALL, and none can come: the station closed its connection and was not
    back within the reconnect window. An ``ExpectTimeout``: every case judges it as the
    timeout it cuts short."""

    def __init__(self, action: str, timeout: float, arrived: list[Message], window: float):
        super().__init__(action, timeout, arrived)
        said = str(self).removeprefix(f"no matching {action} within {timeout:g} s")
        self.args = (
            f"no matching {action}: the station closed its connection and was not back "
            f"within {window:g} s{said}",
        )
        self.window = window


def reconnect_window(settings: Settings) -> float:
    """How long a station that closed its connection has to come back before a wait for one
    of its messages ends: the longest the bench itself refuses reconnections (``outage``,
    a forced outage), then a reboot (``timeouts.reboot``)."""
    return settings.outage + settings.timeouts.reboot


def described(action: str, ends: Sequence[Wanted]) -> str:
    """What a wait is for, as the console says it: ``StartTransaction (or
    StatusNotification)``; ends of the same action are its failure statuses."""
    others = [a for a in dict.fromkeys(a for a, _ in ends) if a != action]
    if not ends:
        return action
    return f"{action} (or {' or '.join(others) if others else 'a failure'})"


def first_of(inbox: Sequence[Message], wanted: Sequence[Wanted], cursor: Cursor) -> Message | None:
    """The first valid message since ``cursor``, in the order they came, that one of
    ``wanted`` accepts and the cursor has not consumed."""
    for message in inbox[cursor.start :]:
        if message.valid and message.index not in cursor.consumed:
            for action, where in wanted:
                if message.action == action and (where is None or where(message.payload)):
                    return message
    return None


async def expect_first(
    session: Session,
    wanted: Sequence[Wanted],
    timeout: float,
    cursor: Cursor | None = None,
    *,
    away_limit: float | None = None,
) -> Message:
    """``first_of`` the session's inbox since ``cursor`` (default: the session's), waiting
    up to ``timeout``; the message found is consumed on ``cursor``.

    ``ExpectTimeout`` after ``timeout``; ``StationAway`` sooner, once the station has been
    disconnected for ``away_limit`` s."""
    cursor = cursor or session.cursor
    named = " or ".join(dict.fromkeys(action for action, _ in wanted))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = first_of(session.inbox, wanted, cursor)
        if found is not None:
            cursor.consumed.add(found.index)
            return found
        now = loop.time()
        remaining = deadline - now
        if remaining <= 0:
            raise ExpectTimeout(named, timeout, session.inbox[cursor.start :])
        pause = remaining
        away = session.away_for
        if away_limit is not None and away is not None:
            if away >= away_limit:
                raise StationAway(named, timeout, session.inbox[cursor.start :], away_limit)
            pause = min(pause, away_limit - away)
        changed = session.changes()
        with suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), max(pause, 0.001))

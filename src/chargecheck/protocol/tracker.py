"""The call tracker: which CALLs are in flight and which reply belongs to which.

OCPP-J 1.6 section 4.1.3: "A CALLRESULT or CALLERROR message MUST have the same
UniqueId as the CALL it answers", so replies are matched by id, never by order. The
tracker never reads a clock: every method that needs the time takes ``now`` (seconds
on any monotonic scale the caller keeps).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from chargecheck.protocol.errors import LateReply, LocalProtocolError, UnexpectedReply
from chargecheck.protocol.frames import Call, CallError, CallResult

# How many timed-out ids are remembered so that their late replies can be told
# apart from replies to calls that were never made.
_EXPIRED_MEMORY = 1024


def counter_ids(prefix: str) -> Callable[[], str]:
    """A unique-id factory: ``prefix-1``, ``prefix-2``, ... (prefix at most 20 chars)."""
    if len(prefix) > 20:
        raise LocalProtocolError("unique id prefix longer than 20 characters")
    numbers: Iterator[int] = itertools.count(1)
    return lambda: f"{prefix}-{next(numbers)}"


@dataclass(frozen=True, slots=True)
class PendingCall:
    call: Call
    sent_at: float
    deadline: float


class CallTracker:
    """Pending CALLs of one side of one connection."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        self._pending: dict[str, PendingCall] = {}
        self._expired: OrderedDict[str, str] = OrderedDict()

    def new_call(self, action: str, payload: dict[str, Any], now: float, timeout: float) -> Call:
        """Make a CALL with a fresh unique id and register it as pending."""
        unique_id = self._new_id()
        if unique_id in self._pending:
            raise LocalProtocolError(f"unique id {unique_id!r} is already in flight")
        call = Call(unique_id, action, payload)
        self._pending[unique_id] = PendingCall(call, now, now + timeout)
        return call

    def resolve(self, reply: CallResult | CallError) -> PendingCall:
        """The pending CALL that ``reply`` answers, removed from the pending set.

        Raises ``LateReply`` for a reply to a call that already timed out and
        ``UnexpectedReply`` for an id that no call of this side ever had.
        """
        pending = self._pending.pop(reply.unique_id, None)
        if pending is not None:
            return pending
        action = self._expired.pop(reply.unique_id, None)
        if action is not None:
            raise LateReply(reply.unique_id, action)
        raise UnexpectedReply(reply.unique_id)

    def expire(self, now: float) -> list[PendingCall]:
        """Remove and return the calls whose deadline is at or before ``now``."""
        gone = [p for p in self._pending.values() if p.deadline <= now]
        for pending in gone:
            del self._pending[pending.call.unique_id]
            self._expired[pending.call.unique_id] = pending.call.action
        while len(self._expired) > _EXPIRED_MEMORY:
            self._expired.popitem(last=False)
        return gone

    def cancel(self, unique_id: str) -> PendingCall | None:
        """Forget a pending call (its connection is gone); a later reply is then late."""
        pending = self._pending.pop(unique_id, None)
        if pending is not None:
            self._expired[unique_id] = pending.call.action
        return pending

    def next_deadline(self) -> float | None:
        return min((p.deadline for p in self._pending.values()), default=None)

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, unique_id: object) -> bool:
        return unique_id in self._pending

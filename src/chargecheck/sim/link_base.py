"""What the station's side of the OCPP-J link does alike in 1.6 (``chargecheck.sim.link``)
and 2.0.1 (``chargecheck.sim.v201.link``): one CALL in flight at most (OCPP-J section
4.1.1 in both), and on a lost connection the transaction messages wait on the station's
disk while every other CALL is given back to the model.

Each version keeps what differs: which CALL may go next (the boot, the registration
state), how a failed transaction message is retried, what an answer's outcome holds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from chargecheck.protocol.endpoint import Endpoint, Inbound, InboundKind
from chargecheck.protocol.frames import Call, CallResult
from chargecheck.sim.store import StationStore


class Queued(Protocol):
    @property
    def queued(self) -> bool:
        """Is it a transaction message (in the persistent queue)?"""
        ...

    @property
    def seq(self) -> int | None:
        """Its row in the persistent queue, if it is a transaction message."""
        ...


ItemT = TypeVar("ItemT", bound=Queued)  # the version's Outgoing
LimitsT = TypeVar("LimitsT")  # the version's Limits
OutcomeT = TypeVar("OutcomeT")  # the version's Outcome


class LinkBase(Generic[ItemT, LimitsT, OutcomeT]):
    def __init__(
        self,
        endpoint: Endpoint,
        store: StationStore,
        send: Callable[[str], None],
        limits: Callable[[], LimitsT],
        log: Callable[[str], None],
    ) -> None:
        self.endpoint = endpoint
        self.online = False
        self._store = store
        self._send = send
        self._limits = limits
        self._log = log
        self._pending: deque[ItemT] = deque()
        self._in_flight: tuple[Call, ItemT] | None = None

    def _failed(self, item: ItemT, failure: str, now: float) -> OutcomeT:
        """``item`` got no answer it could take (``failure`` says why): retried or not."""
        raise NotImplementedError

    def _succeeded(self, item: ItemT, payload: dict[str, Any]) -> OutcomeT:
        """``item`` was answered with a CALLRESULT carrying ``payload``."""
        raise NotImplementedError

    def _refused(self, item: ItemT, inbound: Inbound, now: float) -> OutcomeT:
        """``item`` was answered with a CALLERROR or a CALLRESULT breaking its schema."""
        raise NotImplementedError

    @property
    def idle(self) -> bool:
        return self._in_flight is None and not self._pending

    @property
    def busy(self) -> bool:
        """A CALL is waiting for its answer."""
        return self._in_flight is not None

    @property
    def queue_length(self) -> int:
        return sum(1 for item in self._pending if item.queued)

    def reply(self, inbound: Inbound, now: float) -> OutcomeT | None:
        """The outcome of the CALL ``inbound`` answers (None if it answers nothing of ours)."""
        if inbound.pending is None or self._in_flight is None:
            return None
        call, item = self._in_flight
        if inbound.pending.call.unique_id != call.unique_id:
            return None
        self._in_flight = None
        frame = inbound.frame
        if inbound.kind is InboundKind.REPLY and isinstance(frame, CallResult):
            if item.seq is not None:
                self._store.dequeue(item.seq)
            return self._succeeded(item, frame.payload)
        return self._refused(item, inbound, now)

    def expire(self, now: float) -> list[OutcomeT]:
        outcomes = []
        for pending in self.endpoint.tracker.expire(now):
            if self._in_flight is not None and self._in_flight[0] is pending.call:
                item = self._in_flight[1]
                self._in_flight = None
                outcomes.append(self._failed(item, "no answer in time", now))
        return outcomes

    def disconnected(self) -> list[ItemT]:
        """The connection is gone: transaction messages wait, the others are returned."""
        self.online = False
        lost: list[ItemT] = []
        if self._in_flight is not None:
            call, item = self._in_flight
            self._in_flight = None
            self.endpoint.tracker.cancel(call.unique_id)
            if item.queued:
                self._pending.appendleft(item)
            else:
                lost.append(item)
        kept: deque[ItemT] = deque()
        for item in self._pending:
            (kept if item.queued else lost).append(item)
        self._pending = kept
        return lost

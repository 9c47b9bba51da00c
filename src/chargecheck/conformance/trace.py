"""A run's journal entries, decoded once and paired into exchanges, per station.

The checks never look at raw journal rows: ``build_traces`` decodes every frame with
``decode_frame``, validates every station CALL (and every station reply) against the JSON
schemas of its connection's OCPP version (the subprotocol its ``connect`` event names,
1.6 or 2.0.1; 1.6 when none is named), and pairs each CALL with its reply the way OCPP-J
1.6 section 4.1.3 says replies are matched: by unique id, within one WebSocket connection. A
``close`` event ends every exchange still waiting on that connection; a ``no_answer``
event (a case chose to leave a station CALL unanswered) marks that CALL ``withheld``.

Direction: ``frame_in`` is station -> bench, ``frame_out`` is bench -> station.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chargecheck.journal.store import FRAME_IN, FRAME_OUT, Entry
from chargecheck.protocol.errors import LocalProtocolError, PeerProtocolError
from chargecheck.protocol.frames import Call, CallError, CallResult, Frame, decode_frame
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.versions import BY_SUBPROTOCOL, OCPP16, OcppVersion

CONNECT = "connect"
CLOSE = "close"
NO_ANSWER = "no_answer"  # the bench chose not to answer a station CALL (csms.answers.NoAnswer)


@dataclass(frozen=True, slots=True)
class Item:
    """One journalled frame, decoded (``frame``) or not (``error`` says why)."""

    entry: Entry
    inbound: bool
    frame: Frame | None
    error: str | None
    connection: int

    @property
    def id(self) -> int:
        return self.entry.id

    @property
    def mono(self) -> float:
        return self.entry.mono

    @property
    def binary(self) -> bool:
        return bool(self.entry.detail.get("binary"))


@dataclass(slots=True)
class Exchange:
    """A CALL and, once it came, its CALLRESULT or CALLERROR.

    ``ended_by`` is the ``close`` event that ended the connection before any reply;
    ``withheld`` the ``no_answer`` event of a station CALL the bench chose not to answer.
    For station CALLs, ``action_known`` and ``violation`` say whether the request is a
    valid 1.6 Charge Point request; for bench CALLs, ``reply_violation`` says whether
    the station's CALLRESULT breaks the response schema.
    """

    call: Item
    request: Call
    reply: Item | None = None
    ended_by: Entry | None = None
    withheld: Entry | None = None
    action_known: bool = True
    violation: str | None = None
    reply_violation: str | None = None
    action: str = field(init=False)
    payload: dict[str, Any] = field(init=False)
    unique_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.action = self.request.action
        self.payload = self.request.payload
        self.unique_id = self.request.unique_id

    @property
    def valid(self) -> bool:
        return self.action_known and self.violation is None

    @property
    def result(self) -> dict[str, Any] | None:
        """The CALLRESULT payload, or ``None`` when no CALLRESULT answered."""
        if self.reply is not None and isinstance(self.reply.frame, CallResult):
            return self.reply.frame.payload
        return None

    @property
    def reply_id(self) -> int | None:
        return self.reply.id if self.reply is not None else None

    def pending_at(self, entry_id: int) -> bool:
        """Whether this CALL was sent before ``entry_id`` and still unanswered then."""
        if self.call.id >= entry_id:
            return False
        if self.reply is not None and self.reply.id < entry_id:
            return False
        return not (self.ended_by is not None and self.ended_by.id < entry_id)


@dataclass(frozen=True, slots=True)
class StrayReply:
    """A station CALLRESULT / CALLERROR that matched no bench CALL in flight."""

    item: Item
    reason: str


@dataclass(slots=True)
class StationTrace:
    """Everything one station exchanged with the bench in one run, in journal order."""

    station: str | None
    version: str = "1.6"  # the OCPP version of its latest connection ("1.6", "2.0.1")
    entries: list[Entry] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    station_calls: list[Exchange] = field(default_factory=list)
    bench_calls: list[Exchange] = field(default_factory=list)
    stray_replies: list[StrayReply] = field(default_factory=list)
    _by_action: dict[tuple[bool, str], list[Exchange]] = field(default_factory=dict)

    def calls(self, action: str, *, valid: bool = True) -> list[Exchange]:
        """Station CALLs of ``action`` (only the schema-valid ones unless ``valid=False``)."""
        found = self._by_action.get((True, action), [])
        return [e for e in found if e.valid] if valid else list(found)

    def commands(self, action: str) -> list[Exchange]:
        """Bench CALLs of ``action``."""
        return list(self._by_action.get((False, action), []))

    def events(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def inbound(self) -> Iterator[Item]:
        return (item for item in self.items if item.inbound)

    @property
    def last_entry(self) -> Entry | None:
        return self.entries[-1] if self.entries else None


class _Builder:
    def __init__(self, station: str | None) -> None:
        self.trace = StationTrace(station)
        self.connection = 0
        self.version: OcppVersion = OCPP16
        self._waiting_bench: dict[str, list[Exchange]] = {}  # station CALLs the bench owes
        self._waiting_station: dict[str, list[Exchange]] = {}  # bench CALLs the station owes
        self._gone: dict[str, str] = {}  # why a bench CALL's unique id is no longer in flight
        self._station_calls: dict[int, Exchange] = {}  # by the entry id of the CALL

    def add(self, entry: Entry) -> None:
        self.trace.entries.append(entry)
        if entry.kind == CONNECT:
            self.connection += 1
            self.version = BY_SUBPROTOCOL.get(str(entry.detail.get("subprotocol")), OCPP16)
            self.trace.version = self.version.name
        elif entry.kind == CLOSE:
            self._end_connection(entry)
        elif entry.kind in (FRAME_IN, FRAME_OUT):
            self._add_frame(entry)
        elif entry.kind == NO_ANSWER:
            withheld = self._station_calls.get(entry.detail.get("frame", 0))
            if withheld is not None:
                withheld.withheld = entry

    def _end_connection(self, close: Entry) -> None:
        for waiting in (self._waiting_bench, self._waiting_station):
            for exchanges in waiting.values():
                for exchange in exchanges:
                    exchange.ended_by = close
            waiting.clear()
        for exchange in self.trace.bench_calls:
            if exchange.ended_by is close:
                self._gone[exchange.unique_id] = (
                    f"the {exchange.action} CALL with that id ended with connection "
                    f"{exchange.call.connection}"
                )

    def _add_frame(self, entry: Entry) -> None:
        inbound = entry.kind == FRAME_IN
        try:
            frame: Frame | None = decode_frame(entry.raw or "")
            error = None
        except PeerProtocolError as exc:
            frame, error = None, str(exc)
        item = Item(entry, inbound, frame, error, self.connection)
        self.trace.items.append(item)
        if isinstance(frame, Call):
            self._add_call(item, frame, inbound)
        elif frame is not None:
            self._add_reply(item, frame, inbound)

    def _add_call(self, item: Item, call: Call, inbound: bool) -> None:
        exchange = Exchange(item, call)
        self.trace._by_action.setdefault((inbound, call.action), []).append(exchange)
        if inbound:
            exchange.action_known = call.action in self.version.station_actions
            if exchange.action_known:
                exchange.violation = _violation(
                    call.action, call.payload, response=False, version=self.version
                )
            self.trace.station_calls.append(exchange)
            self._station_calls[item.id] = exchange
            self._waiting_bench.setdefault(call.unique_id, []).append(exchange)
        else:
            self.trace.bench_calls.append(exchange)
            self._waiting_station.setdefault(call.unique_id, []).append(exchange)

    def _add_reply(self, item: Item, reply: CallResult | CallError, inbound: bool) -> None:
        waiting = self._waiting_station if inbound else self._waiting_bench
        queue = waiting.get(reply.unique_id)
        if not queue:
            if inbound:
                reason = self._gone.get(reply.unique_id, "no CALL of the bench had that id")
                self.trace.stray_replies.append(StrayReply(item, reason))
            return  # a bench reply to a frame that was no CALL (a bad frame)
        exchange = queue.pop(0)
        if not queue:
            del waiting[reply.unique_id]
        exchange.reply = item
        if inbound:
            self._gone[reply.unique_id] = f"the {exchange.action} CALL with that id was answered"
            if isinstance(reply, CallResult):
                exchange.reply_violation = _violation(
                    exchange.action, reply.payload, response=True, version=self.version
                )


def _violation(
    action: str, payload: dict[str, Any], *, response: bool, version: OcppVersion
) -> str | None:
    try:
        validate(action, payload, response=response, version=version)
    except PeerProtocolError as exc:
        return str(exc)
    except LocalProtocolError as exc:  # an action without a schema of that version
        return str(exc)
    return None


def build_traces(entries: Iterable[Entry]) -> list[StationTrace]:
    """One ``StationTrace`` per station, in the order each station first appears."""
    builders: dict[str | None, _Builder] = {}
    for entry in entries:
        builder = builders.get(entry.station)
        if builder is None:
            builder = builders[entry.station] = _Builder(entry.station)
        builder.add(entry)
    return [builder.trace for builder in builders.values()]

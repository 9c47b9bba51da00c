"""One ``Session`` per charge station identity: what a test case drives.

A session outlives its connections: a station that reboots or loses the network
and comes back gets the same session, its inbox intact, so a case can wait across a
reboot. Every frame goes through the journal before it is acted on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

from websockets.exceptions import ConnectionClosed

from chargecheck.clock import Clock
from chargecheck.csms.answers import Answers, ErrorAnswer, NoAnswer
from chargecheck.csms.errors import (
    CallErrorReceived,
    CallTimeout,
    ExpectTimeout,
    InvalidResult,
    NotConnected,
)
from chargecheck.csms.journal_writer import JournalWriter
from chargecheck.csms.limits import LIMIT, pending_calls_description, pending_calls_detail
from chargecheck.journal.store import FRAME_IN, FRAME_OUT
from chargecheck.protocol.endpoint import RECENT_CALL_IDS, Endpoint, Inbound, InboundKind, Role
from chargecheck.protocol.errors import PeerProtocolError
from chargecheck.protocol.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    decode_frame,
    encode_frame,
)
from chargecheck.protocol.versions import OCPP16, OcppVersion


class Connection(Protocol):
    local_address: tuple[str, int] | None  # (host, port) the station connected to

    def send_now(self, message: str) -> bool: ...  # False: no longer open
    async def send(self, message: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...
    def start_close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True, slots=True)
class Message:
    """A CALL the station sent, as the cases see it.

    Keeps the frame as received and parses ``payload`` from it on first use (kept in its
    inbox's cache): an inbox that holds frame text rather than parsed trees (a
    MeterValues is a dozen containers) takes a fifth of the memory.
    """

    index: int
    entry_id: int
    unique_id: str
    action: str
    frame: str | bytes = field(repr=False)
    mono: float
    connection: int
    valid: bool = True
    violation: str | None = None
    _parsed: dict[int, dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def payload(self) -> dict[str, Any]:
        parsed = self._parsed
        if parsed is not None and self.index in parsed:
            return parsed[self.index]
        call = decode_frame(self.frame)
        assert isinstance(call, Call)  # it was decoded as this CALL when it arrived
        if parsed is not None:
            parsed[self.index] = call.payload
        return call.payload


class Inbox(Sequence[Message]):
    """The CALLs a station sent, oldest first, indexed and sliced as a list of
    ``Message``.

    Each is kept as a tuple of atomic values (numbers, strings, None), which the garbage
    collector stops tracking after its first young collection: a fleet under load sends
    hundreds of thousands of CALLs, and a full collection that walked every one of them
    (as it does a dataclass instance) stalled the loop for a fifth of a second. A
    ``Message`` is made on access; the payloads parsed are cached by index.
    """

    __slots__ = ("_parsed", "_rows")

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []
        self._parsed: dict[int, dict[str, Any]] = {}

    def append(self, message: Message) -> None:
        self._rows.append(
            (
                message.index,
                message.entry_id,
                message.unique_id,
                message.action,
                message.frame,
                message.mono,
                message.connection,
                message.valid,
                message.violation,
            )
        )

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Message: ...
    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...
    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [self._message(row) for row in self._rows[index]]
        return self._message(self._rows[index])

    def __iter__(self) -> Iterator[Message]:
        return (self._message(row) for row in self._rows)

    def _message(self, row: tuple[Any, ...]) -> Message:
        index, entry_id, unique_id, action, frame, mono, connection, valid, violation = row
        return Message(
            index,
            entry_id,
            unique_id,
            action,
            frame,
            mono,
            connection,
            valid,
            violation,
            self._parsed,
        )


class Result(dict[str, Any]):
    """A CALLRESULT payload, plus the journal ids of the CALL and of the result."""

    call_entry_id: int = 0
    entry_id: int = 0


@dataclass
class Cursor:
    """Where a case starts looking in the inbox, and what it already consumed."""

    start: int = 0
    consumed: set[int] = field(default_factory=set)


Predicate = Callable[[dict[str, Any]], bool]


class Session:
    def __init__(
        self,
        identity: str,
        writer: JournalWriter,
        answers: Answers,
        clock: Clock,
        new_id: Callable[[], str],
        run_id: Callable[[], int | None],
        *,
        max_pending_calls: int = 100,
    ) -> None:
        self.identity = identity
        self.answers = answers
        self.inbox = Inbox()
        self.replies: dict[int, dict[str, Any]] = {}  # inbox index -> the bench's answer
        self.cursor = Cursor()
        self.connections = 0
        self.connect_entry_id = 0  # the journal entry of the latest connection
        self.connect_detail: dict[str, Any] = {}  # what that entry says (remote, path, tls)
        self._closed_at: float | None = None
        self._writer = writer
        self._clock = clock
        self._run_id = run_id
        self._new_id = new_id  # for the endpoint of a connection on another OCPP version
        self._endpoint = Endpoint(Role.CENTRAL_SYSTEM, new_id, recent_call_ids=RECENT_CALL_IDS)
        # CALLs of the station received and not answered yet, and how many may be.
        self.unanswered = 0
        self.max_pending_calls = max_pending_calls
        self._connection: Connection | None = None
        self._local_address: tuple[str, int] | None = None
        self._waiting: dict[str, asyncio.Future[Result]] = {}
        self._changed: asyncio.Event | None = None  # made when someone waits (see _notify)

    # -- what the test cases use ------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def connected(self) -> bool:
        return self._connection is not None

    @property
    def version(self) -> OcppVersion:
        """The OCPP version of the latest connection (1.6 before any)."""
        return self._endpoint.version

    @property
    def local_address(self) -> tuple[str, int] | None:
        """The bench's (host, port) the station's latest connection reached, kept while
        it is away: the address to write into URLs it is given. None before it connects."""
        return self._local_address

    def mark(self) -> Cursor:
        """A fresh cursor that sees only what arrives from now on."""
        return Cursor(len(self.inbox))

    async def call(self, action: str, payload: dict[str, Any], timeout: float) -> Result:
        """Send a CALL; return its CALLRESULT payload (a ``Result``).

        Raises ``CallErrorReceived``, ``InvalidResult``, ``CallTimeout`` or
        ``NotConnected``; results are matched by unique id only.
        """
        connection = self._connection
        if connection is None:
            raise NotConnected(f"{self.identity} is not connected; cannot send {action}")
        call = self._endpoint.call(action, payload, self._clock.mono(), timeout)
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting[call.unique_id] = future
        entry_id, text = self._journal_out(call)
        await self._writer.persisted()
        try:
            try:
                await connection.send(text)
            except ConnectionClosed as exc:
                raise NotConnected(f"{self.identity} dropped before {action} was sent") from exc
            # CallErrorReceived, InvalidResult and NotConnected come through the future.
            result = await asyncio.wait_for(asyncio.shield(future), timeout)
            result.call_entry_id = entry_id
            return result
        except TimeoutError:
            raise CallTimeout(action, timeout, entry_id) from None
        finally:
            self._waiting.pop(call.unique_id, None)
            self._endpoint.tracker.cancel(call.unique_id)

    async def expect(
        self,
        action: str,
        where: Predicate | None = None,
        timeout: float = 30.0,
        cursor: Cursor | None = None,
    ) -> Message:
        """The first valid ``action`` CALL since ``cursor`` (default: the session's)
        that ``where`` accepts and that this cursor has not consumed yet."""
        cursor = cursor or self.cursor
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self._find(action, where, cursor)
            if found is not None:
                cursor.consumed.add(found.index)
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ExpectTimeout(action, timeout, self.inbox[cursor.start :])
            changed = self._change_event()
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    @property
    def away_for(self) -> float | None:
        """Seconds since the station's connection closed while it is away; None while it
        is connected, or before it ever was."""
        if self._connection is not None or self._closed_at is None:
            return None
        return self._clock.mono() - self._closed_at

    def changes(self) -> asyncio.Event:
        """An event set at the next change (a CALL received, a connection made or
        closed): what a wait kept outside the session sleeps on."""
        return self._change_event()

    def received(self, action: str | None = None, cursor: Cursor | None = None) -> list[Message]:
        """Every CALL since ``cursor`` (default: the session's), of ``action`` if given."""
        start = (cursor or self.cursor).start
        return [m for m in self.inbox[start:] if action is None or m.action == action]

    async def wait_connected(self, timeout: float) -> None:
        await self._wait_for(lambda: self.connected, timeout, "to connect")

    async def wait_new_connection(self, after: int, timeout: float) -> None:
        """Until the station is connected on a connection later than its ``after``-th."""
        await self._wait_for(
            lambda: self.connected and self.connections > after, timeout, "to connect again"
        )

    async def wait_disconnected(self, timeout: float) -> None:
        await self._wait_for(lambda: not self.connected, timeout, "to disconnect")

    async def disconnect(self, code: int = 1001, reason: str = "closed by the bench") -> None:
        connection = self._connection
        if connection is not None:
            await connection.close(code, reason)
            await self.wait_disconnected(10.0)

    # -- what the transport uses ------------------------------------------------

    def attach(
        self, connection: Connection, detail: dict[str, Any], version: OcppVersion = OCPP16
    ) -> None:
        if version is not self._endpoint.version:  # the CALL ids in flight stay tracked
            if self.connections:
                detail = {**detail, "previous_version": self._endpoint.version.name}
            tracker = self._endpoint.tracker
            self._endpoint = Endpoint(
                Role.CENTRAL_SYSTEM, self._new_id, recent_call_ids=RECENT_CALL_IDS, version=version
            )
            self._endpoint.tracker = tracker
        self._connection = connection
        self._local_address = connection.local_address
        self._endpoint.new_connection()
        self.connections += 1
        if self._closed_at is not None:  # a reconnection: how long the station was away
            detail = {**detail, "gap_s": round(self._clock.mono() - self._closed_at, 3)}
        self.connect_detail = {"connection": self.connections, **detail}
        self.connect_entry_id = self._journal_event("connect", self.connect_detail)
        self._notify()

    def detach(
        self, connection: Connection, code: int | None, reason: str, *, replaced: bool = False
    ) -> None:
        """``connection`` ended: the calls waiting for an answer fail (NotConnected). When
        the station ``replaced`` it by a new one, they keep waiting (for their timeout):
        an answer it sent on the old one may be read in the loop step its new upgrade is,
        and is acted on only after that step's journal commit."""
        if self._connection is not connection:
            return
        self._connection = None
        self._closed_at = self._clock.mono()
        self._journal_event(
            "close", {"connection": self.connections, "code": code, "reason": reason}
        )
        if not replaced:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(NotConnected(f"{self.identity} closed the connection"))
        self._notify()

    def receive(self, text: str | bytes) -> None:
        """Handle one WebSocket message from the station (persisted, then acted on).

        A station CALL and the bench's answer are committed in one transaction, and only
        then (in the commit's callback) is the CALL visible to the cases and the answer
        sent: working the answer out is pure, so nothing is acted on before the CALL is
        on disk. Messages are acted on in the order they arrived."""
        binary = isinstance(text, bytes)
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        entry_id = self._writer.append_frame(
            FRAME_IN, self._run_id(), self.identity, None, None, None, raw, binary
        )
        inbound = self._endpoint.receive(text)
        if inbound.kind is InboundKind.CALL or inbound.kind is InboundKind.REJECTED_CALL:
            if self.unanswered >= self.max_pending_calls:
                inbound = self._over_pending_limit(inbound, entry_id)
            self.unanswered += 1
        if inbound.kind is InboundKind.CALL:
            assert isinstance(inbound.frame, Call)
            self._answer(inbound.frame, entry_id, text)
        else:
            self._writer.after_commit(self._received, inbound, entry_id, text)

    def _over_pending_limit(self, inbound: Inbound, entry_id: int) -> Inbound:
        """The CALLERROR for a CALL beyond ``max_pending_calls`` (csms/limits.py)."""
        call = inbound.frame
        assert isinstance(call, Call)
        limit = self.max_pending_calls
        error = PeerProtocolError("GenericError", pending_calls_description(limit), call.unique_id)
        self._journal_event(LIMIT, pending_calls_detail(limit, entry_id, call.unique_id))
        answer = CallError(call.unique_id, error.code, error.description)
        return Inbound(InboundKind.REJECTED_CALL, call, answer=answer, error=error)

    # -- internals ---------------------------------------------------------------

    def _find(self, action: str, where: Predicate | None, cursor: Cursor) -> Message | None:
        for message in self.inbox[cursor.start :]:
            if (
                message.action == action
                and message.valid
                and message.index not in cursor.consumed
                and (where is None or where(message.payload))
            ):
                return message
        return None

    async def _wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NotConnected(
                    f"{self.identity} did not {what.removeprefix('to ')} within {timeout:g} s"
                )
            changed = self._change_event()
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _change_event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _notify(self) -> None:
        # Wake whoever waits, and let the next waiter make a fresh event: a message
        # nobody waits for costs no Event.
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    def _add_message(
        self, call: Call, entry_id: int, violation: str | None, frame: str | bytes
    ) -> Message:
        message = Message(
            len(self.inbox),
            entry_id,
            call.unique_id,
            call.action,
            frame,
            self._clock.mono(),
            self.connections,
            violation is None,
            violation,
        )
        self.inbox.append(message)
        self._notify()
        return self.inbox[-1]

    def _answer(self, call: Call, entry_id: int, frame: str | bytes) -> None:
        payload: dict[str, Any] | None = None
        reply: Frame | None
        try:
            now = self._clock.utc_text()
            payload = self.answers.answer(call.action, call.payload, now, self._endpoint.version)
            reply = self._endpoint.result(call, payload)
        except NoAnswer:  # a case chose silence (answers.NoAnswer): journaled, nothing sent
            reply = None
            self._journal_event("no_answer", {"frame": entry_id, "action": call.action})
        except ErrorAnswer as chosen:  # a case chose a CALLERROR (answers.ErrorAnswer)
            reply = CallError(call.unique_id, chosen.code, chosen.description)
        except Exception as exc:  # the bench's own answer is broken: say so, never crash
            self._journal_event("bench_error", {"frame": entry_id, "error": repr(exc)})
            reply = CallError(call.unique_id, "InternalError", "the bench failed to answer")
        out_id, text = self._journal_out(reply) if reply is not None else (0, None)
        # One commit: the CALL and its answer.
        self._writer.after_commit(self._answered, call, entry_id, frame, payload, out_id, text)

    def _answered(
        self,
        error: Exception | None,
        call: Call,
        entry_id: int,
        frame: str | bytes,
        payload: dict[str, Any] | None,
        out_id: int,
        text: str | None,
    ) -> None:
        self.unanswered -= 1
        if error is not None:
            self._journal_failed(error)
            return
        message = self._add_message(call, entry_id, None, frame)
        if payload is not None:
            self.replies[message.index] = payload
        if text is not None:  # None: the answer is withheld
            self._send_text(out_id, text)

    def _received(
        self, error: Exception | None, inbound: Inbound, entry_id: int, frame: str | bytes
    ) -> None:
        """Act on a committed message that is not a valid CALL."""
        rejected = inbound.kind is InboundKind.REJECTED_CALL
        if error is not None:
            self.unanswered -= rejected
            self._journal_failed(error)
            return
        if rejected:
            self._on_rejected(inbound, entry_id, frame)
        else:
            _ANNOTATORS[inbound.kind](self, inbound, entry_id)
        if inbound.answer is not None:
            out_id, text = self._journal_out(inbound.answer)
            self._writer.after_commit(self._committed_send, out_id, text, rejected)

    def _committed_send(
        self, error: Exception | None, out_id: int, text: str, answers_call: bool = False
    ) -> None:
        self.unanswered -= answers_call
        if error is not None:
            self._journal_failed(error)
        else:
            self._send_text(out_id, text)

    def _journal_failed(self, error: Exception) -> None:
        """The journal could not commit: nothing more may be acted on for this
        station, so its connection is closed (1011) rather than left half-handled."""
        connection = self._connection
        if connection is not None:
            connection.start_close(1011, f"the bench could not journal: {error}"[:120])
        # The bench's own fault, not the station's: the row it happens in is an ERROR.
        asyncio.get_running_loop().call_exception_handler(
            {"message": f"journal commit failed for {self.identity}", "exception": error}
        )

    def _send_text(self, entry_id: int, text: str) -> None:
        """Send a committed frame. If the station has already closed, say so in the
        journal and go on: frames it sent before closing are still to be read (and may
        answer our calls)."""
        connection = self._connection
        if connection is None:
            self._journal_event("send_failed", {"frame": entry_id, "reason": "not connected"})
        elif not connection.send_now(text):
            self._journal_event("send_failed", {"frame": entry_id, "reason": "connection closed"})

    def _journal_out(self, frame: Frame) -> tuple[int, str]:
        """Journal an outgoing frame: its entry id and its text (sent after the commit)."""
        text = encode_frame(frame)
        entry_id = self._writer.append_frame(
            FRAME_OUT,
            self._run_id(),
            self.identity,
            int(frame.message_type),
            frame.unique_id,
            frame.action if isinstance(frame, Call) else None,
            text,
        )
        return entry_id, text

    def _journal_event(self, kind: str, detail: dict[str, Any]) -> int:
        return self._writer.append(
            kind, run_id=self._run_id(), station=self.identity, detail=detail
        )

    def _on_rejected(self, inbound: Inbound, entry_id: int, frame: str | bytes) -> None:
        assert isinstance(inbound.frame, Call)
        self._add_message(inbound.frame, entry_id, str(inbound.error), frame)
        self._journal_event("rejected_call", {"frame": entry_id, "error": str(inbound.error)})

    def _on_bad_frame(self, inbound: Inbound, entry_id: int) -> None:
        self._journal_event("bad_frame", {"frame": entry_id, "error": str(inbound.error)})

    def _on_reply(self, inbound: Inbound, entry_id: int) -> None:
        frame, pending = inbound.frame, inbound.pending
        assert pending is not None
        future = self._waiting.get(pending.call.unique_id)
        if future is None or future.done():
            return
        action = pending.call.action
        if isinstance(frame, CallError):
            future.set_exception(
                CallErrorReceived(
                    action,
                    frame.error_code,
                    frame.error_description,
                    frame.error_details,
                    entry_id,
                )
            )
        elif inbound.kind is InboundKind.INVALID_REPLY:
            assert isinstance(frame, CallResult)
            self._journal_event("invalid_reply", {"frame": entry_id, "error": str(inbound.error)})
            future.set_exception(InvalidResult(action, frame.payload, str(inbound.error), entry_id))
        else:
            assert isinstance(frame, CallResult)
            result = Result(frame.payload)
            result.entry_id = entry_id
            future.set_result(result)

    def _on_unexpected(self, inbound: Inbound, entry_id: int) -> None:
        self._journal_event(inbound.kind.value, {"frame": entry_id, "error": str(inbound.error)})


_ANNOTATORS: dict[InboundKind, Callable[[Session, Inbound, int], None]] = {
    InboundKind.BAD_FRAME: Session._on_bad_frame,
    InboundKind.REPLY: Session._on_reply,
    InboundKind.INVALID_REPLY: Session._on_reply,
    InboundKind.UNEXPECTED_REPLY: Session._on_unexpected,
    InboundKind.LATE_REPLY: Session._on_unexpected,
}

"""One side of an OCPP-J connection, sans I/O: text in -> classified event out.

``Endpoint.receive`` turns one received WebSocket message into an ``Inbound`` that
says what it was and, when the peer broke the rules, the CALLERROR to answer with.
Nothing is dropped: a bad frame, a reply to an unknown id and a late reply each come
out as an event of their own kind so that the caller can journal it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from chargecheck.protocol.errors import (
    ChargecheckError,
    FrameError,
    LateReply,
    LocalProtocolError,
    PeerProtocolError,
    SchemaViolation,
    UnexpectedReply,
)
from chargecheck.protocol.frames import (
    UNKNOWN_UNIQUE_ID,
    Call,
    CallError,
    CallResult,
    Frame,
    decode_frame,
    encode_frame,
)
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.tracker import CallTracker, PendingCall
from chargecheck.protocol.versions import OCPP16, OcppVersion


class Role(Enum):
    """Which side this endpoint plays; it decides which actions the peer may call."""

    CENTRAL_SYSTEM = "central"
    CHARGE_POINT = "station"

    def peer_actions(self, version: OcppVersion = OCPP16) -> frozenset[str]:
        central = self is Role.CENTRAL_SYSTEM
        return version.station_actions if central else version.central_actions

    def own_actions(self, version: OcppVersion = OCPP16) -> frozenset[str]:
        central = self is Role.CENTRAL_SYSTEM
        return version.central_actions if central else version.station_actions


class InboundKind(Enum):
    CALL = "call"  # a valid CALL; the application answers it
    REJECTED_CALL = "rejected_call"  # a CALL answered with ``answer`` (a CALLERROR)
    BAD_FRAME = "bad_frame"  # not an OCPP-J message; answered with ``answer``
    REPLY = "reply"  # a CALLRESULT/CALLERROR for ``pending``, valid
    INVALID_REPLY = "invalid_reply"  # a CALLRESULT for ``pending`` that breaks the schema
    UNEXPECTED_REPLY = "unexpected_reply"  # a reply for an id never used
    LATE_REPLY = "late_reply"  # a reply for a call that already timed out


@dataclass(frozen=True, slots=True)
class Inbound:
    kind: InboundKind
    frame: Frame | None = None
    pending: PendingCall | None = None
    answer: CallError | None = None
    error: ChargecheckError | None = None

    @property
    def answer_text(self) -> str | None:
        return encode_frame(self.answer) if self.answer is not None else None


# How many of the peer's latest CALL unique ids the Central System remembers to find one
# used twice: a peer that repeats an id within this many CALLs on one connection is
# caught, and the memory a connection costs stays bounded however long it lives.
RECENT_CALL_IDS = 1024


def _call_error(
    error: PeerProtocolError, unique_id: str | None, version: OcppVersion = OCPP16
) -> CallError:
    code = version.wire_code(error.code, getattr(error, "kind", None))
    return CallError(unique_id or UNKNOWN_UNIQUE_ID, code, error.description)


def _validate_own(
    action: str, payload: dict[str, Any], *, response: bool, version: OcppVersion
) -> None:
    try:
        validate(action, payload, response=response, version=version)
    except SchemaViolation as exc:
        raise LocalProtocolError(f"refusing to send an invalid {exc.description}") from exc


class Endpoint:
    """Codec + validation + call tracking for one side of one station's link."""

    def __init__(
        self,
        role: Role,
        new_id: Callable[[], str],
        *,
        recent_call_ids: int = 0,
        version: OcppVersion = OCPP16,
    ) -> None:
        """``recent_call_ids``: how many of the peer's latest CALL ids to check new ones
        against (0: none); ``version``: the OCPP version the link was negotiated for."""
        self.role = role
        self.version = version
        self._peer_actions = role.peer_actions(version)
        self._own_actions = role.own_actions(version)
        self.tracker = CallTracker(new_id)
        self._recent = recent_call_ids
        # The peer's recent CALL ids, oldest first (popitem(last=False) is O(1); deleting
        # a plain dict's first key leaves dummies the next lookup of the first one walks).
        self._peer_ids: OrderedDict[str, None] = OrderedDict()

    def new_connection(self) -> None:
        """The peer connected again: its CALL ids need only be new on this connection."""
        self._peer_ids.clear()

    # -- receiving ---------------------------------------------------------------

    def receive(self, text: str | bytes) -> Inbound:
        try:
            frame = decode_frame(text)
        except FrameError as exc:
            answer = _call_error(exc, exc.unique_id, self.version)
            return Inbound(InboundKind.BAD_FRAME, answer=answer, error=exc)
        if isinstance(frame, Call):
            return self._receive_call(frame)
        return self._receive_reply(frame)

    def _receive_call(self, call: Call) -> Inbound:
        error = self._reused_id(call) or self._unknown_action(call)
        if error is None:
            try:
                validate(
                    call.action,
                    call.payload,
                    unique_id=call.unique_id,
                    plain=call.plain,
                    version=self.version,
                )
            except SchemaViolation as exc:
                error = exc
        if error is not None:
            return Inbound(
                InboundKind.REJECTED_CALL,
                call,
                answer=_call_error(error, call.unique_id, self.version),
                error=error,
            )
        return Inbound(InboundKind.CALL, call)

    def _reused_id(self, call: Call) -> PeerProtocolError | None:
        if not self._recent:
            return None
        seen = self._peer_ids
        if call.unique_id in seen:
            # OCPP-J 1.6 section 4.1.3: the UniqueId is what matches an answer to its
            # request, so a sender must not reuse one; no code of section 4.2.3 names
            # this case, so it is "any other error": GenericError.
            return PeerProtocolError(
                "GenericError",
                f"unique id {call.unique_id!r} was already used by a CALL on this connection",
                call.unique_id,
            )
        seen[call.unique_id] = None
        if len(seen) > self._recent:
            seen.popitem(last=False)
        return None

    def _unknown_action(self, call: Call) -> PeerProtocolError | None:
        if call.action in self._peer_actions:
            return None
        # OCPP-J 1.6 4.2.3: NotImplemented "Requested Action is not known by receiver",
        # NotSupported "Requested Action is recognized but not supported".
        if call.action in self._own_actions:
            what = f"{call.action} is not an action the {self.role.name} answers"
            return PeerProtocolError("NotSupported", what, call.unique_id)
        return PeerProtocolError(
            "NotImplemented", f"unknown action {call.action!r}", call.unique_id
        )

    def _receive_reply(self, reply: CallResult | CallError) -> Inbound:
        try:
            pending = self.tracker.resolve(reply)
        except LateReply as exc:
            return Inbound(InboundKind.LATE_REPLY, reply, error=exc)
        except UnexpectedReply as exc:
            return Inbound(InboundKind.UNEXPECTED_REPLY, reply, error=exc)
        if isinstance(reply, CallResult):
            try:
                validate(pending.call.action, reply.payload, response=True, version=self.version)
            except SchemaViolation as exc:
                return Inbound(InboundKind.INVALID_REPLY, reply, pending, error=exc)
        return Inbound(InboundKind.REPLY, reply, pending)

    # -- sending -----------------------------------------------------------------

    def call(self, action: str, payload: dict[str, Any], now: float, timeout: float) -> Call:
        """A new CALL, validated: ``LocalProtocolError`` if this side's payload is bad."""
        _validate_own(action, payload, response=False, version=self.version)
        return self.tracker.new_call(action, payload, now, timeout)

    def result(self, call: Call, payload: dict[str, Any]) -> CallResult:
        """The CALLRESULT answering ``call``, validated against the response schema."""
        _validate_own(call.action, payload, response=True, version=self.version)
        return CallResult(call.unique_id, payload)

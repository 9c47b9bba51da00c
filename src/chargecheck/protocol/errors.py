"""Exceptions of the sans-I/O protocol core.

Every error says who broke the protocol: the peer (``PeerProtocolError`` and its
children, answered on the wire with the OCPP-J error code they carry) or this side
(``LocalProtocolError``, a bug or a bad argument of the bench itself)::

    ChargecheckError
    ├── PeerProtocolError          the peer sent something OCPP-J 1.6 forbids
    │   ├── FrameError             not a valid OCPP-J frame (OCPP-J 1.6 section 4)
    │   └── SchemaViolation        a payload breaks the OCPP 1.6 JSON schema
    ├── UnexpectedReply            a CALLRESULT/CALLERROR matching no pending CALL
    │   └── LateReply              ... that matches a CALL which already timed out
    └── LocalProtocolError         the bench itself tried to break the protocol
"""

from __future__ import annotations

from chargecheck.protocol.versions import ERROR_CODES_16, ERROR_CODES_201

# Every CALLERROR code of the versions spoken (OCPP-J 1.6 section 4.2.3, 2.0.1 part 4
# section 4.3): what the codec lets out; which one a peer gets is its version's choice.
ERROR_CODES = ERROR_CODES_16 | ERROR_CODES_201


class ChargecheckError(Exception):
    """Root of every error chargecheck raises on purpose."""


class PeerProtocolError(ChargecheckError):
    """The peer broke OCPP-J; ``code`` is the CALLERROR code that answers it.

    ``unique_id`` is the id to answer with, or ``None`` when the frame carried no
    usable id (the answer then uses ``"-1"``).
    """

    def __init__(self, code: str, description: str, unique_id: str | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.unique_id = unique_id


class FrameError(PeerProtocolError):
    """Raised by ``decode_frame`` for text that is not a valid OCPP-J message.

    ``kind`` says what a version with finer codes answers it with (``OcppVersion.wire_code``):
    "rpc" for content that is no RPC message at all (not JSON, not an array, no readable
    MessageId or Action), "message_type" for an unknown MessageTypeId, None otherwise."""

    def __init__(
        self, code: str, description: str, unique_id: str | None = None, kind: str | None = None
    ) -> None:
        super().__init__(code, description, unique_id)
        self.kind = kind


class SchemaViolation(PeerProtocolError):
    """Raised by ``validate`` for a payload the OCPP 1.6 JSON schema rejects.

    ``rule`` is the JSON-schema keyword that failed (``required``, ``enum``, ...) and
    ``path`` the dotted path of the offending field.
    """

    def __init__(
        self,
        code: str,
        description: str,
        unique_id: str | None = None,
        *,
        rule: str = "",
        path: str = "",
    ) -> None:
        super().__init__(code, description, unique_id)
        self.rule = rule
        self.path = path


class UnexpectedReply(ChargecheckError):
    """Raised by ``CallTracker.resolve`` for a reply whose unique id is not pending."""

    def __init__(self, unique_id: str) -> None:
        super().__init__(f"reply for unknown unique id {unique_id!r}")
        self.unique_id = unique_id


class LateReply(UnexpectedReply):
    """Raised by ``CallTracker.resolve`` for a reply to a CALL that already timed out."""

    def __init__(self, unique_id: str, action: str) -> None:
        super().__init__(unique_id)
        self.args = (f"late reply to {action} (unique id {unique_id!r}) after its timeout",)
        self.action = action


class LocalProtocolError(ChargecheckError):
    """Raised when the bench itself would send something OCPP 1.6 forbids."""

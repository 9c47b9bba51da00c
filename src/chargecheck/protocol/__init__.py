"""The sans-I/O OCPP-J 1.6 core: codec, schema validation, call tracker, state tables.

Nothing in this package does I/O, reads a clock or imports asyncio: values in,
values out.
"""

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
    MessageType,
    decode_frame,
    encode_frame,
)
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.tracker import CallTracker, PendingCall, counter_ids

__all__ = [
    "UNKNOWN_UNIQUE_ID",
    "Call",
    "CallError",
    "CallResult",
    "CallTracker",
    "ChargecheckError",
    "Frame",
    "FrameError",
    "LateReply",
    "LocalProtocolError",
    "MessageType",
    "PeerProtocolError",
    "PendingCall",
    "SchemaViolation",
    "UnexpectedReply",
    "counter_ids",
    "decode_frame",
    "encode_frame",
    "validate",
]

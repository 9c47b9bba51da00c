"""The OCPP-J 1.6 frame codec: text <-> ``Call`` / ``CallResult`` / ``CallError``.

OCPP-J 1.6 section 4: every message is a JSON array whose first element is the
MessageTypeId (2 CALL, 3 CALLRESULT, 4 CALLERROR) and whose second is the UniqueId,
"a maximum of 36 characters". Decoding never rounds numbers it can avoid rounding and
never rewrites a field name: the payload is the peer's JSON object as parsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Any

import orjson

from chargecheck.protocol.errors import ERROR_CODES, FrameError, LocalProtocolError

MAX_UNIQUE_ID_LENGTH = 36  # OCPP-J 1.6 section 4.1.4
UNKNOWN_UNIQUE_ID = "-1"  # answer id for a frame whose own id could not be read


class MessageType(IntEnum):
    CALL = 2
    CALL_RESULT = 3
    CALL_ERROR = 4


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]
    # True when the payload is known to hold only exact JSON types (dict, list, str,
    # int, float, bool, None), as orjson makes them: schema checks may skip their type gate.
    plain: bool = field(default=False, compare=False, repr=False)

    message_type = MessageType.CALL


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]

    message_type = MessageType.CALL_RESULT


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    error_code: str
    error_description: str = ""
    error_details: dict[str, Any] | None = None

    message_type = MessageType.CALL_ERROR


Frame = Call | CallResult | CallError

_TYPES = {int(t): t for t in MessageType}  # a dict lookup: ``MessageType(n)`` costs ten

# Expected array length per message type (OCPP-J 1.6 sections 4.2.1 - 4.2.3).
_LENGTHS = {MessageType.CALL: 4, MessageType.CALL_RESULT: 3, MessageType.CALL_ERROR: 5}


# A run of 16+ digits may exceed float precision or 64-bit integers, which orjson would
# round. Such text goes to the standard parser, which keeps integers exact and reads
# decimals as ``Decimal``. The run is found by mapping every ASCII digit to "0" and
# anything else to " " (``bytes.translate``) and searching for 16 zeros: a C-speed
# scan, where a regular expression costs more than parsing the frame (~30 us per kB).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 16


def has_long_number(data: bytes) -> bool:
    """True if ``data`` holds a run of 16 or more ASCII digits."""
    return _LONG_RUN in data.translate(_DIGITS_AS_ZEROS)


# An escaped UTF-16 surrogate (``\\ud800``): orjson refuses a lone one, the standard
# parser would accept it and leave a string that cannot be encoded again.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _not_a_json_constant(name: str) -> Any:
    # RFC 8259 section 6: NaN and Infinity are not JSON (Python's parser takes them).
    raise ValueError(f"{name} is not a JSON value")


def _exact_loads(data: bytes) -> Any:
    """The standard parser, exact for numbers and as strict as RFC 8259: UTF-8 only,
    no NaN/Infinity, no lone surrogates."""
    text = data.decode("utf-8")
    if _SURROGATE_ESCAPE.search(data) is not None:
        orjson.loads(data)  # raises for a lone surrogate; pairs pass
    return json.loads(text, parse_float=Decimal, parse_constant=_not_a_json_constant)


def _loads(text: str | bytes) -> tuple[Any, bool]:
    """The parsed JSON, and whether it holds only exact JSON types (orjson parsed it).

    Text orjson cannot read exactly (a run of 16+ digits) or refuses although it is JSON
    (a number beyond a double, such as ``1e400``) is read by the standard parser."""
    data = text.encode() if isinstance(text, str) else text
    try:
        if not has_long_number(data):
            try:
                return orjson.loads(data), True
            except orjson.JSONDecodeError as exc:
                if "infinity" not in str(exc):
                    raise
        return _exact_loads(data), False
    except (ValueError, RecursionError) as exc:
        raise FrameError("FormationViolation", f"not valid JSON: {exc}", kind="rpc") from None


def decode_frame(text: str | bytes) -> Frame:
    """Parse one WebSocket text message into a frame.

    Raises ``FrameError`` whose ``code`` is the CALLERROR code to answer with
    (FormationViolation for a malformed structure, ProtocolError for an incomplete
    or unknown message) and whose ``unique_id`` is set when it could be read.
    """
    message, plain = _loads(text)
    if not isinstance(message, list) or not message:
        raise FrameError(
            "FormationViolation", "an OCPP-J message must be a non-empty JSON array", kind="rpc"
        )
    type_id = message[0]
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise FrameError(
            "FormationViolation", f"MessageTypeId must be an integer, got {type_id!r}", kind="rpc"
        )
    unique_id = _read_unique_id(message)
    message_type = _TYPES.get(type_id)
    if message_type is None:
        raise FrameError(
            "ProtocolError",
            f"unknown MessageTypeId {type_id} (2, 3 or 4 expected)",
            unique_id,
            kind="message_type",
        )
    expected = _LENGTHS[message_type]
    if len(message) != expected:
        raise FrameError(
            "ProtocolError",
            f"{message_type.name} must have {expected} elements, got {len(message)}",
            unique_id,
            kind="rpc",
        )
    if unique_id is None:
        raise FrameError(
            "FormationViolation",
            f"UniqueId must be a string of 1 to {MAX_UNIQUE_ID_LENGTH} characters, "
            f"got {message[1]!r}",
            kind="rpc",
        )
    if message_type is MessageType.CALL:
        return _decode_call(message, unique_id, plain)
    if message_type is MessageType.CALL_RESULT:
        return CallResult(unique_id, _payload(message[2], "CALLRESULT payload", unique_id))
    return _decode_call_error(message, unique_id)


def _read_unique_id(message: list[Any]) -> str | None:
    if len(message) < 2:
        return None
    value = message[1]
    if isinstance(value, str) and 0 < len(value) <= MAX_UNIQUE_ID_LENGTH:
        return value
    return None


def _payload(value: Any, what: str, unique_id: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FrameError(
            "FormationViolation",
            f"{what} must be a JSON object, got {type(value).__name__}",
            unique_id,
        )
    return value


def _decode_call(message: list[Any], unique_id: str, plain: bool) -> Call:
    action = message[2]
    if not isinstance(action, str) or not action:
        raise FrameError(
            "FormationViolation", f"Action must be a string, got {action!r}", unique_id, kind="rpc"
        )
    return Call(unique_id, action, _payload(message[3], f"{action} payload", unique_id), plain)


def _decode_call_error(message: list[Any], unique_id: str) -> CallError:
    _, _, code, description, details = message
    if not isinstance(code, str) or not isinstance(description, str):
        raise FrameError(
            "FormationViolation",
            "CALLERROR errorCode and errorDescription must be strings",
            unique_id,
        )
    return CallError(unique_id, code, description, _payload(details, "errorDetails", unique_id))


def encode_frame(frame: Frame) -> str:
    """Serialise a frame to the text of one WebSocket message.

    Raises ``LocalProtocolError`` for a frame the bench must never send (an id of
    more than 36 characters, a CALLERROR code that OCPP-J does not define).
    """
    if not 0 < len(frame.unique_id) <= MAX_UNIQUE_ID_LENGTH and frame.unique_id != "-1":
        raise LocalProtocolError(f"unique id {frame.unique_id!r} is not 1 to 36 characters")
    message: list[Any]
    if isinstance(frame, Call):
        message = [2, frame.unique_id, frame.action, frame.payload]
    elif isinstance(frame, CallResult):
        message = [3, frame.unique_id, frame.payload]
    else:
        if frame.error_code not in ERROR_CODES:
            raise LocalProtocolError(f"{frame.error_code!r} is not an OCPP-J error code")
        details = frame.error_details if frame.error_details is not None else {}
        message = [4, frame.unique_id, frame.error_code, frame.error_description, details]
    try:
        return orjson.dumps(message).decode()
    except TypeError:
        # Integers beyond 64 bits or Decimals: written digit for digit.
        return _exact_json(message)


def _exact_json(value: Any) -> str:
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}:{_exact_json(v)}" for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)

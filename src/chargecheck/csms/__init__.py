"""The Central System: WebSocket server and one ``Session`` per station."""

from chargecheck.csms.answers import Answers
from chargecheck.csms.errors import (
    CallErrorReceived,
    CallTimeout,
    ExpectTimeout,
    InvalidResult,
    NotConnected,
    SessionError,
)
from chargecheck.csms.server import CentralSystem, ServerSettings
from chargecheck.csms.session import Cursor, Message, Result, Session

__all__ = [
    "Answers",
    "CallErrorReceived",
    "CallTimeout",
    "CentralSystem",
    "Cursor",
    "ExpectTimeout",
    "InvalidResult",
    "Message",
    "NotConnected",
    "Result",
    "ServerSettings",
    "Session",
    "SessionError",
]

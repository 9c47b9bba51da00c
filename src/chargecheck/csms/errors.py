"""Errors a ``Session`` raises to the test cases that drive it::

ChargecheckError
└── SessionError                 something a station did (or did not do) in time
    ├── CallErrorReceived        the station answered our CALL with a CALLERROR
    ├── InvalidResult            the station's CALLRESULT breaks the 1.6 schema
    ├── CallTimeout              no answer to our CALL within the timeout
    ├── ExpectTimeout            no matching CALL from the station in time
    └── NotConnected             the station is not connected (or dropped mid-call)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chargecheck.protocol.errors import ChargecheckError

if TYPE_CHECKING:
    from chargecheck.csms.session import Message


class SessionError(ChargecheckError):
    """The station did not behave as a case required; the case decides the verdict."""


class CallErrorReceived(SessionError):
    def __init__(self, action: str, code: str, description: str, details: Any, entry_id: int):
        super().__init__(f"{action} answered with CALLERROR {code}: {description}")
        self.action = action
        self.code = code
        self.description = description
        self.details = details
        self.entry_id = entry_id


class InvalidResult(SessionError):
    def __init__(self, action: str, payload: dict[str, Any], violation: str, entry_id: int):
        super().__init__(f"{action} result breaks the OCPP 1.6 schema: {violation}")
        self.action = action
        self.payload = payload
        self.violation = violation
        self.entry_id = entry_id


class CallTimeout(SessionError):
    def __init__(self, action: str, timeout: float, entry_id: int):
        super().__init__(f"no answer to {action} within {timeout:g} s")
        self.action = action
        self.timeout = timeout
        self.entry_id = entry_id


class ExpectTimeout(SessionError):
    """Carries ``arrived``: every CALL the station sent since the cursor."""

    def __init__(self, action: str, timeout: float, arrived: list[Message]):
        seen = ", ".join(m.action for m in arrived[-10:]) or "nothing"
        super().__init__(f"no matching {action} within {timeout:g} s (received: {seen})")
        self.action = action
        self.timeout = timeout
        self.arrived = arrived


class NotConnected(SessionError):
    pass

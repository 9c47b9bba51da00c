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

    @property
    def evidence(self) -> tuple[int, ...]:
        """The journal ids that show what happened (``entry_id``, where the error has
        one; none: nothing was received)."""
        entry_id = getattr(self, "entry_id", None)
        return (entry_id,) if entry_id else ()


class CallErrorReceived(SessionError):
    def __init__(self, action: str, code: str, description: str, details: Any, entry_id: int):
        said = f": {description}" if description.strip() else ""  # the description is optional
        super().__init__(f"{action} answered with CALLERROR {code}{said}")
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
    """Carries ``arrived``: every CALL the station sent since the cursor. The message
    names the last few, each with the fields a wait looks at, and ``evidence`` holds
    their journal ids: what came instead is what shows the station's behaviour."""

    SHOWN = 4  # arrivals named in the message (the last ones)

    def __init__(self, action: str, timeout: float, arrived: list[Message]):
        shown = arrived[-self.SHOWN :]
        seen = ", ".join(map(arrival_text, shown)) or "nothing"
        if len(arrived) > len(shown):
            seen = f"{len(arrived)} messages, the last {len(shown)}: {seen}"
        super().__init__(f"no matching {action} within {timeout:g} s (received: {seen})")
        self.action = action
        self.timeout = timeout
        self.arrived = arrived
        self.entry_ids = tuple(m.entry_id for m in shown)
        # The last of them, for the callers that cite one id (``getattr(exc, "entry_id")``).
        self.entry_id: int | None = self.entry_ids[-1] if shown else None

    @property
    def evidence(self) -> tuple[int, ...]:
        return self.entry_ids


def arrival_text(message: Message) -> str:
    """``StatusNotification connector 1 Finishing``: a CALL's action and the fields a
    wait's predicate looks at (connector, status, error code, transaction, idTag)."""
    try:
        payload = message.payload
    except Exception:  # an undecodable frame: its action is all there is to say
        return message.action
    parts = [message.action]
    if "connectorId" in payload:
        parts.append(f"connector {payload['connectorId']}")
    if "status" in payload:
        parts.append(str(payload["status"]))
    if payload.get("errorCode") not in (None, "NoError"):
        parts.append(str(payload["errorCode"]))
    if "transactionId" in payload:
        parts.append(f"transaction {payload['transactionId']}")
    if "idTag" in payload:
        parts.append(f"idTag {payload['idTag']}")
    if not message.valid:
        parts.append("(breaks the schema)")
    return " ".join(parts)


class NotConnected(SessionError):
    pass

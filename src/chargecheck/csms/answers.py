"""How the Central System answers the station's own CALLs: a table of defaults that
a run configures and a test case can override for its duration.

Pure: ``answer`` takes the call, the current UTC time text and the OCPP version the
station speaks, and returns the CALLRESULT payload; nothing here touches a socket. The
settings serve both versions; the 2.0.1 defaults are in ``answers201``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chargecheck.csms.answers201 import DEFAULTS_201
from chargecheck.protocol.versions import OCPP16, OCPP201, OcppVersion

Payload = dict[str, Any]
Override = Callable[[Payload], Payload]


class NoAnswer(Exception):
    """Raised by an override: the bench sends nothing back to this CALL (OCPP 2.0.1 E13:
    a CSMS that does not reply within the station's MessageTimeout)."""


class ErrorAnswer(Exception):
    """Raised by an override: the bench answers this CALL with a CALLERROR ``code``
    (OCPP 2.0.1 E13: a transaction message the CSMS failed to process)."""

    def __init__(self, code: str = "InternalError", description: str = "") -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description


@dataclass
class Answers:
    """Answers to station-initiated calls (OCPP 1.6 chapter 4; OCPP 2.0.1 part 2 through
    ``answers201``), per run."""

    boot_status: str = "Accepted"  # Accepted / Pending / Rejected (section 4.2)
    heartbeat_interval: int = 3600
    id_tags: dict[str, str] = field(default_factory=dict)  # idTag -> AuthorizationStatus
    parents: dict[str, str] = field(default_factory=dict)  # idTag -> its parentIdTag (7.14)
    default_id_status: str = "Accepted"
    first_transaction_id: int = 1
    data_transfer_status: str = "UnknownVendorId"  # section 4.3: no vendor extension here
    _overrides: dict[str, list[Override]] = field(default_factory=dict, repr=False)
    _transaction_ids: Iterator[int] | None = field(default=None, repr=False)

    def id_tag_info(self, id_tag: str) -> Payload:
        info: Payload = {"status": self.id_tags.get(id_tag, self.default_id_status)}
        if id_tag in self.parents:
            info["parentIdTag"] = self.parents[id_tag]
        return info

    def next_transaction_id(self) -> int:
        """Unique and increasing for the lifetime of these answers."""
        if self._transaction_ids is None:
            self._transaction_ids = itertools.count(self.first_transaction_id)
        return next(self._transaction_ids)

    def answer(
        self, action: str, payload: Payload, now_text: str, version: OcppVersion = OCPP16
    ) -> Payload:
        stack = self._overrides.get(action)
        if stack:
            return stack[-1](payload)
        build = _DEFAULTS_BY_VERSION[version].get(action)
        return build(self, payload, now_text) if build else {}

    @contextmanager
    def override(self, action: str, build: Override) -> Iterator[None]:
        """Answer ``action`` with ``build(payload)`` inside the ``with`` block (whatever
        version the station speaks: the payload is checked against its schema); a
        ``build`` that raises ``NoAnswer`` leaves the CALL unanswered, one that raises
        ``ErrorAnswer`` answers it with that CALLERROR."""
        stack = self._overrides.setdefault(action, [])
        stack.append(build)
        try:
            yield
        finally:
            stack.remove(build)


def _boot(a: Answers, _: Payload, now: str) -> Payload:
    return {"status": a.boot_status, "currentTime": now, "interval": a.heartbeat_interval}


def _start(a: Answers, p: Payload, _: str) -> Payload:
    return {"transactionId": a.next_transaction_id(), "idTagInfo": a.id_tag_info(p["idTag"])}


def _stop(a: Answers, p: Payload, _: str) -> Payload:
    return {"idTagInfo": a.id_tag_info(p["idTag"])} if "idTag" in p else {}


_DEFAULTS: dict[str, Callable[[Answers, Payload, str], Payload]] = {
    "BootNotification": _boot,
    "Heartbeat": lambda a, p, now: {"currentTime": now},
    "Authorize": lambda a, p, now: {"idTagInfo": a.id_tag_info(p["idTag"])},
    "StartTransaction": _start,
    "StopTransaction": _stop,
    "DataTransfer": lambda a, p, now: {"status": a.data_transfer_status},
    "SignCertificate": lambda a, p, now: {"status": "Rejected"},
    # StatusNotification, MeterValues, *StatusNotification, SecurityEventNotification: {}
}

_DEFAULTS_BY_VERSION = {OCPP16: _DEFAULTS, OCPP201: DEFAULTS_201}

"""A 2.0.1 station model joined to an in-memory CSMS: the station time is a number, the
CSMS answers the station's CALLs from a table, a test sends the CSMS's CALLs by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chargecheck.protocol.frames import Call, CallError, CallResult, decode_frame, encode_frame
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.versions import OCPP201
from chargecheck.sim.actions import Reboot, SendFrame
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore
from chargecheck.sim.v201.core import Physical, Station201Settings
from chargecheck.sim.v201.station import Station201

EPOCH = datetime(2030, 1, 1, tzinfo=UTC)


class Pair:
    """``station`` and the CSMS it talks to; ``calls`` are the station's CALLs in order."""

    def __init__(self, path: Path, *, boot: str = "Accepted", interval: int = 300, **kw: Any):
        self.t = 0.0
        self.path = path
        self.settings = Station201Settings("CS1", **kw)
        self.store = StationStore(path)
        self.boot_status = boot
        self.interval = interval
        self.calls: list[Call] = []
        self.results: list[CallResult | CallError] = []  # answers to our CALLs
        self.reboots: list[Reboot] = []
        self.answer_calls = True  # the CSMS answers the station's CALLs
        self.authorize_status = "Accepted"
        self.transaction_token_status: str | None = None
        self.physical: Physical = {}
        self.station = self._power_on()
        self._n = 0

    def _power_on(self) -> Station201:
        station = Station201(self.settings, self.store, self.now, physical=self.physical)
        self.physical = station.physical
        return station

    @property
    def now(self) -> Now:
        return Now(self.t, EPOCH + timedelta(seconds=self.t))

    # -- driving -------------------------------------------------------------------------

    def connect(self) -> None:
        self.station.connected(self.now)
        self.flush()

    def disconnect(self) -> None:
        self.station.disconnected(self.now)
        self.flush()

    def act(self, name: str, *args: Any) -> None:
        self.station.step(self.now, getattr(self.station, name), *args)
        self.flush()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of station time pass, firing every timer on the way."""
        end = self.t + seconds
        while True:
            due = self.station.next_deadline()
            if due is None or due > end:
                break
            self.t = max(self.t, due)
            self.station.on_time(self.now)
            self.flush()
            if self.reboots:
                break
        self.t = end

    def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any] | CallError:
        """The CSMS sends a CALL; its answer (a payload, or the CALLERROR)."""
        validate(action, payload, version=OCPP201)
        self._n += 1
        unique_id = f"csms-{self._n}"
        self.station.receive(encode_frame(Call(unique_id, action, payload)), self.now)
        answer = self.flush(unique_id)
        assert answer is not None, f"no answer to {action}"
        if isinstance(answer, CallResult):
            validate(action, answer.payload, response=True, version=OCPP201)
            return answer.payload
        return answer

    def flush(self, wanted: str | None = None) -> CallResult | CallError | None:
        """Deliver what the station sent: answer its CALLs (``answer_calls``); the reply
        to the CSMS's CALL ``wanted``, if it came."""
        found = None
        while True:
            actions = self.station.take_actions()
            if not actions:
                return found
            for action in actions:
                if isinstance(action, Reboot):
                    self.reboots.append(action)
                    continue
                assert isinstance(action, SendFrame)
                frame = decode_frame(action.text)
                if isinstance(frame, Call):
                    validate(frame.action, frame.payload, version=OCPP201)
                    self.calls.append(frame)
                    if self.answer_calls:
                        self._answer(frame)
                elif frame.unique_id == wanted:
                    found = frame

    def _answer(self, call: Call) -> None:
        payload = self._payload(call)
        validate(call.action, payload, response=True, version=OCPP201)
        text = encode_frame(CallResult(call.unique_id, payload))
        self.station.receive(text, self.now)

    def _payload(self, call: Call) -> dict[str, Any]:
        now = self.now.text
        if call.action == "BootNotification":
            return {"currentTime": now, "interval": self.interval, "status": self.boot_status}
        if call.action == "Heartbeat":
            return {"currentTime": now}
        if call.action == "Authorize":
            return {"idTokenInfo": {"status": self.authorize_status}}
        if call.action == "TransactionEvent" and self.transaction_token_status:
            return {"idTokenInfo": {"status": self.transaction_token_status}}
        return {}

    def reboot(self) -> None:
        """Perform the reboot the station asked for: a new model from the same disk."""
        assert self.reboots, "the station asked for no reboot"
        self.reboots.clear()
        self.station.disconnected(self.now)
        self.station.take_actions()
        self.station = self._power_on()

    # -- reading -------------------------------------------------------------------------

    def of(self, action: str, start: int = 0) -> list[dict[str, Any]]:
        return [c.payload for c in self.calls[start:] if c.action == action]

    def events(self, start: int = 0) -> list[dict[str, Any]]:
        return self.of("TransactionEvent", start)

    def mark(self) -> int:
        return len(self.calls)

    def dump(self) -> str:
        return "\n".join(f"{c.action} {json.dumps(c.payload)}" for c in self.calls)

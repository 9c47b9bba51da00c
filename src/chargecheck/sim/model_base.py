"""What the 1.6 station model (``chargecheck.sim.core.StationCore`` and up) and the 2.0.1
one (``chargecheck.sim.v201.core.StationCore201`` and up) do alike: the inputs a shell
gives them, the outputs it takes, their timers and their log. Sans I/O: every input
carries the station time (``Now``); the only thing touched besides memory is the
``StationStore``.

Each version keeps what differs: what happens on connecting, on a frame, on each timer,
after every input (``_settle``), and how a CALL's outcome is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from chargecheck.protocol.endpoint import Endpoint, Inbound, InboundKind
from chargecheck.protocol.errors import PeerProtocolError
from chargecheck.protocol.frames import Call, CallError, encode_frame
from chargecheck.sim.actions import Action
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore

# A handler's answer to a CALL: the CALLRESULT payload, and what follows once it is sent.
Answer = tuple[dict[str, Any], Callable[[], None] | None]


class LinkOfModel(Protocol):
    """What the common model needs of its version's OCPP-J link."""

    @property
    def online(self) -> bool: ...

    def next_deadline(self) -> float | None: ...
    def submit(self, action: str, payload: dict[str, Any]) -> None: ...
    def reply(self, inbound: Inbound, now: float) -> Any: ...
    def expire(self, now: float) -> list[Any]: ...


L = TypeVar("L", bound=LinkOfModel)


class ModelBase(Generic[L]):
    link: L
    endpoint: Endpoint

    def __init__(self, store: StationStore, now: Now) -> None:
        self.store = store
        self.now = now
        self.actions: list[Action] = []
        self.timers: dict[str, float] = {}  # name -> station mono when due

    # -- what differs -------------------------------------------------------------------

    def _settle(self) -> None:
        """After every input: statuses, the next CALL, a reboot that became due."""
        raise NotImplementedError

    def _connected(self) -> None:
        raise NotImplementedError

    def _disconnected(self) -> None:
        raise NotImplementedError

    def _handler(self, action: str) -> Callable[[dict[str, Any]], Answer] | None:
        """The handler of a CALL ``action`` (the version's HANDLERS table), bound to this
        station; None if the station does not support it."""
        raise NotImplementedError

    def _boot_result(self, outcome: Any) -> None:
        """How the BootNotification ended (the version's ``link.Outcome``)."""
        raise NotImplementedError

    def _call_ended(self, outcome: Any) -> None:
        """How another CALL of the station's own ended (the version's ``link.Outcome``)."""
        raise NotImplementedError

    def _timer_handlers(self) -> dict[str, Callable[[str], None]]:
        """Timer kind (the name before ":") -> what is done when it is due, given the
        rest of the name."""
        raise NotImplementedError

    def _send_text(self, text: str) -> None:
        raise NotImplementedError

    @property
    def may_report(self) -> bool:
        """May the station send a CALL of its own now (online, its boot Accepted)?"""
        raise NotImplementedError

    def schedule_heartbeat(self) -> None:
        raise NotImplementedError

    def invalid_message(self, inbound: Inbound) -> None:
        """A frame refused, or an answer breaking its schema (the 1.6 security extension
        records it as a security event); nothing by default."""

    # -- inputs -------------------------------------------------------------------------

    def step(self, now: Now, change: Callable[..., None], *args: Any) -> None:
        """Apply one input (a bound method of this station) at ``now``."""
        self.now = now
        change(*args)
        self._settle()

    def connected(self, now: Now) -> None:
        self.step(now, self._connected)

    def disconnected(self, now: Now) -> None:
        self.step(now, self._disconnected)

    def receive(self, text: str | bytes, now: Now) -> None:
        self.step(now, self._receive, text)

    def on_time(self, now: Now) -> None:
        self.step(now, self._on_time)

    # -- outputs ------------------------------------------------------------------------

    def take_actions(self) -> list[Action]:
        actions, self.actions = self.actions, []
        return actions

    def next_deadline(self) -> float | None:
        candidates = list(self.timers.values())
        link = self.link.next_deadline()
        if link is not None:
            candidates.append(link)
        return min(candidates, default=None)

    # -- frames in ----------------------------------------------------------------------

    def _receive(self, text: str | bytes) -> None:
        self.log(f"<- {text if isinstance(text, str) else text.decode('utf-8', 'replace')}")
        inbound = self.endpoint.receive(text)
        if inbound.kind is InboundKind.CALL:
            assert isinstance(inbound.frame, Call)
            self._answer(inbound.frame)
        elif inbound.answer_text is not None:
            self.log(f"refused: {inbound.error}")
            self._send_text(inbound.answer_text)
            self.invalid_message(inbound)
        elif inbound.kind in (InboundKind.REPLY, InboundKind.INVALID_REPLY):
            self.invalid_message(inbound)
            outcome = self.link.reply(inbound, self.now.mono)
            if outcome is not None:
                self._outcome(outcome)
        else:
            self.log(f"ignored {inbound.kind.value}: {inbound.error}")

    def _answer(self, call: Call) -> None:
        handler = self._handler(call.action)
        if handler is None:
            error = CallError(call.unique_id, "NotSupported", f"{call.action} is not supported")
            self._send_text(encode_frame(error))
            return
        try:
            payload, then = handler(call.payload)
        except PeerProtocolError as exc:
            self._send_text(encode_frame(CallError(call.unique_id, exc.code, exc.description)))
            return
        self._send_answer(call, encode_frame(self.endpoint.result(call, payload)), then)

    def _send_answer(self, call: Call, text: str, then: Callable[[], None] | None) -> None:
        """Send ``text``, the answer to ``call``, then do what it causes (``then``)."""
        self._send_text(text)
        if then is not None:
            then()

    def _outcome(self, outcome: Any) -> None:
        item = outcome.item
        if outcome.failure is not None:
            self.log(f"{item.action} failed: {outcome.failure}")
        if item.action == "BootNotification":
            self._boot_result(outcome)
        else:
            self._call_ended(outcome)

    # -- timers -------------------------------------------------------------------------

    def _on_time(self) -> None:
        for outcome in self.link.expire(self.now.mono):
            self._outcome(outcome)
        due = sorted((at, name) for name, at in self.timers.items() if at <= self.now.mono)
        handlers = self._timer_handlers()
        for at, name in due:
            if self.timers.get(name) != at:
                continue  # cancelled or moved by an earlier handler
            del self.timers[name]
            kind, _, arg = name.partition(":")
            handlers[kind](arg)

    def _heartbeat(self) -> None:
        if self.may_report:
            self.link.submit("Heartbeat", {})
        self.schedule_heartbeat()

    def set_timer(self, name: str, seconds: float) -> None:
        self.timers[name] = self.now.mono + max(0.0, seconds)

    def cancel_timer(self, name: str) -> None:
        self.timers.pop(name, None)

    # -- the log ------------------------------------------------------------------------

    def log(self, text: str) -> None:
        self.store.log(self.now.text, text[:2000])

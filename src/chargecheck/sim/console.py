"""The console of ``chargecheck simulate`` with one station: a person types the control
interface's actions as verbs in the terminal, and sees every OCPP frame go by (an OCPP
2.0.1 station has the verbs of the acts it has, ``VERBS_201``, on its EVSEs)::

    sim> plug 1
    -> StatusNotification {"connectorId":1,"errorCode":"NoError","status":"Preparing",...}
    CP001 online, booted | 0 Available | 1 Preparing | 2 Available
    <- StatusNotification.conf {}
    sim> bogus
    unknown verb 'bogus'; valid: plug, unplug, card, fault, clear, evmax, offline, ...

The pieces that decide are pure and tested by plain calls: ``parse_line`` (a line to the
control request it means, or ``BadCommand`` carrying the one line to show), ``FrameLog``
(a frame to its line) and ``complete`` (what tab offers). ``Console`` is the I/O: every
verb runs through ``chargecheck.sim.control.perform``, exactly as the HTTP request would.

Why a thread: ``input()`` blocks, and readline must own the terminal to complete on tab.
The thread only reads and hands each line to the loop (``call_soon_threadsafe``); it reads
the next one only once the loop is done with the last, so the prompt follows the answer.
It is a daemon thread because a blocked read cannot be interrupted: at exit it is
abandoned, and the terminal settings readline may hold are restored.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from chargecheck.protocol.errors import FrameError
from chargecheck.protocol.frames import Call, CallResult, decode_frame
from chargecheck.sim.connector import ERROR_CODES
from chargecheck.sim.control import ControlError, Payload, Station, perform
from chargecheck.sim.simulator import Simulator

PROMPT = "sim> "
PAYLOAD_WIDTH = 100  # characters of a frame's payload shown on its line
PENDING_MAX = 1000  # unanswered calls remembered to name their answers


class BadCommand(Exception):
    """A line the console cannot run; ``str()`` is the one line to show."""


@dataclass(frozen=True, slots=True)
class Arg:
    name: str  # as the usage line shows it
    key: str  # the control request's body field
    read: Callable[[str], Any]  # raises ValueError on a bad word
    optional: bool = False
    rest: bool = False  # takes the rest of the line, spaces and all


def _connector(word: str) -> int:
    if not (word.isascii() and word.isdigit()):
        raise ValueError(f"{word!r} is not a connector number (0 for the station, 1, 2 ...)")
    return int(word)


def _number(what: str, *, zero: bool) -> Callable[[str], float]:
    def read(word: str) -> float:
        try:
            value = float(word)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (value > 0 or (zero and value == 0))):
            sign = "zero or more" if zero else "more than zero"
            raise ValueError(f"{word!r} is not a number of {what} ({sign})")
        return value

    return read


def _evse(word: str) -> int:
    if not (word.isascii() and word.isdigit() and int(word) > 0):
        raise ValueError(f"{word!r} is not an EVSE number (1, 2 ...)")
    return int(word)


CONNECTOR = Arg("CONNECTOR", "connector", _connector)
EVSE = Arg("EVSE", "connector", _evse)  # the control's connector is a 2.0.1 station's EVSE
ID_TOKEN = Arg("IDTOKEN", "idTag", str)
ID_TAG = Arg("IDTAG", "idTag", str)
CODE = Arg("CODE", "errorCode", str)
INFO = Arg("INFO", "info", str, optional=True, rest=True)
AMPS = Arg("AMPS", "amps", _number("amperes", zero=True))
SECONDS = Arg("SECONDS", "seconds", _number("seconds", zero=False), optional=True)


def _profile(word: str) -> int:
    if word not in ("0", "1", "2", "3"):
        raise ValueError(f"{word!r} is not a SecurityProfile (0, 1, 2 or 3)")
    return int(word)


PROFILE = Arg("PROFILE", "profile", _profile)


@dataclass(frozen=True, slots=True)
class Verb:
    name: str
    args: tuple[Arg, ...]
    example: str
    help: str
    path: str | None = None  # the control request; None: the console's own
    method: str = "POST"

    @property
    def usage(self) -> str:
        words = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return " ".join([self.name, *words])


VERBS = (
    Verb("plug", (CONNECTOR,), "plug 1", "plug a car into the connector", "/plug"),
    Verb("unplug", (CONNECTOR,), "unplug 1", "take the car out", "/unplug"),
    Verb(
        "card",
        (CONNECTOR, ID_TAG),
        "card 1 04A2B3C4",
        "present an id tag: Authorize, then start (or stop the same tag's charge)",
        "/present_id_tag",
    ),
    Verb(
        "fault",
        (CONNECTOR, CODE, INFO),
        "fault 0 OverVoltage 253 V",
        "a ChargePointErrorCode on the connector (0: the station), tab lists them",
        "/inject_fault",
    ),
    Verb("clear", (CONNECTOR,), "clear 0", "clear the connector's fault", "/clear_fault"),
    Verb(
        "evmax",
        (CONNECTOR, AMPS),
        "evmax 1 0",
        "the most the car draws (0: it pauses, SuspendedEV)",
        "/ev_max_current",
    ),
    Verb(
        "offline",
        (SECONDS,),
        "offline 30",
        "pull the network cable (back by itself after SECONDS station seconds)",
        "/go_offline",
    ),
    Verb("online", (), "online", "plug the network cable back", "/go_online"),
    Verb("reboot", (), "reboot", "restart the software, as a Soft Reset", "/reboot"),
    Verb("powercut", (), "powercut", "cut the mains: memory lost, disk kept", "/power_cycle"),
    Verb(
        "lockfail",
        (CONNECTOR,),
        "lockfail 1",
        "jam the cable lock of the connector",
        "/lock_failure",
    ),
    Verb(
        "lockok", (CONNECTOR,), "lockok 1", "let the cable lock move again", "/clear_lock_failure"
    ),
    Verb(
        "secprofile",
        (PROFILE,),
        "secprofile 1",
        "set SecurityProfile locally (0..3, a lower one too) and connect again",
        "/security_profile",
    ),
    Verb(
        "listfail",
        (),
        "listfail",
        "the station cannot store a Local Authorization List",
        "/local_list_failure",
    ),
    Verb("listok", (), "listok", "it can store one again", "/clear_local_list_failure"),
    Verb("status", (), "status", "the station and its connectors", "/stations", "GET"),
    Verb("help", (), "help", "this list"),
    Verb("quit", (), "quit", "stop the station and leave"),
)
VERB_BY_NAME = {verb.name: verb for verb in VERBS}
# The verbs of an OCPP 2.0.1 station (chargecheck.sim.v201): the acts it has, on an EVSE.
VERBS_201 = (
    Verb("plug", (EVSE,), "plug 1", "plug a car into the EVSE", "/plug"),
    Verb("unplug", (EVSE,), "unplug 1", "take the car out", "/unplug"),
    Verb(
        "card",
        (EVSE, ID_TOKEN),
        "card 1 04A2B3C4",
        "present an IdToken: Authorize, then start (or stop the same token's charge)",
        "/present_id_tag",
    ),
    Verb(
        "evmax",
        (EVSE, AMPS),
        "evmax 1 0",
        "0: the car pauses (SuspendedEV); more: it draws again",
        "/ev_max_current",
    ),
    VERB_BY_NAME["offline"],
    VERB_BY_NAME["online"],
    Verb(
        "reboot", (), "reboot", "restart by itself: transactions end, boot (LocalReset)", "/reboot"
    ),
    Verb("status", (), "status", "the station and its EVSEs", "/stations", "GET"),
    VERB_BY_NAME["help"],
    VERB_BY_NAME["quit"],
)


@dataclass(frozen=True, slots=True)
class Request:
    """A control request, as ``chargecheck.sim.control.perform`` takes it."""

    method: str
    path: str
    body: Payload = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Local:
    """One of the console's own verbs: help, quit."""

    verb: str


def parse_line(line: str, verbs: tuple[Verb, ...] = VERBS) -> Request | Local | None:
    """The request a console line means (None for an empty line); ``BadCommand`` with
    the one line that says what is valid."""
    words = line.split()
    if not words:
        return None
    by_name = {verb.name: verb for verb in verbs}
    verb = by_name.get(words[0].lower())
    if verb is None:
        raise BadCommand(f"unknown verb {words[0]!r}; valid: {', '.join(by_name)}")
    given = words[1:]
    required = sum(not a.optional for a in verb.args)
    takes_rest = any(a.rest for a in verb.args)
    if len(given) < required or (len(given) > len(verb.args) and not takes_rest):
        raise BadCommand(f"usage: {verb.usage}, like: {verb.example}")
    body: Payload = {}
    for index, arg in enumerate(verb.args):
        if index >= len(given):
            break
        word = " ".join(given[index:]) if arg.rest else given[index]
        try:
            body[arg.key] = arg.read(word)
        except ValueError as exc:
            raise BadCommand(f"{exc}; usage: {verb.usage}, like: {verb.example}") from None
    if verb.path is None:
        return Local(verb.name)
    return Request(verb.method, verb.path, body)


def help_lines(verbs: tuple[Verb, ...] = VERBS) -> list[str]:
    width = max(len(verb.usage) for verb in verbs)
    return [f"  {verb.usage:<{width}}  {verb.help}" for verb in verbs]


def complete(before_cursor: str, verbs: tuple[Verb, ...] = VERBS) -> list[str]:
    """What tab offers for the word under the cursor: the verbs, or the error codes as
    the third word of ``fault``."""
    words = before_cursor.split()
    if not before_cursor or before_cursor[-1].isspace():
        words.append("")
    current = words[-1]
    if len(words) == 1:
        choices: list[str] = [verb.name for verb in verbs]
    elif len(words) == 3 and words[0].lower() == "fault" and VERB_BY_NAME["fault"] in verbs:
        choices = sorted(ERROR_CODES)
    else:
        return []
    return [choice for choice in choices if choice.startswith(current)]


def describe_state(answer: Payload) -> str:
    """One line per station of a control answer: its link and its connectors (an OCPP
    2.0.1 station: its EVSEs)."""
    states = answer.get("stations", [answer])
    lines = []
    for state in states:
        link = "online" if state["connected"] else "offline"
        booted = ", booted" if state["booted"] else ""
        parts = [f"{state['station']} {link}{booted}"]
        evses = "evses" in state
        for c in state["evses"] if evses else state["connectors"]:
            tx = f" (transaction {c['transactionId']})" if c["transactionId"] is not None else ""
            place = f"EVSE {c['evseId']}" if evses else c["connectorId"]
            parts.append(f"{place} {c['status']}{tx}")
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class FrameLog:
    """Frames to lines: ``->`` sent by the station, ``<-`` received; a result is named
    after the call it answers."""

    def __init__(self) -> None:
        self._calls: dict[tuple[str, str], str] = {}  # (direction, unique id) -> action

    def line(self, direction: str, text: str | bytes) -> str:
        arrow = "->" if direction == "out" else "<-"
        try:
            frame = decode_frame(text)
        except FrameError as exc:
            raw = text.decode(errors="replace") if isinstance(text, bytes) else text
            return f"{arrow} not an OCPP-J frame ({exc}): {_short(raw)}"
        if isinstance(frame, Call):
            self._calls[(direction, frame.unique_id)] = frame.action
            while len(self._calls) > PENDING_MAX:
                del self._calls[next(iter(self._calls))]
            return f"{arrow} {frame.action} {_short(_json(frame.payload))}"
        other = "in" if direction == "out" else "out"
        action = self._calls.pop((other, frame.unique_id), f"unknown call {frame.unique_id}")
        if isinstance(frame, CallResult):
            return f"{arrow} {action}.conf {_short(_json(frame.payload))}"
        description = f" {frame.error_description}" if frame.error_description else ""
        return f"{arrow} {action}.error {frame.error_code}{_short(description)}"


def _json(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


def _short(text: str) -> str:
    return text if len(text) <= PAYLOAD_WIDTH else text[: PAYLOAD_WIDTH - 3] + "..."


def console_wanted(flag: bool | None, count: int, *, terminal: bool) -> bool:
    """``--console`` / ``--no-console`` / neither: on by itself with one station at a
    terminal; ``ValueError`` when forced on with several stations."""
    if flag and count > 1:
        raise ValueError(f"the console drives one station, not {count}: leave out --count")
    return flag if flag is not None else terminal and count == 1


class Console:
    """``console.attach()`` before the station starts (to see its first frame), then
    ``await console.run()`` until ``quit`` or the end of the input, which call ``leave``."""

    def __init__(
        self,
        sim: Station,
        leave: Callable[[], None],
        *,
        terminal: bool | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.sim = sim
        self.verbs = VERBS if isinstance(sim, Simulator) else VERBS_201
        self._leave = leave
        self._out = out or sys.stdout
        if terminal is None:
            terminal = sys.stdin.isatty() and self._out.isatty()
        self._terminal = terminal
        self._frames = FrameLog()
        self._at_prompt = False
        self._readline: Any = None

    def attach(self) -> None:
        self.sim.watch_frames(lambda direction, text: self.say(self._frames.line(direction, text)))

    def say(self, text: str) -> None:
        """Print a line; at a terminal, above the prompt and what is typed so far."""
        if self._terminal and self._at_prompt and self._readline is not None:
            typed = self._readline.get_line_buffer()
            self._out.write(f"\r\x1b[K{text}\n{PROMPT}{typed}")
        else:
            self._out.write(text + "\n")
        self._out.flush()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        ready = threading.Event()
        restore = self._open_terminal()
        reader = threading.Thread(
            target=self._read, args=(loop, lines, ready), name="console", daemon=True
        )
        try:
            reader.start()
            self.say(f"console of {self.sim.identity}: type help for the verbs, quit to leave")
            while True:
                ready.set()
                line = await lines.get()
                if line is None or not await self.execute(line):
                    break
        finally:
            self._at_prompt = False
            restore()
        self._leave()

    async def execute(self, line: str) -> bool:
        """Run one line; False once it was ``quit``."""
        try:
            command = parse_line(line, self.verbs)
        except BadCommand as exc:
            self.say(str(exc))
            return True
        if isinstance(command, Local):
            if command.verb == "quit":
                return False
            for text in help_lines(self.verbs):
                self.say(text)
        elif command is not None:
            try:
                answer = await perform(
                    {self.sim.identity: self.sim}, command.method, command.path, command.body
                )
            except ControlError as exc:
                self.say(f"error: {exc}")
            except Exception as exc:  # the simulator broke: say so, its stop() raises it
                self.say(f"error: {type(exc).__name__}: {exc}")
            else:
                self.say(describe_state(answer))
        return True

    def _read(
        self,
        loop: asyncio.AbstractEventLoop,
        lines: asyncio.Queue[str | None],
        ready: threading.Event,
    ) -> None:
        prompt = PROMPT if self._terminal else ""
        while True:
            ready.wait()
            ready.clear()
            self._at_prompt = True  # what say() prints goes above the prompt from now on
            try:
                line: str | None = input(prompt)
            except (EOFError, OSError, ValueError):  # end of input, or stdin closed
                line = None
            self._at_prompt = False
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return
            if line is None:
                return

    def _open_terminal(self) -> Callable[[], None]:
        """Readline with tab completion at a terminal; what puts the terminal back."""
        if not self._terminal:
            return lambda: None
        try:
            import readline
            import termios
        except ImportError:  # no readline here: lines still work, without completion
            return lambda: None
        self._readline = readline
        readline.set_completer_delims(" \t")
        readline.set_completer(self._complete)
        if "libedit" in (readline.__doc__ or ""):
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        return lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def _complete(self, text: str, state: int) -> str | None:
        before = self._readline.get_line_buffer()[: self._readline.get_endidx()]
        choices = complete(before, self.verbs)
        # Python's readline appends nothing to a completion: the space is ours.
        return choices[state] + " " if state < len(choices) else None

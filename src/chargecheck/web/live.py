"""What a run shows its live web view: an append-only list of events, and the physical
steps waiting for an answer from the page.

Pure asyncio, no HTTP: the run publishes (``publish`` never blocks and never raises into
the run), the web server follows (``follow``: the events since a sequence number, then
each new one as it comes) and answers prompts (``answer``). Every event is a JSON-ready
dict ``{"seq": n, "type": ..., "at": epoch milliseconds, ...}``; a page that reconnects
asks for the events after the last ``seq`` it saw and misses nothing.

Event types and their fields (the page's whole vocabulary):

=============  =======================================================================
``run``        run_id, kind, title, pack, rows [{id, function, criteria}], station_url
``station``    identity, connected (bool), and when known: vendor, model, firmware,
               serial, security_profile
``row_start``  id
``criterion``  row, name, outcome, detail, evidence [entry ids], connector
``row_end``    id, outcome, result
``wait``       row, what, seconds (the wait's length; ``at`` is its start)
``wait_end``   row, what
``frame``      entry, direction ("in"/"out"), station, action, message_type, unique_id,
               raw; connection events have direction "event" and kind
``say``        text (a line the console shows: the case's progress)
``prompt``     id, instruction, kind, connector, seconds
``prompt_end`` id, done (bool), by ("page", "terminal", "timeout"), detail
``finding``    severity, rule, message, evidence
``reports``    files {format: name}
``end``        summary (the run's closing line)
=============  =======================================================================
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


@dataclass
class Prompt:
    """A physical step shown on the page, waiting for Done or Skip."""

    id: int
    instruction: str
    answer: asyncio.Future[tuple[bool, str]] = field(repr=False)


class LiveRun:
    def __init__(self, now_ms: Callable[[], int] | None = None) -> None:
        self.events: list[Event] = []
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._changed = asyncio.Event()  # set, and replaced, at each new event
        self._prompts: dict[int, Prompt] = {}
        self._prompt_ids = itertools.count(1)
        self.ended = False

    # -- the run's side ---------------------------------------------------------------------

    def publish(self, type_: str, **data: Any) -> Event:
        """Append an event and wake every follower; never blocks the run."""
        event: Event = {"seq": len(self.events), "type": type_, "at": self._now_ms(), **data}
        self.events.append(event)
        self.ended = self.ended or type_ == "end"
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return event

    def prompt(self, instruction: str, **data: Any) -> Prompt:
        """A step for the page to answer (``answer``); published as a ``prompt`` event."""
        prompt = Prompt(
            next(self._prompt_ids), instruction, asyncio.get_running_loop().create_future()
        )
        self._prompts[prompt.id] = prompt
        self.publish("prompt", id=prompt.id, instruction=instruction, **data)
        return prompt

    def settle(self, prompt: Prompt, done: bool, by: str, detail: str = "") -> None:
        """The prompt is over (answered here or elsewhere): the page is told who answered."""
        if self._prompts.pop(prompt.id, None) is None:
            return
        if not prompt.answer.done():
            prompt.answer.set_result((done, by))
        self.publish("prompt_end", id=prompt.id, done=done, by=by, detail=detail)

    # -- the page's side --------------------------------------------------------------------

    def answer(self, prompt_id: int, done: bool) -> str:
        """The page's Done (``done``) or Skip: "taken", or why it was not."""
        prompt = self._prompts.get(prompt_id)
        if prompt is not None:
            self.settle(prompt, done, "page")
            return "taken"
        ended = [e for e in self.events if e["type"] == "prompt_end" and e["id"] == prompt_id]
        if not ended:
            return "no such prompt"
        said = "done" if ended[-1]["done"] else "not done"
        return f"already answered ({said}, by the {ended[-1]['by']})"

    def pending(self) -> list[int]:
        return sorted(self._prompts)

    async def follow(self, since: int = 0) -> AsyncIterator[Event]:
        """The events from ``since`` on, then each new one, until the run ends."""
        index = max(0, since)
        while True:
            changed = self._changed
            while index < len(self.events):
                yield self.events[index]
                index += 1
            if self.ended:
                return
            await changed.wait()

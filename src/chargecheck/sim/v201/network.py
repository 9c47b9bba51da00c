"""Where the 2.0.1 station connects next, sans I/O: its network configuration slots in the
order of OCPPCommCtrlr.NetworkConfigurationPriority (OCPP 2.0.1 part 2, use cases B09 and
B10).

- A slot holds the NetworkConnectionProfile a SetNetworkProfile stored there (B09); the
  station connects to its ``ocppCsmsUrl`` followed by ``/`` and its identity. A slot with
  no profile stored holds what the station was installed with: the URL it was started
  with.
- After a reboot, and after a lost connection, it begins with the first entry
  (B10.FR.04).
- It makes NetworkProfileConnectionAttempts failed attempts on an entry, then goes to the
  next (B10.FR.03).
- Once every entry failed, it falls back to the slot of its last successful connection
  and keeps reconnecting there (B10.FR.07); with none yet, it starts the list again.

How long it waits between two attempts is the shell's (part 4 section 5.3,
``shell.reconnect_wait``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chargecheck.sim.tls import station_url


class NetworkSlots:
    def __init__(self, start_url: str, identity: str) -> None:
        self.start_url = station_url(start_url, identity)
        self.identity = identity
        self.last_success: str | None = None  # the slot of the last successful connection
        self.fallback = False  # every entry failed: reconnecting to ``last_success``
        self._order: list[str] = []
        self._urls: dict[str, str] = {}
        self._attempts = 1
        self._index = 0
        self._failures = 0  # failed attempts on the current entry

    def begin(
        self, priority: Sequence[str], profiles: Mapping[str, Mapping[str, Any]], attempts: int
    ) -> None:
        """From the first entry of ``priority`` (slot numbers), with the ``profiles``
        stored by slot and NetworkProfileConnectionAttempts ``attempts``."""
        self._order = [slot for slot in priority if slot] or ["1"]
        self._urls = {
            slot: station_url(str(profiles[slot]["ocppCsmsUrl"]), self.identity)
            if slot in profiles and profiles[slot].get("ocppCsmsUrl")
            else self.start_url
            for slot in self._order
        }
        if self.last_success is not None and self.last_success not in self._urls:
            profile = profiles.get(self.last_success) or {}
            url = profile.get("ocppCsmsUrl")
            self._urls[self.last_success] = (
                station_url(str(url), self.identity) if url else self.start_url
            )
        self._attempts = max(1, attempts)
        self._index, self._failures, self.fallback = 0, 0, False

    @property
    def slot(self) -> str:
        """The slot of the next attempt."""
        if self.fallback and self.last_success is not None:
            return self.last_success
        return self._order[self._index] if self._order else "1"

    @property
    def url(self) -> str:
        """The URL of the next attempt."""
        return self._urls.get(self.slot, self.start_url)

    def succeeded(self) -> None:
        """The attempt connected."""
        self.last_success = self.slot
        self._failures = 0

    def failed(self) -> None:
        """The attempt failed: after ``attempts`` of them the next entry, after the last
        entry the fallback (B10.FR.07)."""
        if self.fallback:
            return
        self._failures += 1
        if self._failures < self._attempts:
            return
        self._failures = 0
        self._index += 1
        if self._index >= len(self._order):
            self._index = 0
            self.fallback = self.last_success is not None

"""What the peer station knows, with no I/O: connectors, transactions, the status each
connector is in (OCPP 1.6 section 4.9), and the outbox of messages to send.

The state survives a lost connection and a reboot (a real station keeps its
configuration, availability, energy registers and queued transaction messages in flash);
a reboot ends running transactions and incipient sessions.

Statuses, connectors > 0: a transaction gives Charging, or SuspendedEVSE while the
offered current is below 6 A (a charging profile's limit); otherwise Unavailable when
made Inoperative, Preparing during an incipient session (authorising, waiting for the
cable), Finishing after a transaction while the cable is still in, else Available. An
EV connected since power-on with no session is Available: its ConnectionTimeOut ran out
long ago (section 9.1: the connector goes back to its original state, Available).
Connector 0 is Available or Unavailable; it is reported when it changes or when asked
(TriggerMessage), never at boot.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import call

from bench.peer.configuration import Configuration, default_keys, measurand_list
from bench.peer.meter import CONNECTOR_MAX_CURRENT, MIN_CURRENT, Meter
from bench.peer.smart_charging import ProfileStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_text(moment: datetime | None = None) -> str:
    return (moment or utc_now()).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Transaction:
    connector_id: int
    id_tag: str
    meter_start: int
    started_at: datetime
    begin_values: list[dict[str, Any]]  # StopTxnSampledData at the start
    transaction_id: int | None = None  # from StartTransaction.conf
    stopping: bool = False


@dataclass
class Connector:
    connector_id: int
    ev_plugged: bool = False
    transaction: Transaction | None = None
    preparing: bool = False  # an incipient session: authorising, waiting for the cable
    starting: bool = False  # a RemoteStartTransaction was accepted for it
    finishing: bool = False  # a transaction ended, the cable is still in
    meter: Meter = field(default_factory=Meter)
    announced: str | None = None  # the last status queued for the Central System
    delivered: str | None = None  # the last status it acknowledged


@dataclass
class Outgoing:
    """A CALL the station will send. ``build`` makes the payload when it is sent, so a
    transaction message queued before its StartTransaction was answered carries the id;
    ``on_result`` gets the answer, or None when it was never delivered."""

    action: str
    build: Callable[[], Any]
    transactional: bool = False  # queued while offline, kept over reboots (section 4.7)
    on_result: Callable[[Any], None] | None = None
    attempts: int = 0


class Outbox:
    """Station CALLs in the order they arose; one in flight at a time (OCPP-J 4.1.1)."""

    def __init__(self) -> None:
        self.items: deque[Outgoing] = deque()
        self._ready = asyncio.Event()

    def put(self, item: Outgoing) -> None:
        self.items.append(item)
        self._ready.set()

    async def head(self) -> Outgoing:
        while not self.items:
            self._ready.clear()
            await self._ready.wait()
        return self.items[0]

    def pop(self, result: Any) -> None:
        item = self.items.popleft()
        if item.on_result is not None:
            item.on_result(result)

    def offline(self) -> None:
        """The connection is gone: only transaction messages wait for the next one."""
        dropped = [i for i in self.items if not i.transactional]
        self.items = deque(i for i in self.items if i.transactional)
        for item in dropped:
            if item.on_result is not None:
                item.on_result(None)


@dataclass
class StationState:
    identity: str
    connectors: list[Connector]  # index = connector id, 0 included
    firmware_version: str
    config: Configuration
    ev_max_current: float = 16.0
    iccid: str | None = None  # a station with a modem; by default it has none (Ethernet)
    imsi: str | None = None
    reboot_after_installed: bool = True
    install_seconds: float = 0.5
    inoperative: set[int] = field(default_factory=set)
    profiles: ProfileStore = field(default_factory=ProfileStore)
    local_list: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_list_version: int = 0
    auth_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
    installed_after_boot: bool = False
    # A defect, for the bench's own tests: after a transaction ends with the cable still
    # in, the connector stays Charging (section 4.9 wants Finishing, or Available).
    charging_after_stop: bool = False
    first_version: str = ""
    recent_log: deque[str] = field(default_factory=lambda: deque(maxlen=500))

    @classmethod
    def create(
        cls, identity: str, connectors: int, ev_connected: set[int], **kwargs: Any
    ) -> StationState:
        authorize_remote = kwargs.pop("authorize_remote", False)
        forced = kwargs.pop("change_answer", None)
        register = kwargs.pop("register_wh", 0.0)  # a meter that has seen use
        keys = default_keys(connectors, authorize_remote)
        return cls(
            identity=identity,
            connectors=[
                Connector(c, ev_plugged=c in ev_connected, meter=Meter(energy_wh=register))
                for c in range(connectors + 1)
            ],
            config=Configuration(keys, forced),
            **kwargs,
        )

    def __post_init__(self) -> None:
        self.first_version = self.first_version or self.firmware_version

    @property
    def outlets(self) -> list[Connector]:
        return self.connectors[1:]

    # -- statuses (section 4.9) -----------------------------------------------------------

    def offered(self, c: Connector) -> float:
        tx = c.transaction
        limit = self.profiles.limit(c.connector_id, utc_now(), tx.started_at if tx else None, tx)
        return CONNECTOR_MAX_CURRENT if limit is None else min(limit, CONNECTOR_MAX_CURRENT)

    def status(self, c: Connector) -> str:
        down = 0 in self.inoperative or c.connector_id in self.inoperative
        if c.connector_id == 0:
            return "Unavailable" if down else "Available"
        if c.transaction is not None:
            return "SuspendedEVSE" if self.offered(c) < MIN_CURRENT else "Charging"
        if self.charging_after_stop and c.finishing and c.ev_plugged:
            return "Charging"
        if down:
            return "Unavailable"
        if c.preparing:
            return "Preparing"
        return "Finishing" if c.finishing and c.ev_plugged else "Available"

    def refresh(self, mono: float) -> None:
        """Apply the offer to each meter and queue a StatusNotification for each connector
        whose status changed since the last one queued."""
        for c in self.outlets:
            c.meter.update(mono, self.offered(c), self.ev_max_current, c.transaction is not None)
            if self.status(c) == "Unavailable":
                c.finishing = False  # the session is over: Available when operative again
        for c in self.connectors:
            status = self.status(c)
            if status != c.announced:
                self.announce(c, status)

    def announce(self, c: Connector, status: str) -> None:
        c.announced = status
        payload = call.StatusNotification(
            connector_id=c.connector_id, error_code="NoError", status=status, timestamp=utc_text()
        )

        def delivered(result: Any) -> None:
            if result is not None:
                c.delivered = status

        self.outbox.put(Outgoing("StatusNotification", lambda: payload, on_result=delivered))

    def booted(self) -> None:
        """After an accepted BootNotification: every connector > 0 reports its status;
        connector 0 only when it changes or is asked for."""
        zero = self.connectors[0]
        zero.announced = zero.delivered = self.status(zero)
        for c in self.outlets:
            c.announced = c.delivered = None

    def went_offline(self) -> None:
        self.outbox.offline()
        for c in self.connectors:
            c.announced = c.delivered

    # -- meter values ---------------------------------------------------------------------

    def measurands(self, key: str) -> list[str]:
        return measurand_list(self.config.value(key))

    def meter_values(
        self, c: Connector, context: str, key: str, at: datetime | None = None
    ) -> Outgoing:
        """MeterValues of the connector now, of its transaction if one runs (then queued
        while offline). The sample is taken now; the id is filled in when it is sent."""
        tx = c.transaction
        values = c.meter.sampled_values(self.measurands(key), context)
        stamp = utc_text(at)

        def build() -> Any:
            return call.MeterValues(
                connector_id=c.connector_id,
                transaction_id=tx.transaction_id if tx else None,
                meter_value=[{"timestamp": stamp, "sampledValue": values}],
            )

        return Outgoing("MeterValues", build, transactional=tx is not None)

    # -- authorisation (section 3.5) ------------------------------------------------------

    def known_status(self, id_tag: str) -> str | None:
        """The local list first, then the cache (when enabled): None if unknown."""
        if self.config.flag("LocalAuthListEnabled") and id_tag in self.local_list:
            return str(self.local_list[id_tag].get("status", "Invalid"))
        if self.config.flag("AuthorizationCacheEnabled") and id_tag in self.auth_cache:
            return str(self.auth_cache[id_tag].get("status", "Invalid"))
        return None

    def remember(self, id_tag: str, info: dict[str, Any]) -> None:
        if self.config.flag("AuthorizationCacheEnabled"):
            self.auth_cache[id_tag] = info

    def send_local_list(self, version: int, kind: str, entries: list[dict[str, Any]]) -> str:
        """SendLocalList (5.15): Full replaces, Differential updates (a version not above
        the current one is VersionMismatch); an entry without idTagInfo is removed."""
        if not self.config.flag("LocalAuthListEnabled"):
            return "NotSupported"
        if len(entries) > self.config.integer("SendLocalListMaxLength"):
            return "Failed"
        if kind == "Differential" and version <= self.local_list_version:
            return "VersionMismatch"
        table = {} if kind == "Full" else dict(self.local_list)
        for entry in entries:
            if entry.get("id_tag_info") is None:
                table.pop(entry["id_tag"], None)
            else:
                table[entry["id_tag"]] = entry["id_tag_info"]
        if len(table) > self.config.integer("LocalAuthListMaxLength"):
            return "Failed"
        self.local_list, self.local_list_version = table, version
        return "Accepted"

    # -- firmware -------------------------------------------------------------------------

    def version_of(self, image: bytes) -> str:
        """The version an image installs: its JSON manifest's, else derived from its hash."""
        line = image[:1024].partition(b"\n")[0]
        with contextlib.suppress(ValueError):
            manifest = json.loads(line)
            named = manifest.get("firmwareVersion") if isinstance(manifest, dict) else None
            if isinstance(named, str) and 0 < len(named) <= 50:
                return named
        return f"{self.first_version[:41]}-{hashlib.sha256(image).hexdigest()[:8]}"

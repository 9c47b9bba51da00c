"""What every part of the 2.0.1 station model shares: its settings, device model, EVSEs,
link, timers, log, and the reporting of connector statuses.

Sans I/O, as the 1.6 model (``chargecheck.sim.core``): inputs are method calls carrying the
station time (``Now``), outputs are ``actions`` and timers; the only thing it touches
besides memory is its ``StationStore``, synchronously. The inputs, outputs, timers and
log both models have alike are ``chargecheck.sim.model_base.ModelBase``'s.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from chargecheck.protocol.endpoint import Endpoint, Role
from chargecheck.protocol.tracker import counter_ids
from chargecheck.protocol.versions import OCPP201
from chargecheck.sim.actions import SendFrame
from chargecheck.sim.model_base import ModelBase
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore
from chargecheck.sim.v201.defects import checked_defects_201
from chargecheck.sim.v201.device_model import Address, DeviceModel, Profile201, load_profile
from chargecheck.sim.v201.evse import Connector, ConnectorStatus, Evse, derive_status
from chargecheck.sim.v201.link import Limits, Link

PROFILE_201 = "generic-201"


@dataclass(frozen=True)
class Station201Settings:
    identity: str
    profile: str | Path = PROFILE_201
    defects: frozenset[str] = field(default_factory=frozenset)
    # How it connects (OCPP 2.0.1 part 2 A00): 0 none, 1 Basic Auth, 2 TLS with Basic Auth,
    # 3 TLS with a client certificate; SecurityCtrlr.SecurityProfile reports it.
    security_profile: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "defects", checked_defects_201(self.defects))


@lru_cache(maxsize=16)
def cached_profile(profile: str | Path) -> Profile201:
    """A profile read once per process (a fleet of stations shares one)."""
    return load_profile(profile)


# What survives a reboot of the station's software but is no part of it: the cables.
Physical = dict[tuple[int, int], bool]  # (evse id, connector id) -> plugged


class StationCore201(ModelBase[Link]):
    def __init__(
        self,
        settings: Station201Settings,
        store: StationStore,
        now: Now,
        *,
        physical: Physical | None = None,
    ) -> None:
        super().__init__(store, now)
        self.settings = settings
        self.defects = settings.defects
        self.profile = cached_profile(settings.profile)
        self.evses = {
            spec.id: Evse(
                spec.id,
                spec.max_power,
                [Connector(spec.id, cid, ctype) for cid, ctype in spec.connectors],
            )
            for spec in self.profile.evses
        }
        self.physical: Physical = physical if physical is not None else {}
        for e in self.evses.values():
            for c in e.connectors:
                c.plugged = self.physical.get((e.id, c.connector_id), False)
            e.energy_wh = float(store.get(f"energy:{e.id}", 0.0))
            e.metered_at = now.mono
        self.station_operative = True
        # ChangeAvailability to Inoperative waiting for transactions to end (G03 / G04):
        # (evse id or None for the station, connector id or None, operative)
        self.scheduled_availability: list[tuple[int | None, int | None, bool]] = []
        self._load_availability()
        self.model = self._load_device_model()
        self.endpoint = Endpoint(
            Role.CHARGE_POINT, counter_ids(secrets.token_hex(4)), version=OCPP201
        )
        self.link = Link(self.endpoint, store, self._send_text, self._limits, self.log)
        self.link.ignore_pending = "boot_ignores_pending" in self.defects
        self.link.defects = self.defects

    # -- the device model ----------------------------------------------------------------

    def _load_device_model(self) -> DeviceModel:
        saved = self.store.get("device_model") or {}
        model = DeviceModel(
            self.profile.specs,
            self.profile.evse_connectors,
            saved.get("values"),
            saved.get("pending"),
            live=self._live_value,
        )
        model.apply_pending()  # values set with RebootRequired are taken at power-on
        if self.settings.security_profile:  # the profile it was started with (A00)
            model.set_internal(
                model.address("SecurityCtrlr", "SecurityProfile"),
                str(self.settings.security_profile),
            )
        self.store.put("device_model", model.to_dict())
        return model

    def save_device_model(self) -> None:
        self.store.put("device_model", self.model.to_dict())

    def _live_value(self, address: Address, attribute: str) -> str | None:
        """The value of a live variable (device_model module docstring), read now."""
        kind = address.spec.live
        evse = self.evses.get(address.evse) if address.evse is not None else None
        if kind == "date_time":
            return self.now.text
        if kind in ("availability", "available"):
            status = self._availability(evse, address.connector)
            if kind == "available":
                return "false" if status in ("Unavailable", "Faulted") else "true"
            return status
        if kind == "connector_type" and evse is not None and address.connector is not None:
            return evse.connector(address.connector).connector_type
        if kind == "power" and evse is not None:
            if attribute == "MaxSet":
                return f"{evse.max_power:g}"
            return f"{self.power_w(evse):g}"
        return None

    def _availability(self, evse: Evse | None, connector_id: int | None) -> str:
        if evse is None:
            return "Available" if self.station_operative else "Unavailable"
        if connector_id is not None:
            return str(evse.connector(connector_id).status or ConnectorStatus.AVAILABLE)
        statuses = [c.status for c in evse.connectors]
        for status in (ConnectorStatus.OCCUPIED, ConnectorStatus.FAULTED):
            if status in statuses:
                return str(status)
        return str(statuses[0] or ConnectorStatus.AVAILABLE)

    def power_w(self, evse: Evse) -> float:
        """What the EVSE delivers now (W): all it has while the car charges, else 0."""
        tx = evse.transaction
        return evse.max_power if tx is not None and tx.charging_state == "Charging" else 0.0

    def _limits(self) -> Limits:
        m = self.model
        return Limits(
            call_timeout=float(m.integer("OCPPCommCtrlr", "MessageTimeout", 30, "Default")),
            attempts=m.integer("OCPPCommCtrlr", "MessageAttempts", 3, "TransactionEvent"),
            attempt_interval=float(
                m.integer("OCPPCommCtrlr", "MessageAttemptInterval", 60, "TransactionEvent")
            ),
        )

    # -- availability (ChangeAvailability, persisted: use cases G03 / G04) -----------------

    def _load_availability(self) -> None:
        saved: dict[str, bool] = self.store.get("availability", {})
        if "reset_ignores_unavailable" in self.defects:
            saved = {}  # against B11.FR.02 / B01.FR.07: every EVSE comes back operative
        self.station_operative = saved.get("station", True)
        for e in self.evses.values():
            e.operative = saved.get(f"evse:{e.id}", True)
            for c in e.connectors:
                c.operative = saved.get(f"connector:{e.id}.{c.connector_id}", True)

    def save_availability(self) -> None:
        saved: dict[str, bool] = {"station": self.station_operative}
        for e in self.evses.values():
            saved[f"evse:{e.id}"] = e.operative
            for c in e.connectors:
                saved[f"connector:{e.id}.{c.connector_id}"] = c.operative
        self.store.put("availability", saved)

    def usable(self, evse: Evse) -> bool:
        """May the EVSE charge (operative all the way down, not faulted)?"""
        connector_ok = any(c.operative and not c.faulted for c in evse.connectors)
        return self.station_operative and evse.operative and connector_ok

    # -- plumbing ------------------------------------------------------------------------

    def _send_text(self, text: str) -> None:
        self.actions.append(SendFrame(text))
        self.log(f"-> {text}")

    def evse(self, evse_id: int) -> Evse:
        """The EVSE ``evse_id``; a ``ValueError`` naming the valid ids if none."""
        try:
            return self.evses[evse_id]
        except KeyError:
            raise ValueError(f"EVSE {evse_id} does not exist (1..{len(self.evses)})") from None

    def connectors(self) -> list[Connector]:
        return [c for e in self.evses.values() for c in e.connectors]

    # -- connector statuses (use case G01; B01 after boot, B04 after an outage) ------------

    @property
    def may_report(self) -> bool:
        registration = self.link.registration
        pending_too = "boot_ignores_pending" in self.defects and registration == "Pending"
        return self.link.online and (registration == "Accepted" or pending_too)

    def refresh_statuses(self) -> None:
        """Derive every connector's status; report each change when the link may."""
        for e in self.evses.values():
            for c in e.connectors:
                new = derive_status(c, e, self.station_operative)
                if new == c.status:
                    continue
                self.log(f"EVSE {e.id} connector {c.connector_id}: {c.status} -> {new}")
                c.status = new
                if self.may_report:
                    self.report_status(c)

    def quietly_refresh(self, evse: Evse) -> None:
        """Take ``evse``'s new statuses without reporting them (defect no_status_on_plug)."""
        for c in evse.connectors:
            c.status = derive_status(c, evse, self.station_operative)

    def report_status(self, c: Connector, *, requested: bool = False) -> None:
        assert c.status is not None
        payload = {
            "timestamp": self.now.text,
            "connectorStatus": str(c.status),
            "evseId": c.evse_id,
            "connectorId": c.connector_id,
        }
        c.reported = c.status
        self.link.submit("StatusNotification", payload, requested=requested)

    def report_all_statuses(self) -> None:
        for c in self.connectors():
            self.report_status(c)

    def boot_payload(self, reason: str) -> dict[str, Any]:
        return {"reason": reason, "chargingStation": dict(self.profile.charging_station)}

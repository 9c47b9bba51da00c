"""The state every part of the station model shares, and the plumbing they use:
actions out, timers, the log, configuration look-ups and status reporting.

The model is sans-I/O: its inputs are method calls carrying the station time (``Now``),
its outputs are ``actions`` (frames to send, transfers to run, reboot) and timers (read
with ``next_deadline``); the only thing it touches besides memory is its
``StationStore`` (the station's flash), synchronously. The inputs, outputs, timers and
log the 2.0.1 model has alike are ``chargecheck.sim.model_base.ModelBase``'s.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from chargecheck.protocol.actions import BOOT_NOTIFICATION_FIELDS as BOOT_FIELDS
from chargecheck.protocol.endpoint import Endpoint, Role
from chargecheck.protocol.errors import ChargecheckError, LocalProtocolError
from chargecheck.protocol.status_table import ChargePointStatus as S
from chargecheck.protocol.status_table import allowed
from chargecheck.protocol.tracker import counter_ids
from chargecheck.sim.actions import SendFrame
from chargecheck.sim.charging import ChargingProfiles
from chargecheck.sim.configuration import Configuration, KeySpec
from chargecheck.sim.connector import Connector, Physical, Quirks, derive_status
from chargecheck.sim.defects import checked_defects
from chargecheck.sim.link import Limits, Link, Outgoing
from chargecheck.sim.model_base import ModelBase
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore
from chargecheck.sim.variants import (
    METER_DECIMALS,
    checked_variants,
    profile_configuration,
    shape_configuration,
)


@dataclass(frozen=True)
class StationSettings:
    identity: str
    profile: str | Path = "alfen-ng920"
    defects: frozenset[str] = field(default_factory=frozenset)
    plug_and_charge_id_tag: str | None = None
    ev_connected: frozenset[int] = field(default_factory=frozenset)  # cars in from power-on
    variants: frozenset[str] = field(default_factory=frozenset)  # chargecheck.sim.variants

    def __post_init__(self) -> None:
        object.__setattr__(self, "defects", checked_defects(self.defects))
        object.__setattr__(self, "ev_connected", frozenset(self.ev_connected))
        object.__setattr__(self, "variants", checked_variants(self.variants))


def checked_ev_connected(ids: Iterable[int], connectors: int) -> frozenset[int]:
    """The connectors that have a car plugged in when the station first powers on; a
    ``ValueError`` that names the valid ids if one is not a connector (1..connectors:
    connector 0 is the station itself, NumberOfConnectors counts the rest)."""
    chosen = frozenset(ids)
    wrong = [i for i in chosen if type(i) is not int or not 0 < i <= connectors]  # no bool
    if wrong:
        bad = min(wrong, key=str)
        valid = {1: "connector 1", 2: "connector 1 or 2"}.get(
            connectors, f"a connector from 1 to {connectors}"
        )
        reason = "is the station itself" if bad == 0 else "does not exist"
        raise ValueError(
            f"connector {bad} {reason}: a car plugs into {valid} "
            f"(NumberOfConnectors = {connectors})"
        )
    return chosen


@lru_cache(maxsize=32)
def profile_connectors(profile: str | Path) -> int:
    """The number of connectors of a charger profile, read once per process (a fleet
    checks its options against it once, not once per station)."""
    return Configuration.from_profile(profile).connectors


def shared_configuration(saved: dict[str, Any], source: str) -> Configuration:
    """``Configuration.from_dict(saved)``, its key specs shared with every station of the
    same charger profile: a thousand stations in one process hold one copy of the 125
    key definitions, and each only its own values."""
    keys = saved["configuration"]["keys"]
    specs = _key_specs(orjson.dumps([{k: v for k, v in e.items() if k != "value"} for e in keys]))
    if specs is None:
        return Configuration.from_dict(saved, source=source)
    values = {e["name"]: None if e.get("value") is None else sys.intern(e["value"]) for e in keys}
    return Configuration(
        saved["identity"], saved["connectors"], specs, values, saved.get("pending"), source=source
    )


@lru_cache(maxsize=32)
def _key_specs(definitions: bytes) -> tuple[KeySpec, ...] | None:
    """The KeySpecs of these key definitions (JSON), made once; None if unreadable."""
    entries = orjson.loads(definitions)
    try:
        template = Configuration.from_dict(
            {
                "connectors": 1,
                "identity": {"chargePointVendor": "-", "chargePointModel": "-"},
                "configuration": {"keys": entries},
            },
            source="key definitions",
        )
    except ChargecheckError:
        return None
    names = template.keys()  # Configuration.keys(): the key names in profile order
    return tuple(template.spec(name) for name in names)


class StationCore(ModelBase[Link]):
    def __init__(
        self,
        settings: StationSettings,
        store: StationStore,
        now: Now,
        *,
        physical: list[Physical] | None = None,
        after_reset: bool = False,
    ) -> None:
        super().__init__(store, now)
        self.settings = settings
        self.defects = settings.defects
        self.variants = settings.variants
        self.after_reset = after_reset
        self.config = self._load_configuration()
        self.endpoint = Endpoint(Role.CHARGE_POINT, counter_ids(secrets.token_hex(4)))
        self.link = Link(self.endpoint, store, self._send_text, self._limits, self.log)
        self.link.on_sent = self._on_sent
        count = self.config.connectors
        if physical is None or len(physical) != count + 1:
            # The first power-on of this simulator: the cars the settings put in are there
            # already; from then on the physical world survives every reboot as it is.
            cars = checked_ev_connected(settings.ev_connected, count)
            physical = [Physical(plugged=i in cars) for i in range(count + 1)]
        self.physical = physical
        self.connectors = [Connector(i, physical[i]) for i in range(count + 1)]
        availability = store.get("availability", {})
        if "availability_lost_on_power_cut" in self.defects and not after_reset:
            availability = {}  # section 4.9: Unavailable MUST persist across reboots
        decimals = METER_DECIMALS if "integer_meter_stop" in self.variants else 0
        for c in self.connectors:
            c.operative = bool(availability.get(str(c.connector_id), True))
            c.meter.energy_wh = float(store.get(f"energy:{c.connector_id}", 0.0))
            c.meter.decimals = decimals
        self.profiles = self._load_profiles()
        self.quirks = Quirks(
            ignore_inoperative="wrong_status_after_change_availability" in self.defects,
            no_preparing_on_plug="no_preparing_on_plug" in self.defects,
        )
        self.boot_accepted = False
        self.boot_status: str | None = None
        self.muted = False  # sends no CALL of its own (defect silent_after_reconnect)

    # -- configuration ---------------------------------------------------------------

    def _load_configuration(self) -> Configuration:
        saved = self.store.get("configuration")
        profile = profile_configuration(self.settings.profile)
        fresh = saved is None
        if saved is None:  # the first power-on of this station: the profile's values
            saved = profile
        # The keys the variants set or remove (chargecheck.sim.variants), at every power-on.
        shaped = shape_configuration(saved, profile, self.variants)
        config = shared_configuration(shaped, f"{self.store.path} configuration")
        applied = config.apply_pending()  # RebootRequired changes take effect now
        if fresh or applied or shaped != saved:
            self.store.put("configuration", config.to_dict())
        return config

    def save_configuration(self) -> None:
        self.store.put("configuration", self.config.to_dict())

    def _load_profiles(self) -> ChargingProfiles:
        saved = self.store.get("charging_profiles")
        units = self.cfg_list("ChargingScheduleAllowedChargingRateUnit", ["Current", "Power"])
        if saved is not None:
            profiles = ChargingProfiles.from_dict(saved)
            # What the configuration says now (a variant may have changed it since).
            profiles.connectors, profiles.allowed_units = self.config.connectors, units
            return profiles
        return ChargingProfiles(
            self.config.connectors,
            self.cfg_int("ChargeProfileMaxStackLevel", 8),
            units,
            self.cfg_int("ChargingScheduleMaxPeriods", 24),
            self.cfg_int("MaxChargingProfilesInstalled", 8),
        )

    def save_profiles(self) -> None:
        self.store.put("charging_profiles", self.profiles.to_dict())

    def cfg_int(self, key: str, default: int) -> int:
        try:
            return self.config.int_value(key)
        except (ChargecheckError, ValueError):
            return default

    def cfg_bool(self, key: str, default: bool) -> bool:
        try:
            return self.config.bool_value(key)
        except (ChargecheckError, ValueError):
            return default

    def cfg_list(self, key: str, default: list[str]) -> list[str]:
        try:
            return self.config.list_value(key)
        except (ChargecheckError, ValueError):
            return default

    def _limits(self) -> Limits:
        return Limits(
            call_timeout=float(self.cfg_int("OCPPCallTimeout", 30)),
            attempts=self.cfg_int("TransactionMessageAttempts", 3),
            retry_interval=float(self.cfg_int("TransactionMessageRetryInterval", 60)),
        )

    @property
    def firmware_version(self) -> str:
        installed = self.store.get("firmwareVersion")
        return str(installed or self.config.identity.get("firmwareVersion", ""))

    def boot_payload(self) -> dict[str, Any]:
        identity = {**self.config.identity, "firmwareVersion": self.firmware_version}
        if "boot_missing_iccid" in self.defects:
            identity.pop("iccid", None)
        return {name: identity[name] for name in BOOT_FIELDS if identity.get(name)}

    # -- plumbing ----------------------------------------------------------------------

    def _send_text(self, text: str) -> None:
        if self.muted and text.startswith("[2,"):  # defect silent_after_reconnect
            self.log(f"muted, not sent: {text}")
            return
        self.actions.append(SendFrame(text))
        self.log(f"-> {text}")

    def seconds_until(self, moment: datetime) -> float:
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return (moment - self.now.utc).total_seconds()

    def connector(self, connector_id: int) -> Connector:
        if not 0 <= connector_id < len(self.connectors):
            raise ValueError(
                f"connector {connector_id} does not exist (0..{len(self.connectors) - 1})"
            )
        return self.connectors[connector_id]

    @property
    def outlets(self) -> list[Connector]:
        """Connectors 1..n (connector 0 is the station itself)."""
        return self.connectors[1:]

    @property
    def has_authorization_cache(self) -> bool:
        """Does this station have an Authorization Cache (OCPP 1.6 section 3.5) at all?"""
        return "no_authorization_cache" not in self.variants

    @property
    def authorization_cache(self) -> bool:
        """Is the Authorization Cache there and enabled (AuthorizationCacheEnabled)?"""
        return self.has_authorization_cache and self.cfg_bool("AuthorizationCacheEnabled", True)

    @property
    def local_list_tags(self) -> dict[str, Any]:
        """idTag -> idTagInfo of the Local Authorization List (section 3.5.2)."""
        tags: dict[str, Any] = self.store.get("local_list", {}).get("tags", {})
        return tags

    @property
    def local_list_broken(self) -> bool:
        """Is the storage of the Local Authorization List broken (the control interface's
        ``/local_list_failure``)? It stays so across reboots until repaired."""
        return bool(self.store.get("local_list_failure", False))

    def set_local_list_failure(self, broken: bool) -> None:
        """Break (or repair) the storage of the Local Authorization List: while broken,
        SendLocalList stores nothing and is answered Failed (section 5.15)."""
        self.store.put("local_list_failure", broken)
        self.log(f"local list storage {'broken' if broken else 'repaired'}")

    def availability_wait(self, c: Connector) -> str | None:
        """What a change of ``c``'s availability waits for: "transaction" while one is in
        progress (OCPP 1.6 section 5.2: Scheduled), "cable" for a car plugged in with the
        variant scheduled_availability when the connector is to go inoperative (back to
        operative there is nothing to wait for), None: it takes effect at once."""
        if c.transaction is not None:
            return "transaction"
        if c.plugged and c.operative and "scheduled_availability" in self.variants:
            return "cable"
        return None

    # -- statuses (OCPP 1.6 section 4.9) ----------------------------------------------------

    @property
    def may_report(self) -> bool:
        return self.link.online and self.link.accepted and self.boot_accepted

    def refresh_statuses(self) -> None:
        """Derive every connector's status; report each change the table allows.

        A ChangeAvailability answered Scheduled is applied once its transaction is over
        (and, if it waits for the cable, once the cable is out)."""
        for c in self.connectors:
            self._derive(c)
            if (
                c.scheduled_operative is not None
                and c.transaction is None
                and not (c.scheduled_until_unplugged and c.plugged)
            ):
                self.apply_availability(c, c.scheduled_operative)
                self._derive(c)

    def apply_availability(self, c: Connector, operative: bool) -> None:
        c.scheduled_operative = None
        c.scheduled_until_unplugged = False
        if not operative:  # whatever session was being set up or closed is over
            c.authorized_tag = None
            c.pending_profile = None
            c.reservation_id = None
            c.finishing = False
            c.timed_out = c.plugged
            self.cancel_timer(f"connection:{c.connector_id}")
            if c.status is S.PREPARING:
                # Section 4.9 has no Preparing -> Unavailable: the session being prepared
                # is cancelled first (B1, as at ConnectionTimeOut), then A8.
                self._derive(c)
        c.operative = operative
        saved = self.store.get("availability", {})
        saved[str(c.connector_id)] = operative
        self.store.put("availability", saved)

    def _derive(self, c: Connector) -> None:
        new = derive_status(c, self.quirks)
        old = c.status
        if new != old:
            if old is not None and not allowed(c.connector_id, old, new):
                raise LocalProtocolError(
                    f"station model bug: connector {c.connector_id} {old} -> {new} is not "
                    "a transition of OCPP 1.6 section 4.9"
                )
            c.status = new
            self.log(f"connector {c.connector_id}: {old} -> {new}")
            if old is None:
                return  # the first status of a station life is reported at boot
            c.trail.append(new)
            silent = "silent_fault" in self.defects and S.FAULTED in (old, new)
            if self.may_report and not silent:
                self.report_status(c, new)

    def report_status(self, c: Connector, status: S) -> None:
        payload: dict[str, Any] = {
            "connectorId": c.connector_id,
            "errorCode": "NoError",
            "status": str(status),
            "timestamp": self.now.text,
        }
        if status is S.FAULTED and c.fault is not None:
            payload["errorCode"] = c.fault.error_code
            if c.fault.info:
                payload["info"] = c.fault.info
            if c.fault.vendor_error_code:
                payload["vendorErrorCode"] = c.fault.vendor_error_code
        self.link.submit("StatusNotification", payload, connector=c.connector_id, status=status)

    def report_all_statuses(self) -> None:
        for c in self.connectors:
            assert c.status is not None
            if c.connector_id == 0 and (
                "no_status_connector0" in self.defects  # the same as the variant:
                or "connector0_when_asked" in self.variants  # only when changed or asked
                or not self.cfg_bool("SendStatusOnConnectorZero", True)
            ):
                c.trail = []
                continue
            c.trail = [c.status]
            self.report_status(c, c.status)

    def catch_up_statuses(self) -> None:
        """After a reconnection: report what changed while the link was down, by a path
        the table allows (the latest status alone if it may follow the last reported)."""
        for c in self.connectors:
            if not c.trail or c.status is None:
                continue
            if c.reported is None or allowed(c.connector_id, c.reported, c.status):
                c.trail = [c.status]
            path = [s for i, s in enumerate(c.trail) if i == 0 or c.trail[i - 1] != s]
            for status in path:
                self.report_status(c, status)

    def _on_sent(self, item: Outgoing) -> None:
        if item.action != "StatusNotification":
            return
        c = self.connectors[item.context["connector"]]
        status = item.context["status"]
        c.reported = status
        if status in c.trail:
            del c.trail[: c.trail.index(status) + 1]

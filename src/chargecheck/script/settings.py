"""Every wait and interval of the script, from one TOML settings profile.

``bench`` (the default, realistic values for a real charger) and ``demo`` (short values
for the simulator) ship in ``script/profiles/``; a user's file (``--settings FILE``)
overrides any subset of keys. An unknown key or a wrong type is a bench error that
names the key, never silently ignored.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from chargecheck.protocol.actions import BOOT_NOTIFICATION_FIELDS


class SettingsError(ValueError):
    """A settings file is unreadable or holds an unknown key or a wrong type."""


# Row 1: the BootNotification fields the seed asks for ("chargePointSerialNumber, iccid,
# chargePointVendor, firmwareVersion and chargePointModel"), in its order.
SEED_IDENTITY_FIELDS = (
    "chargePointSerialNumber",
    "iccid",
    "chargePointVendor",
    "firmwareVersion",
    "chargePointModel",
)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 600.0  # for the station to connect to the bench
    boot: float = 60.0  # for the BootNotification after connecting
    call: float = 30.0  # for the answer to any CALL
    status: float = 30.0  # for a StatusNotification after a command
    transaction: float = 60.0  # for Start/StopTransaction after an action
    reboot: float = 300.0  # for the station to boot again after a reset
    physical_step: float = 120.0  # for the operator to do a physical step
    firmware: float = 600.0  # from UpdateFirmware to Installed
    diagnostics: float = 300.0  # from GetDiagnostics to the file on the server
    negative: float = 15.0  # how long to watch for something that must not happen


@dataclass(frozen=True)
class Heartbeat:
    interval: int = 60  # HeartbeatInterval the bench sets to measure it
    max_interval: int = 3600  # the seed: "at least every 1 hour"
    samples: int = 2  # intervals measured
    tolerance: float = 0.25  # fraction of the interval a heartbeat may be late


@dataclass(frozen=True)
class Meter:
    interval: int = 30  # MeterValueSampleInterval the bench sets (seed: at most 30 s)
    samples: int = 2
    tolerance: float = 0.5
    measurands: tuple[str, ...] = ("Voltage", "Current.Import", "Power.Active.Import")


@dataclass(frozen=True)
class Limits:
    """What one station may cost the bench (csms/limits.py: why these defaults and what
    a station beyond them gets); each hit is journaled."""

    max_frame_bytes: int = 1 << 20  # a larger frame: WebSocket close 1009
    max_frames_per_second: float = 200.0  # beyond (after a burst): read later; 0: no limit
    frame_burst: int = 1000
    max_pending_calls: int = 100  # CALLs unanswered at once; beyond: CALLERROR GenericError
    duplicate_identity: str = "replace"  # a second connection: "replace" or "refuse"

    def server_keys(self) -> dict[str, Any]:
        """These limits as ``ServerSettings`` keyword arguments."""
        return {
            "max_frame_bytes": self.max_frame_bytes,
            "max_frames_per_second": self.max_frames_per_second or None,
            "frame_burst": self.frame_burst,
            "max_pending_calls": self.max_pending_calls,
            "duplicate_identity": self.duplicate_identity,
        }


@dataclass(frozen=True)
class Settings:
    name: str = "bench"
    station: str = ""  # identity to wait for; empty: the first station to connect
    connector: int = 1  # the connector used for transactions
    # Connectors with an EV (or EV simulator) connected for the whole run: a step that
    # only needs a car connected there asks nobody (chargecheck run --ev-connected).
    ev_connected: tuple[int, ...] = ()
    valid_id_tag: str = "04A2B3C4D5E6F7"
    invalid_id_tag: str = "DEADBEEF0BAD"
    connection_timeout: int = 30  # ConnectionTimeOut set for row 11
    outage: float = 60.0  # row 16: how long the bench refuses reconnects
    charging_limit_a: float = 16.0  # row 14
    # Row 1: BootNotification fields this operator requires (the seed's list by default);
    # chargePointVendor and chargePointModel are required by OCPP 1.6 whatever it says.
    required_identity_fields: tuple[str, ...] = SEED_IDENTITY_FIELDS
    configuration_changes: dict[str, str] = field(
        default_factory=lambda: {"MeterValueSampleInterval": "60"}
    )
    timeouts: Timeouts = field(default_factory=Timeouts)
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    meter: Meter = field(default_factory=Meter)
    limits: Limits = field(default_factory=Limits)


def load(source: str | Path | None = None) -> Settings:
    """Settings from a profile name (``bench``, ``demo``) or a TOML file path."""
    name = "bench" if source is None else str(source)
    if name in PROFILES:
        text = resources.files("chargecheck.script").joinpath("profiles", f"{name}.toml")
        data = tomllib.loads(text.read_text(encoding="utf-8"))
    else:
        try:
            data = tomllib.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {name}: {exc}") from None
        data.setdefault("name", Path(name).stem)
        try:
            return _merge(Settings(), data, "")
        except SettingsError as exc:  # a user's file: say which one
            raise SettingsError(f"{name}: {exc}") from None
    return _merge(Settings(), data, "")


PROFILES = ("bench", "demo")

# Numbers the script waits, counts or measures with, and the least each can be: above 0
# (a timeout of 0 waits for nothing, 0 samples measure nothing, connector 0 is the whole
# station, not one to charge on), or 0 or more for a tolerance or a current limit. Every
# timeouts.* key is above 0; [limits] has its own minimums (_limit).
_ABOVE_ZERO = frozenset(
    {
        "connector",
        "connection_timeout",
        "outage",
        "heartbeat.interval",
        "heartbeat.max_interval",
        "heartbeat.samples",
        "meter.interval",
        "meter.samples",
    }
)
_NOT_NEGATIVE = frozenset({"charging_limit_a", "heartbeat.tolerance", "meter.tolerance"})


def _merge(base: Any, data: dict[str, Any], prefix: str) -> Any:
    known = {f.name: f for f in fields(base)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in known:
            raise SettingsError(f"unknown setting {where!r} (known: {', '.join(known)})")
        current = getattr(base, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"setting {where!r} must be a table")
            changes[key] = _merge(current, value, f"{where}.")
        else:
            changes[key] = _in_range(_coerce(current, value, where, str(known[key].type)), where)
    return replace(base, **changes)


def _coerce(current: Any, value: Any, where: str, annotation: str = "") -> Any:
    if where == "required_identity_fields":
        return _identity_fields(value, where)
    if where.startswith("limits."):
        return _limit(current, value, where)
    if isinstance(current, bool) or isinstance(value, bool):
        if not isinstance(value, bool) or not isinstance(current, bool):
            raise SettingsError(f"setting {where!r} must be {type(current).__name__}")
        return value
    if isinstance(current, float) and isinstance(value, int | float):
        return float(value)
    if isinstance(current, tuple) and isinstance(value, list):
        if annotation == "tuple[int, ...]":
            if not all(type(v) is int and v > 0 for v in value):
                raise SettingsError(f"setting {where!r} must be a list of connector ids >= 1")
            return tuple(value)
        return tuple(str(v) for v in value)
    if isinstance(current, dict) and isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if type(value) is not type(current):
        raise SettingsError(f"setting {where!r} must be {type(current).__name__}, got {value!r}")
    return value


def _in_range(value: Any, where: str) -> Any:
    """``value`` if a run can use it (``_ABOVE_ZERO``, ``_NOT_NEGATIVE``); TOML's ``inf``
    and ``nan`` are no timeout either."""
    above_zero = where in _ABOVE_ZERO or where.startswith("timeouts.")
    if not above_zero and where not in _NOT_NEGATIVE:
        return value
    if math.isfinite(value) and (value > 0 if above_zero else value >= 0):
        return value
    least = "above 0" if above_zero else "0 or more"
    raise SettingsError(f"setting {where!r} must be a number {least}, got {value!r}")


def _limit(current: Any, value: Any, where: str) -> Any:
    """A ``[limits]`` key: a positive number (max_frames_per_second may be 0: none),
    or duplicate_identity's policy."""
    if where == "limits.duplicate_identity":
        if value not in ("replace", "refuse"):
            raise SettingsError(f"setting {where!r} must be 'replace' or 'refuse', got {value!r}")
        return value
    is_float = isinstance(current, float)
    kinds = (int, float) if is_float else (int,)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise SettingsError(f"setting {where!r} must be {type(current).__name__}, got {value!r}")
    number = float(value) if is_float else value
    least = 0 if where == "limits.max_frames_per_second" else 1
    if number < least:
        raise SettingsError(f"setting {where!r} must be at least {least}, got {value!r}")
    return number


def _identity_fields(value: Any, where: str) -> tuple[str, ...]:
    """A list of BootNotification field names (OCPP 1.6 section 6.3), each once."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(
            f"setting {where!r} must be a list of BootNotification field names, got {value!r}"
        )
    unknown = [v for v in value if v not in BOOT_NOTIFICATION_FIELDS]
    if unknown:
        raise SettingsError(
            f"setting {where!r}: unknown BootNotification field {', '.join(map(repr, unknown))}"
            f" (the fields are {', '.join(BOOT_NOTIFICATION_FIELDS)})"
        )
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise SettingsError(f"setting {where!r} names {', '.join(repeated)} more than once")
    return tuple(value)

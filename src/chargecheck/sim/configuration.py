"""Configuration keys of the simulated station (OCPP 1.6 sections 5.3, 5.8 and 9).

A charger is described by a *profile*: TOML data, shipped in ``profiles/`` (package data)
or written by a user for their own charger, holding the BootNotification identity, the
number of connectors and every configuration key with its type, read-only flag, value and
constraints (the format is documented at the top of ``profiles/alfen-ng920.toml``).

``Configuration`` answers as a station does:

- ChangeConfiguration.req (section 5.3), decided in this order: an unknown key is
  ``NotSupported``; a read-only key is ``Rejected``; a value of the wrong type, out of the
  key's range, not one of its allowed values (e.g. not an OCPP 1.6 Measurand) or a list
  longer than the key's ``...MaxLength`` key is ``Rejected``; a key marked
  ``reboot_required`` is ``RebootRequired``: the value is held pending, ``value()`` and
  GetConfiguration keep reporting the value in force, and the station calls
  ``apply_pending()`` when it reboots; any other key is ``Accepted`` and in force at once.
- GetConfiguration.req (section 5.8): no keys (or an empty list) reports every key in
  profile order; requested keys the station does not know go to ``unknownKey``.
  ``GetConfigurationMaxKeys`` (section 9.1) bounds the number of keys *requested* in one
  GetConfiguration.req, never the number reported for "all keys"; a request over the
  bound raises ``TooManyKeys``, to be answered with a CALLERROR.

Keys and their values are ``CiString`` types (section 7: case-insensitive): keys, booleans
and allowed values match regardless of case and are stored in their canonical spelling.

Errors::

    ChargecheckError
    ├── PeerProtocolError
    │   └── TooManyKeys           the Central System asked for more keys than allowed
    └── ConfigurationError        a malformed profile, or the simulator misused its keys
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from ocpp.v16.enums import Measurand

from chargecheck.protocol.actions import FEATURE_PROFILES
from chargecheck.protocol.errors import ChargecheckError, PeerProtocolError

FORMAT = 1
VALUE_MAX_CHARS = 500  # ChangeConfiguration.req value is a CiString500Type (section 7)
KEY_TYPES = ("int", "bool", "string", "csl")
RATE_UNITS = ("Current", "Power")  # ChargingScheduleAllowedChargingRateUnit (section 9.4)
# ConnectorPhaseRotation items are "<connectorId>.<rotation>" (section 9.1).
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
PACKAGE_PROFILES = "profiles"

_INT = re.compile(r"-?[0-9]+")
_SPEC_FIELDS = frozenset(
    {"name", "type", "readonly", "value", "min", "max", "allowed", "max_length_key"}
    | {"max_chars", "reboot_required"}
)


class ConfigurationError(ChargecheckError):
    """A charger profile is malformed, or the simulator asked its configuration for
    something it does not hold. Always the simulator's side (a bad profile file, a bug),
    never the Central System's; the message names the profile source and the key."""


class TooManyKeys(PeerProtocolError):
    """Raised by ``Configuration.get`` when GetConfiguration.req names more keys than
    ``GetConfigurationMaxKeys`` (section 9.1); ``code`` is the CALLERROR code to answer."""

    def __init__(self, requested: int, maximum: int) -> None:
        super().__init__(
            "OccurenceConstraintViolation",
            f"GetConfiguration.req names {requested} keys, GetConfigurationMaxKeys is {maximum}",
        )
        self.requested = requested
        self.maximum = maximum


# An item checker maps one value (or list item) to its canonical spelling, or None.
ItemCheck = Callable[[str, int], str | None]


def _choice(options: Iterable[str]) -> ItemCheck:
    canonical = {option.lower(): option for option in options}
    return lambda item, _connectors: canonical.get(item.lower())


def _phase_rotation(item: str, connectors: int) -> str | None:
    connector, dot, rotation = item.partition(".")
    if not dot or not _INT.fullmatch(connector) or not 0 <= int(connector) <= connectors:
        return None
    spelled = _choice(PHASE_ROTATIONS)(rotation, connectors)
    return None if spelled is None else f"{int(connector)}.{spelled}"


NAMED_SETS: dict[str, ItemCheck] = {
    "measurands": _choice(m.value for m in Measurand),
    "feature_profiles": _choice(FEATURE_PROFILES),
    "rate_units": _choice(RATE_UNITS),
    "phase_rotations": _phase_rotation,
}


@dataclass(frozen=True)
class KeySpec:
    """What a key is: its type and the constraints a new value must meet."""

    name: str
    type: str
    readonly: bool = False
    reboot_required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    allowed: tuple[str, ...] | str | None = None  # a list of values, or a NAMED_SETS name
    max_length_key: str | None = None
    max_chars: int = VALUE_MAX_CHARS

    def item_check(self) -> ItemCheck | None:
        if isinstance(self.allowed, str):
            return NAMED_SETS[self.allowed]
        return None if self.allowed is None else _choice(self.allowed)

    def to_dict(self) -> dict[str, Any]:
        """The profile form of this key (defaults left out), without its value: a new dict
        each time, worked out once per spec (a station saves all its keys at every change,
        and a fleet of stations shares the specs of its profile)."""
        form = self._profile_form
        if isinstance(self.allowed, tuple):
            return {**form, "allowed": list(self.allowed)}
        return dict(form)

    @cached_property
    def _profile_form(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        optional = {
            "readonly": (self.readonly, False),
            "reboot_required": (self.reboot_required, False),
            "min": (self.minimum, None),
            "max": (self.maximum, None),
            "allowed": (
                list(self.allowed) if isinstance(self.allowed, tuple) else self.allowed,
                None,
            ),
            "max_length_key": (self.max_length_key, None),
            "max_chars": (self.max_chars, VALUE_MAX_CHARS),
        }
        out.update({k: v for k, (v, default) in optional.items() if v != default})
        return out


class Configuration:
    """The configuration keys, identity and connector count of one simulated station."""

    def __init__(
        self,
        identity: Mapping[str, str],
        connectors: int,
        specs: Iterable[KeySpec],
        values: Mapping[str, str | None],
        pending: Mapping[str, str] | None = None,
        *,
        source: str = "configuration",
    ) -> None:
        self.identity: dict[str, str] = dict(identity)
        self.connectors = connectors
        self._source = source
        self._specs: dict[str, KeySpec] = {}
        for spec in specs:
            if spec.name.lower() in self._specs:
                raise self._error(spec.name, "is defined twice")
            self._specs[spec.name.lower()] = spec
        self._values: dict[str, str | None] = {}
        self._pending: dict[str, str] = {}
        self._check_specs()
        # Lists are checked last: their length bound is the value of another key.
        for name, value in sorted(values.items(), key=lambda kv: self._known(kv[0]).type == "csl"):
            self._values[name.lower()] = None if value is None else self._checked(name, value)
        for name, value in (pending or {}).items():
            self._pending[self._known(name).name.lower()] = self._checked(name, value)
        self._check_connectors()

    # --- loading and persistence ---

    @classmethod
    def from_profile(cls, profile: str | Path) -> Configuration:
        """Load a profile: a name shipped with the package (``"alfen-ng920"``) or a path
        to a TOML file (a ``Path``, or a string containing a slash or ending in .toml)."""
        data, source = read_profile(profile)
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "dict") -> Configuration:
        """Rebuild from ``to_dict()`` output or from the data of a profile file."""
        if d.get("format", FORMAT) != FORMAT:
            raise ConfigurationError(f"{source}: unknown format {d.get('format')!r}")
        identity = d.get("identity", {})
        if not isinstance(identity, Mapping) or not all(
            isinstance(v, str) for v in identity.values()
        ):
            raise ConfigurationError(f"{source}: [identity] must map field names to strings")
        connectors = d.get("connectors")
        if not isinstance(connectors, int) or isinstance(connectors, bool) or connectors < 1:
            raise ConfigurationError(f"{source}: connectors must be a positive integer")
        section = d.get("configuration", {})
        raw_keys = section.get("keys", []) if isinstance(section, Mapping) else None
        if not isinstance(raw_keys, list):
            raise ConfigurationError(f"{source}: configuration.keys must be a list")
        specs = [_spec_from_dict(raw, source) for raw in raw_keys]
        values = {
            spec.name: _value_text(raw.get("value"), spec.name, source)
            for spec, raw in zip(specs, raw_keys, strict=True)
        }
        pending = {
            name: text
            for name, value in d.get("pending", {}).items()
            if (text := _value_text(value, name, source)) is not None
        }
        return cls(identity, connectors, specs, values, pending, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild this configuration (values as strings)."""
        keys = []
        for lower, spec in self._specs.items():
            entry = spec.to_dict()
            if self._values.get(lower) is not None:
                entry["value"] = self._values[lower]
            keys.append(entry)
        return {
            "format": FORMAT,
            "connectors": self.connectors,
            "identity": dict(self.identity),
            "configuration": {"keys": keys},
            "pending": self.pending,
        }

    # --- GetConfiguration / ChangeConfiguration ---

    def get(self, keys: list[str] | None) -> tuple[list[dict[str, Any]], list[str]]:
        """GetConfiguration.conf: (configurationKey entries, unknownKey), section 5.8.

        ``None`` or ``[]`` reports every key. A key asked twice is reported once.
        """
        if not keys:
            return [self._entry(spec) for spec in self._specs.values()], []
        maximum = self._max_keys()
        if maximum is not None and len(keys) > maximum:
            raise TooManyKeys(len(keys), maximum)
        entries: list[dict[str, Any]] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for key in keys:
            if key.lower() in seen:
                continue
            seen.add(key.lower())
            spec = self._specs.get(key.lower())
            if spec is None:
                unknown.append(key)
            else:
                entries.append(self._entry(spec))
        return entries, unknown

    def change(self, key: str, value: str) -> str:
        """ChangeConfiguration.conf status for ``key`` := ``value`` (section 5.3)."""
        spec = self._specs.get(key.lower())
        if spec is None:
            return "NotSupported"
        if spec.readonly:
            return "Rejected"
        canonical = self._normalize(spec, value)
        if canonical is None:
            return "Rejected"
        if spec.reboot_required:
            self._pending[spec.name.lower()] = canonical
            return "RebootRequired"
        self._values[spec.name.lower()] = canonical
        return "Accepted"

    def apply_pending(self) -> dict[str, str]:
        """Put the RebootRequired changes in force (the station calls this when it
        reboots); returns them, by key name."""
        applied = self.pending
        self._values.update(self._pending)
        self._pending.clear()
        return applied

    @property
    def pending(self) -> dict[str, str]:
        """Changes answered RebootRequired and not yet in force, by key name."""
        return {self._specs[lower].name: value for lower, value in self._pending.items()}

    # --- station-side access ---

    def value(self, key: str) -> str | None:
        """The value in force, or ``None`` for an unknown key or a key without value."""
        return self._values.get(key.lower())

    def int_value(self, key: str) -> int:
        return int(self._typed(key, "int"))

    def bool_value(self, key: str) -> bool:
        return self._typed(key, "bool") == "true"

    def list_value(self, key: str) -> list[str]:
        text = self._typed(key, "csl")
        return text.split(",") if text else []

    def set_internal(self, key: str, value: str) -> None:
        """Set a value from the station's side (e.g. a new firmware), read-only or not;
        the value must still be valid. It replaces any pending change of the key."""
        spec = self._known(key)
        self._values[spec.name.lower()] = self._checked(key, value)
        self._pending.pop(spec.name.lower(), None)

    def keys(self) -> list[str]:
        """Every key name, in profile order."""
        return [spec.name for spec in self._specs.values()]

    def spec(self, key: str) -> KeySpec:
        return self._known(key)

    # --- internals ---

    def _entry(self, spec: KeySpec) -> dict[str, Any]:
        entry: dict[str, Any] = {"key": spec.name, "readonly": spec.readonly}
        if (value := self._values.get(spec.name.lower())) is not None:
            entry["value"] = value
        return entry

    def _max_keys(self) -> int | None:
        spec = self._specs.get("getconfigurationmaxkeys")
        if spec is None or self._values.get(spec.name.lower()) is None:
            return None
        return self.int_value(spec.name)

    def _normalize(self, spec: KeySpec, text: str) -> str | None:
        """The canonical form of ``text`` as a value of ``spec``, or None if invalid."""
        if not isinstance(text, str) or len(text) > min(spec.max_chars, VALUE_MAX_CHARS):
            return None
        if spec.type == "int":
            if not _INT.fullmatch(text):
                return None
            number = int(text)
            below = spec.minimum is not None and number < spec.minimum
            above = spec.maximum is not None and number > spec.maximum
            return None if below or above else str(number)
        if spec.type == "bool":
            return text.lower() if text.lower() in ("true", "false") else None
        check = spec.item_check()
        if spec.type == "string":
            return text if check is None else check(text, self.connectors)
        return self._normalize_list(spec, text, check)

    def _normalize_list(self, spec: KeySpec, text: str, check: ItemCheck | None) -> str | None:
        items = [item.strip() for item in text.split(",")] if text else []
        if spec.max_length_key is not None and len(items) > self.int_value(spec.max_length_key):
            return None
        canonical = []
        for item in items:
            spelled = item if check is None or not item else check(item, self.connectors)
            if not spelled:
                return None
            canonical.append(spelled)
        return ",".join(canonical)

    def _typed(self, key: str, expected: str) -> str:
        spec = self._known(key)
        if spec.type != expected:
            raise self._error(key, f"is of type {spec.type}, not {expected}")
        value = self._values.get(spec.name.lower())
        if value is None:
            raise self._error(key, "has no value")
        return value

    def _known(self, key: str) -> KeySpec:
        spec = self._specs.get(key.lower())
        if spec is None:
            raise self._error(key, "is not a key of this charger")
        return spec

    def _checked(self, key: str, value: str) -> str:
        canonical = self._normalize(self._known(key), value)
        if canonical is None:
            raise self._error(key, f"value {value!r} is not valid for {self._describe(key)}")
        return canonical

    def _describe(self, key: str) -> str:
        return ", ".join(f"{k}={v}" for k, v in self._known(key).to_dict().items() if k != "name")

    def _check_specs(self) -> None:
        for spec in self._specs.values():
            low, high = spec.minimum, spec.maximum
            if low is not None and high is not None and low > high:
                raise self._error(spec.name, "has min above max")
            target = spec.max_length_key
            if target is not None and (
                target.lower() not in self._specs or self._specs[target.lower()].type != "int"
            ):
                raise self._error(spec.name, f"max_length_key {target!r} is not an int key")

    def _check_connectors(self) -> None:
        spec = self._specs.get("numberofconnectors")
        declared = self.value(spec.name) if spec is not None else None
        if spec is not None and declared is not None and int(declared) != self.connectors:
            raise self._error(spec.name, f"differs from connectors = {self.connectors}")
        for field in ("chargePointVendor", "chargePointModel"):
            if field not in self.identity:
                raise ConfigurationError(
                    f"{self._source}: [identity] lacks {field} (required by BootNotification)"
                )

    def _error(self, key: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self._source}: key {key!r} {problem}")


def profile_names() -> list[str]:
    """The charger profiles shipped with the package."""
    folder = resources.files(__package__).joinpath(PACKAGE_PROFILES)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def read_profile(profile: str | Path) -> tuple[dict[str, Any], str]:
    """The TOML data of a profile (a shipped name or a path, as ``from_profile`` takes)
    and its source for messages; ``ConfigurationError`` if it cannot be read."""
    if isinstance(profile, Path) or "/" in profile or profile.endswith(".toml"):
        path = Path(profile)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read charger profile {path}: {exc}") from None
        source = str(path)
    else:
        resource = resources.files(__package__).joinpath(PACKAGE_PROFILES, f"{profile}.toml")
        if not resource.is_file():
            known = ", ".join(profile_names())
            raise ConfigurationError(f"no charger profile named {profile!r} (known: {known})")
        text = resource.read_text(encoding="utf-8")
        source = f"profile {profile!r}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from None
    return data, source


def _spec_from_dict(raw: Any, source: str) -> KeySpec:
    """A ``KeySpec`` from one entry of a profile's key list, every field checked."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise ConfigurationError(f"{source}: every key needs a name: {raw!r}")
    name = raw["name"]

    def fail(problem: str) -> ConfigurationError:
        return ConfigurationError(f"{source}: key {name!r} {problem}")

    if unknown := sorted(set(raw) - _SPEC_FIELDS):
        raise fail(f"has unknown fields {unknown}")
    if raw.get("type") not in KEY_TYPES:
        raise fail(f"type must be one of {KEY_TYPES}, not {raw.get('type')!r}")
    for flag in ("readonly", "reboot_required"):
        if not isinstance(raw.get(flag, False), bool):
            raise fail(f"{flag} must be true or false")
    for number in ("min", "max", "max_chars"):
        if raw.get(number) is not None and (
            not isinstance(raw[number], int) or isinstance(raw[number], bool)
        ):
            raise fail(f"{number} must be an integer")
    if raw.get("type") != "int" and ("min" in raw or "max" in raw):
        raise fail("has min/max but is not an int key")
    if raw.get("type") not in ("string", "csl") and "allowed" in raw:
        raise fail("has allowed values but is neither a string nor a csl key")
    if raw.get("type") != "csl" and "max_length_key" in raw:
        raise fail("has a max_length_key but is not a csl key")
    allowed = raw.get("allowed")
    if isinstance(allowed, list) and all(isinstance(a, str) for a in allowed):
        allowed = tuple(allowed)
    elif allowed is not None and allowed not in NAMED_SETS:
        raise fail(f"allowed must be a list of strings or one of {sorted(NAMED_SETS)}")
    return KeySpec(
        name=name,
        type=raw["type"],
        readonly=raw.get("readonly", False),
        reboot_required=raw.get("reboot_required", False),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        allowed=allowed,
        max_length_key=raw.get("max_length_key"),
        max_chars=raw.get("max_chars", VALUE_MAX_CHARS),
    )


def _value_text(value: Any, name: str, source: str) -> str | None:
    """A profile value as the string OCPP carries (TOML booleans and integers allowed)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    raise ConfigurationError(f"{source}: key {name!r} value {value!r} must be a string")

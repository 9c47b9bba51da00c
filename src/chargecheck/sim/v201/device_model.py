"""The OCPP 2.0.1 device model of the simulated station, sans I/O: components, their
variables, each variable's attributes (Actual, Target, MinSet, MaxSet) with mutability,
data type and value checks, read and written the way GetVariables / SetVariables ask
(OCPP 2.0.1 part 2, use cases B05 and B06; part 1 for the model itself).

What the station has (names, types, defaults, mutability) comes from a profile file
(``chargecheck/sim/profiles/generic-201.toml``; its header describes the format), not
from code. The values the station was given survive reboots through ``to_dict`` /
``from_dict`` (the station saves them in its ``StationStore``).

A variable can be "live": its value is not stored but read from the station's state at
the time it is asked (a connector's AvailabilityState, the clock). Live variables are
always ReadOnly.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

DATA_TYPES = frozenset(
    {
        "string",
        "decimal",
        "integer",
        "dateTime",
        "boolean",
        "OptionList",
        "SequenceList",
        "MemberList",
    }
)
ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
MUTABILITIES = frozenset({"ReadOnly", "WriteOnly", "ReadWrite"})
LISTS = frozenset({"OptionList", "SequenceList", "MemberList"})
PER = frozenset({"station", "evse", "connector"})
VALUE_MAX = 1000  # SetVariableData.attributeValue maxLength in the 2.0.1 JSON schema


class ProfileError(ValueError):
    """A 2.0.1 profile file that cannot be read: names the file and the entry."""


@dataclass(frozen=True)
class VariableSpec:
    """One variable of one component as the profile declares it (for a per-EVSE or
    per-connector component: the same declaration for each of them)."""

    component: str
    variable: str
    data_type: str
    mutability: str = "ReadWrite"
    component_instance: str | None = None
    variable_instance: str | None = None
    per: str = "station"  # "station" | "evse" | "connector"
    defaults: Mapping[str, str | None] = field(default_factory=lambda: {"Actual": None})
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] = ()
    max_length: int | None = None
    reboot_required: bool = False
    persistent: bool = True
    constant: bool = False
    live: str | None = None  # the station supplies the value (see module docstring)

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(a for a in ATTRIBUTE_TYPES if a in self.defaults)


@dataclass(frozen=True, slots=True)
class Address:
    """One concrete variable: a spec at one EVSE / connector (or the station)."""

    spec: VariableSpec
    evse: int | None = None
    connector: int | None = None

    @property
    def key(self) -> str:
        s = self.spec
        comp = s.component + (f"[{s.component_instance}]" if s.component_instance else "")
        if self.evse is not None:
            comp += f"@{self.evse}" + (f".{self.connector}" if self.connector is not None else "")
        var = s.variable + (f"[{s.variable_instance}]" if s.variable_instance else "")
        return f"{comp}/{var}"

    def component_json(self) -> dict[str, Any]:
        """The ComponentType of this variable, as 2.0.1 messages carry it."""
        out: dict[str, Any] = {"name": self.spec.component}
        if self.spec.component_instance:
            out["instance"] = self.spec.component_instance
        if self.evse is not None:
            evse: dict[str, Any] = {"id": self.evse}
            if self.connector is not None:
                evse["connectorId"] = self.connector
            out["evse"] = evse
        return out

    def variable_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.spec.variable}
        if self.spec.variable_instance:
            out["instance"] = self.spec.variable_instance
        return out


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a (component, variable) of a request names: an address, or why none
    (the attributeStatus GetVariables / SetVariables answer: UnknownComponent,
    UnknownVariable)."""

    address: Address | None
    status: str = "Accepted"


def _same(a: str | None, b: str | None) -> bool:
    # Part 2, ComponentType / VariableType: name and instance are case insensitive.
    return (a or "").lower() == (b or "").lower()


# -- value checks (use case B05: a value the variable cannot take is Rejected) ------------


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")]


def check_value(spec: VariableSpec, text: str, max_size: int = VALUE_MAX) -> str | None:
    """Why ``text`` is no valid value of ``spec`` (None: it is), by its data type, limits
    and valuesList (part 2, VariableCharacteristicsType)."""
    if len(text) > min(max_size, spec.max_length or max_size):
        return f"longer than {min(max_size, spec.max_length or max_size)} characters"
    kind = spec.data_type
    if kind == "integer":
        if not text.strip().lstrip("+-").isdigit():
            return "not an integer"
        return _limits(spec, float(int(text)))
    if kind == "decimal":
        number = _number(text)
        return "not a decimal" if number is None else _limits(spec, number)
    if kind == "boolean":
        return None if text.lower() in ("true", "false") else "not true or false"
    if kind == "dateTime":
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return "not an RFC 3339 date and time"
        return None
    if kind == "OptionList":
        return None if text in spec.values_list else f"not one of {','.join(spec.values_list)}"
    if kind in ("MemberList", "SequenceList"):
        items = _items(text)
        wrong = [i for i in items if i not in spec.values_list]
        if not text or wrong:
            return f"{wrong[0] if wrong else 'empty'}: not one of {','.join(spec.values_list)}"
        if len(set(items)) != len(items):
            return "an item is listed twice"
        return None
    return None  # string: any text that fits


def _limits(spec: VariableSpec, number: float) -> str | None:
    if spec.min_limit is not None and number < spec.min_limit:
        return f"below the minimum {spec.min_limit:g}"
    if spec.max_limit is not None and number > spec.max_limit:
        return f"above the maximum {spec.max_limit:g}"
    return None


# -- the model ------------------------------------------------------------------------------

LiveValue = Callable[[Address, str], str | None]


class DeviceModel:
    """Every variable of the station and the values it holds now."""

    def __init__(
        self,
        specs: tuple[VariableSpec, ...],
        evses: Mapping[int, tuple[int, ...]],
        values: dict[str, dict[str, str | None]] | None = None,
        pending: dict[str, dict[str, str]] | None = None,
        live: LiveValue | None = None,
    ) -> None:
        """``evses``: EVSE id -> its connector ids; ``values``: key -> attribute -> value
        (what a previous life saved; the profile's defaults fill the rest); ``pending``:
        values set with RebootRequired, taken at the next ``apply_pending``."""
        self.specs = specs
        self.evses = dict(evses)
        self.live: LiveValue = live or (lambda address, attribute: None)
        self.addresses = tuple(self._expand())
        self._by_key = {a.key: a for a in self.addresses}
        saved = values or {}
        self.values: dict[str, dict[str, str | None]] = {}
        for a in self.addresses:
            if a.spec.live is None:
                stored = saved.get(a.key, {})
                self.values[a.key] = {t: stored.get(t, d) for t, d in a.spec.defaults.items()}
        self.pending: dict[str, dict[str, str]] = dict(pending or {})

    def _expand(self) -> Iterator[Address]:
        for spec in self.specs:
            if spec.per == "station":
                yield Address(spec)
            elif spec.per == "evse":
                yield from (Address(spec, e) for e in sorted(self.evses))
            else:
                for e in sorted(self.evses):
                    yield from (Address(spec, e, c) for c in self.evses[e])

    # -- finding what a request names -------------------------------------------------------

    def find(self, component: Mapping[str, Any], variable: Mapping[str, Any]) -> Lookup:
        """The variable a ComponentType + VariableType name (use case B06: a component the
        station does not have is UnknownComponent, a variable it does not have of a
        component it has is UnknownVariable)."""
        evse = component.get("evse") or {}
        evse_id, connector_id = evse.get("id"), evse.get("connectorId")
        known_component = False
        for a in self.addresses:
            s = a.spec
            if not (
                _same(s.component, component.get("name"))
                and _same(s.component_instance, component.get("instance"))
                and a.evse == evse_id
                and a.connector == connector_id
            ):
                continue
            known_component = True
            if _same(s.variable, variable.get("name")) and _same(
                s.variable_instance, variable.get("instance")
            ):
                return Lookup(a)
        return Lookup(None, "UnknownVariable" if known_component else "UnknownComponent")

    def address(self, component: str, variable: str, instance: str | None = None) -> Address:
        """The station-wide variable ``component.variable[instance]`` (KeyError if none)."""
        key = f"{component}/{variable}" + (f"[{instance}]" if instance else "")
        return self._by_key[key]

    # -- reading and writing ------------------------------------------------------------------

    def read(self, address: Address, attribute: str = "Actual") -> str | None:
        """The value of ``address``'s ``attribute`` (None: it has none)."""
        if address.spec.live is not None:
            return self.live(address, attribute)
        return self.values[address.key].get(attribute)

    def write(self, address: Address, attribute: str, value: str) -> str:
        """Store a value already checked (``check_value``): "Accepted", or
        "RebootRequired" for a variable that takes it at the next boot."""
        if address.spec.reboot_required:
            self.pending.setdefault(address.key, {})[attribute] = value
            return "RebootRequired"
        self.values[address.key][attribute] = value
        return "Accepted"

    def set_internal(self, address: Address, value: str, attribute: str = "Actual") -> None:
        """The station itself changes a value (the interval of a BootNotificationResponse)."""
        self.values[address.key][attribute] = value

    def apply_pending(self) -> bool:
        """Values set with RebootRequired take effect (at power-on); whether any did."""
        applied = False
        for key, attributes in self.pending.items():
            if key in self._by_key:
                self.values[key].update(attributes)
                applied = True
        self.pending = {}
        return applied

    # -- typed reads of station-wide variables (the station's own settings) -------------------

    def text(self, component: str, variable: str, instance: str | None = None) -> str | None:
        try:
            return self.read(self.address(component, variable, instance))
        except KeyError:
            return None

    def integer(
        self, component: str, variable: str, default: int, instance: str | None = None
    ) -> int:
        text = self.text(component, variable, instance)
        try:
            return int(text) if text is not None else default
        except ValueError:
            return default

    def boolean(
        self, component: str, variable: str, default: bool, instance: str | None = None
    ) -> bool:
        text = self.text(component, variable, instance)
        return default if text is None else text.lower() == "true"

    def members(self, component: str, variable: str, default: tuple[str, ...] = ()) -> list[str]:
        text = self.text(component, variable)
        return list(default) if not text else _items(text)

    # -- persistence ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"values": self.values, "pending": self.pending}


# -- profiles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvseSpec:
    id: int
    max_power: float  # W
    connectors: tuple[tuple[int, str], ...]  # (connector id, ConnectorType)


@dataclass(frozen=True)
class Profile201:
    """A 2.0.1 charger profile: who the station says it is, its EVSEs, its variables."""

    source: str
    charging_station: Mapping[str, Any]  # BootNotificationRequest.chargingStation
    evses: tuple[EvseSpec, ...]
    specs: tuple[VariableSpec, ...]
    report_items_per_message: int = 10

    @property
    def evse_connectors(self) -> dict[int, tuple[int, ...]]:
        return {e.id: tuple(c for c, _ in e.connectors) for e in self.evses}

    def evse(self, evse_id: int) -> EvseSpec:
        return next(e for e in self.evses if e.id == evse_id)


def profile_path(profile: str | Path) -> str | Path:
    """A shipped profile's file for a name ("generic-201"), or the path given."""
    text = str(profile)
    if text.endswith(".toml") or "/" in text:
        return Path(text)
    return text


def load_profile(profile: str | Path) -> Profile201:
    """Read a 2.0.1 profile (a shipped name or a TOML file); ``ProfileError`` naming the
    file and the entry that is wrong."""
    where = profile_path(profile)
    try:
        if isinstance(where, Path):
            text = where.read_text(encoding="utf-8")
        else:
            files = resources.files("chargecheck.sim").joinpath("profiles")
            text = files.joinpath(f"{where}.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"profile {profile}: {exc}") from None
    return parse_profile(data, str(profile))


def parse_profile(data: Mapping[str, Any], source: str) -> Profile201:
    try:
        station = dict(data["charging_station"])
        evses = tuple(_evse(e) for e in data["evse"])
        specs = tuple(_spec(v) for v in data["device_model"]["variables"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"profile {source}: {exc!r}") from None
    ids = [e.id for e in evses]
    if sorted(ids) != list(range(1, len(ids) + 1)):
        raise ProfileError(f"profile {source}: EVSE ids must be 1..n, not {ids}")
    keys = set()
    for spec in specs:
        key = (spec.component, spec.component_instance, spec.variable, spec.variable_instance)
        if key in keys:
            raise ProfileError(f"profile {source}: {spec.component}.{spec.variable} twice")
        keys.add(key)
    items = int(data.get("report_items_per_message", 10))
    return Profile201(source, station, evses, specs, max(1, items))


def _evse(entry: Mapping[str, Any]) -> EvseSpec:
    connectors = tuple((int(c["id"]), str(c.get("type", "cType2"))) for c in entry["connectors"])
    return EvseSpec(int(entry["id"]), float(entry.get("max_power", 11000)), connectors)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _spec(entry: Mapping[str, Any]) -> VariableSpec:
    name = f"{entry.get('component')}.{entry.get('variable')}"
    data_type = entry["type"]
    if data_type not in DATA_TYPES:
        raise ValueError(f"{name}: type {data_type!r} is not one of {sorted(DATA_TYPES)}")
    mutability = entry.get("mutability", "ReadWrite")
    if mutability not in MUTABILITIES:
        raise ValueError(f"{name}: mutability {mutability!r}")
    per = entry.get("per", "station")
    if per not in PER:
        raise ValueError(f"{name}: per {per!r} is not one of {sorted(PER)}")
    defaults: dict[str, str | None] = {"Actual": _text(entry.get("value"))}
    for attribute, value in dict(entry.get("attributes", {})).items():
        if attribute not in ATTRIBUTE_TYPES:
            raise ValueError(f"{name}: attribute {attribute!r} is not one of {ATTRIBUTE_TYPES}")
        defaults[attribute] = _text(value)
    live = entry.get("live")
    if live is not None and mutability != "ReadOnly":
        raise ValueError(f"{name}: a live variable is ReadOnly")
    spec = VariableSpec(
        component=str(entry["component"]),
        variable=str(entry["variable"]),
        data_type=data_type,
        mutability=mutability,
        component_instance=entry.get("component_instance"),
        variable_instance=entry.get("instance"),
        per=per,
        defaults=defaults,
        unit=entry.get("unit"),
        min_limit=entry.get("min"),
        max_limit=entry.get("max"),
        values_list=tuple(entry.get("values", ())),
        max_length=entry.get("max_length"),
        reboot_required=bool(entry.get("reboot_required", False)),
        persistent=bool(entry.get("persistent", True)),
        constant=bool(entry.get("constant", False)),
        live=live,
    )
    if data_type in LISTS and not spec.values_list:
        raise ValueError(f"{name}: a {data_type} needs its values")
    for attribute, value in defaults.items():
        if value is not None and live is None:
            problem = check_value(spec, value)
            if problem:
                raise ValueError(f"{name} {attribute} {value!r}: {problem}")
    return spec

"""Configuration rules: what a GetConfiguration result reports (OCPP 1.6 chapter 9).

| rule | severity | what it demands |
|---|---|---|
| configuration.required_key | violation | each key a claimed profile requires is there |
| configuration.value_type | violation | standard key values parse as their type (int, bool, CSL) |
| configuration.readonly | warning | keys the spec marks read-only are reported read-only |

The claimed profiles are the SupportedFeatureProfiles value of the same result; Core
is always claimed. A result to a GetConfiguration that named keys is judged only on
the keys it asked for (a required key among ``unknownKey``); one to a GetConfiguration
without keys must list every required key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chargecheck.conformance.config_keys import KEYS, csl_items, required_keys, type_problem
from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace

V, W = Severity.VIOLATION, Severity.WARNING

REQUIRED_KEY = Rule(
    "configuration.required_key",
    V,
    "OCPP 1.6 sections 5.8 and 9.1 - 9.4",
    "GetConfiguration reports every key the spec marks required for each feature profile "
    "the station claims in SupportedFeatureProfiles (Core always)",
)
VALUE_TYPE = Rule(
    "configuration.value_type",
    V,
    "OCPP 1.6 chapter 9",
    "The value of a standard key parses as its type: integer, boolean (true / false) or "
    "comma-separated list of allowed items",
)
READONLY = Rule(
    "configuration.readonly",
    W,
    "OCPP 1.6 chapter 9",
    "A key the spec marks read-only is reported with readonly true",
)


def _reports(trace: StationTrace) -> Iterator[tuple[Exchange, dict[str, dict[str, Any]]]]:
    """Valid GetConfiguration results with their keys by name."""
    for exchange in trace.commands("GetConfiguration"):
        result = exchange.result
        if result is None or exchange.reply_violation is not None:
            continue
        keys = {item["key"]: item for item in result.get("configurationKey") or ()}
        yield exchange, keys


def _required_keys_present(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, keys in _reports(trace):
        profiles_value = keys.get("SupportedFeatureProfiles", {}).get("value", "")
        profiles = set(csl_items(str(profiles_value)))
        required = required_keys(profiles)
        asked = exchange.payload.get("key") or []
        if asked:
            unknown = set((exchange.result or {}).get("unknownKey") or ())
            missing = [k for k in required if k in asked and (k in unknown or k not in keys)]
        else:
            missing = [k for k in required if k not in keys]
        if missing:
            claimed = ", ".join(sorted(profiles | {"Core"}))
            yield REQUIRED_KEY.finding(
                trace.station,
                f"GetConfiguration lacks {len(missing)} key(s) required for {claimed}: "
                f"{', '.join(missing)}",
                exchange.call.id,
                exchange.reply_id,
            )


def _values_parse(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, keys in _reports(trace):
        for name, item in keys.items():
            value = item.get("value")
            if value is None:
                continue
            problem = type_problem(name, value)
            if problem:
                yield VALUE_TYPE.finding(
                    trace.station,
                    f"{name} = {value!r} {problem} (a {KEYS[name].type} key)",
                    exchange.reply_id,
                )


def _readonly_flags(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for exchange, keys in _reports(trace):
        for name, item in keys.items():
            spec = KEYS.get(name)
            if spec is not None and spec.readonly is True and item.get("readonly") is False:
                yield READONLY.finding(
                    trace.station,
                    f"{name} is reported writable (readonly false)",
                    exchange.reply_id,
                )


CHECKS = (
    Check(REQUIRED_KEY, _required_keys_present),
    Check(VALUE_TYPE, _values_parse),
    Check(READONLY, _readonly_flags),
)

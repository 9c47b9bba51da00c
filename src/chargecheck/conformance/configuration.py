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

The bench asks GetConfiguration several times in a run; the station's configuration is
one thing, so each issue of a key is one finding, whatever the number of answers that
show it: the finding says in how many answers it was seen and lists each of them as
evidence (and, for a value, each distinct value).
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


def _in_answers(count: int) -> str:
    return f" in {count} GetConfiguration answers" if count > 1 else ""


def _required_keys_present(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    missing_in: dict[str, list[Exchange]] = {}  # key -> the answers that lack it
    claimed: dict[int, set[str]] = {}  # answer's CALL id -> the profiles it claims
    for exchange, keys in _reports(trace):
        profiles_value = keys.get("SupportedFeatureProfiles", {}).get("value", "")
        profiles = set(csl_items(str(profiles_value)))
        claimed[exchange.call.id] = profiles | {"Core"}
        required = required_keys(profiles)
        asked = exchange.payload.get("key") or []
        if asked:
            unknown = set((exchange.result or {}).get("unknownKey") or ())
            missing = [k for k in required if k in asked and (k in unknown or k not in keys)]
        else:
            missing = [k for k in required if k not in keys]
        for key in missing:
            missing_in.setdefault(key, []).append(exchange)
    # keys lacking from the same answers make one finding
    groups: dict[tuple[int, ...], tuple[list[Exchange], list[str]]] = {}
    for key, answers in missing_in.items():
        group = groups.setdefault(tuple(a.call.id for a in answers), (answers, []))
        group[1].append(key)
    for answers, keys_missing in groups.values():
        profiles = set().union(*(claimed[a.call.id] for a in answers))
        lack = (
            "GetConfiguration lacks"
            if len(answers) == 1
            else f"{len(answers)} GetConfiguration answers lack"
        )
        yield REQUIRED_KEY.finding(
            trace.station,
            f"{lack} {len(keys_missing)} key(s) required for {', '.join(sorted(profiles))}: "
            f"{', '.join(keys_missing)}",
            *(i for a in answers for i in (a.call.id, a.reply_id)),
        )


def _values_parse(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    wrong: dict[str, list[tuple[Exchange, str, str]]] = {}  # key -> (answer, value, problem)
    for exchange, keys in _reports(trace):
        for name, item in keys.items():
            value = item.get("value")
            if value is None:
                continue
            problem = type_problem(name, value)
            if problem:
                wrong.setdefault(name, []).append((exchange, value, problem))
    for name, seen in wrong.items():
        distinct = dict.fromkeys((value, problem) for _, value, problem in seen)
        (value, problem), *others = distinct
        also = "".join(f"; also {v!r} {p}" for v, p in others)
        yield VALUE_TYPE.finding(
            trace.station,
            f"{name} = {value!r} {problem} (a {KEYS[name].type} key){also}{_in_answers(len(seen))}",
            *(exchange.reply_id for exchange, _, _ in seen),
        )


def _readonly_flags(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    writable: dict[str, list[Exchange]] = {}
    for exchange, keys in _reports(trace):
        for name, item in keys.items():
            spec = KEYS.get(name)
            if spec is not None and spec.readonly is True and item.get("readonly") is False:
                writable.setdefault(name, []).append(exchange)
    for name, answers in writable.items():
        yield READONLY.finding(
            trace.station,
            f"{name} is reported writable (readonly false){_in_answers(len(answers))}",
            *(exchange.reply_id for exchange in answers),
        )


CHECKS = (
    Check(REQUIRED_KEY, _required_keys_present),
    Check(VALUE_TYPE, _values_parse),
    Check(READONLY, _readonly_flags),
)

"""Payloads generated from an OCPP 1.6 JSON schema, valid and broken, and the verdict of
the exact validator (fastjsonschema) on them: shared by the tests of the fast checks
(``test_schema_check.py``, ``test_rs_check.py``), which must agree with it.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import fastjsonschema

from chargecheck.protocol.actions import ALL_ACTIONS
from chargecheck.protocol.schemas import compiled

ALL_SCHEMAS = [(action, response) for action in sorted(ALL_ACTIONS) for response in (False, True)]
HOT = ["BootNotification", "Heartbeat", "MeterValues", "StatusNotification", "Authorize"]
HOT += ["StartTransaction", "StopTransaction"]
JSON_VALUES: list[Any] = [None, True, 0, 7, 1.5, Decimal("2.5"), "", "x", [], {}, [1], {"a": 1}]
BAD_TIMES = ["yesterday", "2020-02-30T10:00:00Z", "2020-02-18 14:28:27Z", "2020-02-18T14:28:27"]
BAD_TIMES += ["\uff12020-02-18T14:28:27Z", "2020-02-18T24:00:00Z", "2020-02-18T14:28:27Z\n"]


def sample(schema: dict[str, Any], rng: random.Random) -> Any:
    """A payload that ``schema`` accepts (for the types the OCPP 1.6 schemas use)."""
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return {
            name: sample(sub, rng)
            for name, sub in properties.items()
            if name in required or rng.random() < 0.6
        }
    if kind == "array":
        least = schema.get("minItems", 0)
        items = schema.get("items", {"type": "integer"})
        return [sample(items, rng) for _ in range(rng.randint(least, least + 3))]
    if kind == "string":
        if "enum" in schema:
            return rng.choice(schema["enum"])
        if schema.get("format") == "date-time":
            return rng.choice(["2020-02-18T14:28:27Z", "2020-02-18T14:28:27.123+01:00"])
        if schema.get("format") == "uri":
            return "ftp://127.0.0.1/diagnostics"
        longest = schema.get("maxLength", 30)
        return "".join(rng.choice("aZ9-é") for _ in range(rng.randint(0, longest)))
    if kind == "integer":
        return rng.randint(-3, 10**6)
    if kind == "number":
        return rng.choice([0, 12, 3.5, Decimal("16.25")])
    if kind == "boolean":
        return rng.random() < 0.5
    return rng.choice(JSON_VALUES)


def broken(schema: dict[str, Any], value: Any, rng: random.Random) -> Any:
    """``value`` with one node (chosen at random, possibly deep) made wrong."""
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict) and value and rng.random() < 0.6:
        name = rng.choice(sorted(value))
        sub = schema.get("properties", {}).get(name, {})
        return {**value, name: broken(sub, value[name], rng)}
    if kind == "array" and isinstance(value, list) and value and rng.random() < 0.6:
        at = rng.randrange(len(value))
        copy = list(value)
        copy[at] = broken(schema.get("items", {}), value[at], rng)
        return copy
    candidates: list[Any] = [rng.choice(JSON_VALUES)]
    if kind == "object" and isinstance(value, dict):
        candidates.append({**value, "unknownField": 1})
        for name in schema.get("required", ()):
            candidates.append({k: v for k, v in value.items() if k != name})
    if kind == "string":
        candidates.append("NotInTheEnum" if "enum" in schema else 1)
        if "maxLength" in schema:
            candidates.append("x" * (schema["maxLength"] + 1))
        if schema.get("format") == "date-time":
            candidates.append(rng.choice(BAD_TIMES))
    if kind == "integer":
        candidates += [1.0, True, Decimal("3"), "3"]
    if kind == "number":
        candidates += [False, "1.5"]
    if kind == "array":
        candidates += [[], (1,), {"0": 1}]
    return rng.choice(candidates)


def full_accepts(action: str, response: bool, payload: Any) -> bool:
    try:
        compiled(action, response)(payload)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True

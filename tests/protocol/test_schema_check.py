"""The fast schema check agrees with fastjsonschema on every OCPP 1.6 schema.

Payloads are generated from each schema (valid ones), then broken one node at a time
(wrong type, missing required field, unknown field, value outside the enum, string
too long, bad date-time, empty array, ...); for each, the fast check and the
fastjsonschema validator must give the same verdict. Seeded: every run sees the same
payloads.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import fastjsonschema
import pytest

from chargecheck.protocol.actions import ALL_ACTIONS
from chargecheck.protocol.schema_check import compile_check
from chargecheck.protocol.schemas import compiled, quick_check, schema_text, validate

ALL_SCHEMAS = [(action, response) for action in sorted(ALL_ACTIONS) for response in (False, True)]
# Schemas the fast check covers; the others ($ref, multipleOf, draft-06) always go to
# fastjsonschema, which needs no comparison with itself.
SCHEMAS = [(a, r) for a, r in ALL_SCHEMAS if quick_check(a, r) is not None]
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


@pytest.mark.parametrize(("action", "response"), SCHEMAS)
def test_fast_check_agrees_with_fastjsonschema_on_valid_and_broken_payloads(action, response):
    schema = json.loads(schema_text(action, response))
    check = compile_check(schema)
    assert check is not None
    rng = random.Random(f"{action}/{response}")
    for _ in range(40):
        payload = sample(schema, rng)
        assert full_accepts(action, response, payload), payload  # the generator is right
        assert check(payload), payload
        for _ in range(3):
            bad = broken(schema, payload, rng)
            assert check(bad) == full_accepts(action, response, bad), bad


@pytest.mark.parametrize("action", HOT)
def test_the_messages_a_station_sends_most_have_a_fast_check(action):
    assert quick_check(action, False) is not None
    assert quick_check(action, True) is not None


def test_most_schemas_have_a_fast_check_and_the_rest_use_ref_multipleof_or_draft_06():
    assert len(SCHEMAS) >= 50
    for action, response in set(ALL_SCHEMAS) - set(SCHEMAS):
        text = schema_text(action, response)
        assert "$ref" in text or "multipleOf" in text or "draft-06" in text, action


def test_a_schema_with_ref_or_another_draft_gets_no_fast_check():
    assert compile_check({"$schema": "http://json-schema.org/draft-06/schema#"}) is None
    ref = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/A"}},
    }
    assert compile_check(ref) is None


def test_a_payload_the_fast_check_rejects_still_gets_the_exact_error():
    with pytest.raises(Exception) as caught:
        validate("MeterValues", {"connectorId": 1, "meterValue": []})
    assert getattr(caught.value, "rule", None) == "minItems"

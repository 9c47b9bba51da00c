"""The jsonschema-rs check never accepts a payload that fastjsonschema rejects.

It is the first filter of ``validate``: a wrong "valid" would let an invalid station frame
through. Compared with fastjsonschema on generated and mutated payloads of every OCPP 1.6
schema it covers, then on each place the two libraries are known to differ: ``format``,
integer versus float or bool, Python values that are not JSON (``Decimal``, ``Enum``,
subclasses, bytes, sets...), big integers, lone surrogates, ``maxLength`` with non-ASCII
characters.
"""

from __future__ import annotations

import enum
import json
import random
import subprocess
import sys
from decimal import Decimal
from functools import cache
from typing import Any

import fastjsonschema
import jsonschema_rs
import pytest

from chargecheck.protocol import SchemaViolation, decode_frame, validate
from chargecheck.protocol.rs_check import (
    available,
    compile_rs_check,
    format_check,
    has_object_array,
    structural_schema,
)
from chargecheck.protocol.schema_check import Check
from chargecheck.protocol.schemas import quick_check, rs_check, schema_text
from tests.protocol.schema_payloads import (
    ALL_SCHEMAS,
    BAD_TIMES,
    HOT,
    broken,
    full_accepts,
    sample,
)

DRAFT_04 = "http://json-schema.org/draft-04/schema#"


def plain(value: Any) -> bool:
    """True if ``value`` holds only JSON's own Python types (no Decimal)."""
    if isinstance(value, dict):
        return all(plain(item) for item in value.values())
    if isinstance(value, list):
        return all(plain(item) for item in value)
    return not isinstance(value, Decimal)


@cache
def any_rs_check(action: str, response: bool) -> Check | None:
    """The jsonschema-rs check of a schema, even one ``validate`` does not ask it for."""
    return compile_rs_check(json.loads(schema_text(action, response)))


SCHEMAS = [(a, r) for a, r in ALL_SCHEMAS if any_rs_check(a, r) is not None]


def rs_accepts(action: str, response: bool, payload: Any) -> bool:
    check = any_rs_check(action, response)
    assert check is not None
    return check(payload)


def meter_values(timestamp: Any = "2020-02-18T14:28:27Z", **fields: Any) -> dict[str, Any]:
    sampled = [{"value": "230.1", "measurand": "Voltage", "phase": "L1", "unit": "V"}] * 10
    payload = {"connectorId": 1, "transactionId": 7, "meterValue": []}
    payload["meterValue"] = [
        {"timestamp": "2020-02-18T14:28:26Z", "sampledValue": sampled},
        {"timestamp": timestamp, "sampledValue": sampled},
    ]
    return {**payload, **fields}


# -- every schema, generated and mutated payloads -------------------------------------


@pytest.mark.parametrize(("action", "response"), SCHEMAS)
def test_rs_check_agrees_with_fastjsonschema_on_valid_and_broken_payloads(action, response):
    schema = json.loads(schema_text(action, response))
    rng = random.Random(f"rs/{action}/{response}")
    for _ in range(40):
        payload = sample(schema, rng)
        # A Decimal is never let through (see the Decimal tests): the exact path judges it.
        assert rs_accepts(action, response, payload) == plain(payload), payload
        for _ in range(4):
            bad = broken(schema, payload, rng)
            verdict = rs_accepts(action, response, bad)
            assert not verdict or full_accepts(action, response, bad), bad
            if plain(bad):
                assert verdict == full_accepts(action, response, bad), bad


@pytest.mark.parametrize("action", HOT)
def test_the_messages_a_station_sends_most_have_an_rs_check(action):
    assert any_rs_check(action, False) is not None
    assert any_rs_check(action, True) is not None


def test_validate_asks_jsonschema_rs_first_only_for_schemas_with_an_array_of_objects():
    asked = {(a, r) for a, r in ALL_SCHEMAS if rs_check(a, r) is not None}
    assert asked == {
        ("MeterValues", False),
        ("StopTransaction", False),
        ("SendLocalList", False),
        ("GetConfiguration", True),
    }
    assert not has_object_array({"type": "object", "properties": {"a": {"type": "array"}}})
    deep = {"type": "array", "items": {"type": "array", "items": {"type": "object"}}}
    assert has_object_array({"type": "object", "properties": {"a": deep}})


def test_rs_check_covers_exactly_the_schemas_the_python_check_covers():
    # $ref, multipleOf, draft-06: no check, the exact path judges (rs computes multipleOf
    # its own way, and draft-06 reads 1.0 as an integer).
    assert available()
    for action, response in ALL_SCHEMAS:
        with_rs = any_rs_check(action, response) is not None
        assert with_rs == (quick_check(action, response) is not None), (action, response)
    assert compile_rs_check({"$schema": "http://json-schema.org/draft-06/schema#"}) is None
    ref = {"$schema": DRAFT_04, "type": "object", "properties": {"a": {"$ref": "#/x"}}}
    assert compile_rs_check(ref) is None


# -- format: fastjsonschema's regular expressions, not jsonschema-rs's parser ----------

EDGE_TIMES = [
    "2020-02-18T23:59:60Z",  # leap second
    "2016-12-31T23:59:60+00:00",
    "2020-02-18t14:28:27z",  # lowercase
    "2020-02-18T14:28:27+0100",  # offset without colon
    "2020-02-18T14:28:27.Z",
    "2020-02-18T14:28:27,5Z",
    "2020-02-18T14:28:27-00:00",
    "2020-02-18T14:28:27+24:00",
    "2020-02-18T14:28:27.123456789Z",
    "2020-02-29T00:00:00Z",
    "2019-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "2020-02-18T14:28:27Z ",
    " 2020-02-18T14:28:27Z",
    "2020-02-18T14:28:60Z",
    "2020-02-18T14:60:00Z",
    "2020-02-18T14:28Z",
    "2020-02-18",
    "\u0662020-02-18T14:28:27Z",  # an Arabic-Indic digit: Python's \d matches it
    "2020-02-18T14:28:27.1\u0663Z",
    "2020-02-18T14:28:27\u2212 01:00",
    "+2020-02-18T14:28:27Z",
    "20200218T142827Z",
    "2020-02-18T14:28:27Z\ud800",
]
EDGE_URIS = ["ftp://127.0.0.1/x", "not a uri", "ftp:", "ftp://x y", "x:y", "ftp://h/\n", "é:x"]


@pytest.mark.parametrize("timestamp", BAD_TIMES + EDGE_TIMES)
def test_date_times_get_fastjsonschemas_verdict_wherever_a_hot_schema_has_one(timestamp):
    t = timestamp
    cases = [
        ("MeterValues", False, meter_values(t)),
        (
            "StartTransaction",
            False,
            {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": t},
        ),
        ("StatusNotification", False, {"connectorId": 0, "errorCode": "NoError", "timestamp": t}),
        ("BootNotification", True, {"status": "Accepted", "interval": 60, "currentTime": t}),
        ("Heartbeat", True, {"currentTime": t}),
        ("Authorize", True, {"idTagInfo": {"status": "Accepted", "expiryDate": t}}),
    ]
    cases[2][2]["status"] = "Available"
    for action, response, payload in cases:
        expected = full_accepts(action, response, payload)
        assert rs_accepts(action, response, payload) == expected, (action, timestamp)


def test_every_bad_date_time_is_rejected_by_the_format_walk_not_by_jsonschema_rs():
    # Fails if the format walk were removed: jsonschema-rs is given no format at all.
    schema = json.loads(schema_text("MeterValues", False))
    blind = jsonschema_rs.Draft4Validator(structural_schema(schema))
    walk = format_check(schema)
    assert walk is not None
    rejected = [
        t for t in BAD_TIMES + EDGE_TIMES if not full_accepts("MeterValues", False, meter_values(t))
    ]
    assert len(rejected) >= 15
    for timestamp in rejected:
        payload = meter_values(timestamp)
        assert blind.is_valid(payload), timestamp
        assert not walk(payload), timestamp
        assert not rs_accepts("MeterValues", False, payload), timestamp


@pytest.mark.parametrize("uri", EDGE_URIS)
def test_uris_get_fastjsonschemas_verdict(uri):
    payload = {"location": uri}
    assert rs_accepts("GetDiagnostics", False, payload) == full_accepts(
        "GetDiagnostics", False, payload
    )


def test_a_property_named_format_is_kept_when_the_format_keywords_are_removed():
    schema = {
        "type": "object",
        "properties": {"format": {"type": "string", "format": "date-time"}},
        "required": ["format"],
    }
    assert structural_schema(schema) == {
        "type": "object",
        "properties": {"format": {"type": "string"}},
        "required": ["format"],
    }


# -- numbers: integer is not float, bool or Decimal ----------------------------------


INTEGERS: list[Any] = [
    *(1, 0, -1, 2**63, 2**64, 2**200, -(2**63) - 1, 1.0, 0.0, -0.0, 1e15, 1e16, 1e300, 2.0**64),
    *(True, False, Decimal("1"), Decimal("-0"), Decimal("1.0"), Decimal("1E+2"), "1", None),
]


@pytest.mark.parametrize("value", INTEGERS)
def test_integers_get_fastjsonschemas_verdict(value):
    for field in ("connectorId", "transactionId"):
        payload = meter_values(**{field: value})
        expected = full_accepts("MeterValues", False, payload)
        assert rs_accepts("MeterValues", False, payload) == (expected and plain(payload))
    payload = {
        "connectorId": 1,
        "idTag": "A",
        "meterStart": value,
        "timestamp": "2020-02-18T14:28:27Z",
    }
    assert not rs_accepts("StartTransaction", False, payload) or full_accepts(
        "StartTransaction", False, payload
    )


def test_a_decimal_connector_id_is_never_let_through_and_validate_names_the_type_rule():
    # jsonschema-rs alone reads Decimal("1") as the integer 1; the marshal gate stops it.
    schema = json.loads(schema_text("MeterValues", False))
    payload = meter_values(connectorId=Decimal("1"))
    assert jsonschema_rs.Draft4Validator(structural_schema(schema)).is_valid(payload)
    assert not rs_accepts("MeterValues", False, payload)
    with pytest.raises(SchemaViolation) as caught:
        validate("MeterValues", payload)
    assert (caught.value.rule, caught.value.path) == ("type", "connectorId")


def test_a_frame_the_decoder_reads_with_decimals_is_judged_by_the_exact_path():
    long = '[2,"1","MeterValues",{"connectorId":1.0000000000000000,"meterValue":[]}]'
    call = decode_frame(long)
    assert isinstance(call.payload["connectorId"], Decimal)  # the long-number path
    assert not rs_accepts("MeterValues", False, call.payload)
    big = '[2,"1","MeterValues",{"connectorId":123456789012345678901234,"meterValue":[' + (
        '{"timestamp":"2020-02-18T14:28:27Z","sampledValue":[{"value":"1"}]}]}]'
    )
    payload = decode_frame(big).payload
    assert rs_accepts("MeterValues", False, payload) == full_accepts("MeterValues", False, payload)
    assert full_accepts("MeterValues", False, payload)


# -- strings: maxLength counts code points; lone surrogates ---------------------------


ID_TAGS = [
    *("x" * 20, "x" * 21, "é" * 20, "é" * 21, "\U0001f600" * 20, "\U0001f600" * 21),
    *("e\u0301" * 10, "e\u0301" * 11, "\ud83d\ude00" * 10, "\ud83d\ude00" * 10 + "x"),
    *("x" * 19 + "\ud800", "x" * 20 + "\ud800", "\ud800", "\udfff" * 21, "", "x\x00"),
]


@pytest.mark.parametrize("id_tag", ID_TAGS)
def test_id_tag_lengths_and_surrogates_get_fastjsonschemas_verdict(id_tag):
    payload = {"idTag": id_tag}
    assert rs_accepts("Authorize", False, payload) == full_accepts("Authorize", False, payload)


@pytest.mark.parametrize("value", ["\ud800", "a\udfff", "\ud83d\ude00", "x" * 500 + "\ud800"])
def test_surrogates_in_values_enums_and_keys_are_never_wrongly_accepted(value):
    payloads = [
        meter_values(
            meterValue=[{"timestamp": "2020-02-18T14:28:27Z", "sampledValue": [{"value": value}]}]
        ),
        meter_values(
            meterValue=[
                {
                    "timestamp": "2020-02-18T14:28:27Z",
                    "sampledValue": [{"value": "1", "unit": value}],
                }
            ]
        ),
        meter_values(**{value: 1}),
    ]
    for payload in payloads:
        verdict = rs_accepts("MeterValues", False, payload)
        assert not verdict or full_accepts("MeterValues", False, payload), payload


def test_a_surrogate_in_a_free_text_value_is_accepted_by_both():
    payload = meter_values(
        meterValue=[{"timestamp": "2020-02-18T14:28:27Z", "sampledValue": [{"value": "\ud800"}]}]
    )
    assert full_accepts("MeterValues", False, payload)
    assert rs_accepts("MeterValues", False, payload)


# -- Python values that are not JSON, against each JSON type ---------------------------


class Plain(enum.Enum):
    A = "A"
    ONE = 1


class Number(enum.IntEnum):
    ONE = 1


class Text(enum.StrEnum):
    A = "A"


class Str(str):
    pass


class Dict(dict[str, Any]):
    pass


NODES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "array": {"type": "array"},
    "object": {"type": "object"},
    "enum": {"type": "string", "enum": ["A"]},
    "maxLength": {"type": "string", "maxLength": 1},
    "date-time": {"type": "string", "format": "date-time"},
    "items": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
    "required": {"type": "object", "required": ["a"]},
    "closed": {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "additionalProperties": False,
    },
}
ODD_VALUES: list[Any] = [
    *(None, True, False, 0, 1, 2**64, 2**200, 1.0, 1.5, 1e300, float("nan"), float("inf")),
    *(complex(1, 0), "A", "", b"A", bytearray(b"A"), memoryview(b"A"), ..., StopIteration),
    *((), (1,), ("A",), [1], [1.0], [(1,)], {1}, frozenset({1}), {}, {"a": 1}, {"a": 1.0}),
    *({"a": True}, {1: 1}, {"\ud800": 1}, {"a": 1, "\ud800": 1}, "\ud800", "A\ud800"),
    *("\U0001f600", "\U0001f600" * 2, "\ud83d\ude00", "2020-02-18T14:28:27Z"),
    *(Decimal("1"), Decimal("1.5"), Decimal("NaN"), Plain.A, Plain.ONE, Number.ONE, Text.A),
    *(Str("A"), Dict(a=1), [Plain.A], {"a": Decimal("1")}, {"a": Plain.ONE}),
]


@pytest.mark.parametrize("node", sorted(NODES))
@pytest.mark.parametrize("where", ["top", "property", "item"])
def test_no_python_value_is_accepted_where_fastjsonschema_rejects_it(node, where):
    sub = NODES[node]
    schema: dict[str, Any] = {"$schema": DRAFT_04}
    if where == "top":
        schema |= sub
    elif where == "property":
        schema |= {"type": "object", "properties": {"x": sub}}
    else:
        schema |= {"type": "array", "items": sub}
    check = compile_rs_check(schema)
    exact = fastjsonschema.compile(schema)
    assert check is not None
    for value in ODD_VALUES:
        payload = value if where == "top" else {"x": value} if where == "property" else [value]
        try:
            exact(payload)
            expected = True
        except fastjsonschema.JsonSchemaValueException:
            expected = False
        assert not check(payload) or expected, (node, where, value)


def test_jsonschema_rs_alone_would_accept_an_enum_member_and_the_gate_stops_it():
    schema = {"$schema": DRAFT_04, "type": "object", "properties": {"x": {"type": "string"}}}
    assert jsonschema_rs.Draft4Validator(schema).is_valid({"x": Plain.A})
    check = compile_rs_check(schema)
    assert check is not None
    assert not check({"x": Plain.A})
    assert check({"x": "A"})


# -- without jsonschema-rs ------------------------------------------------------------

WITHOUT_RS = """
import sys
sys.modules["jsonschema_rs"] = None  # import jsonschema_rs now raises ImportError
from chargecheck.protocol import SchemaViolation, validate
from chargecheck.protocol.rs_check import available
from chargecheck.protocol.schemas import rs_check
assert not available()
assert rs_check("MeterValues", False) is None
validate("MeterValues", {"connectorId": 1, "meterValue": [
    {"timestamp": "2020-02-18T14:28:27Z", "sampledValue": [{"value": "1"}]}]})
try:
    validate("MeterValues", {"connectorId": 1.0, "meterValue": []})
except SchemaViolation as exc:
    print(exc.rule, exc.path)
"""


def test_without_jsonschema_rs_validation_takes_the_exact_path_and_still_judges():
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_RS], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["type", "connectorId"]

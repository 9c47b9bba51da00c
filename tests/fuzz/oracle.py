"""Fuzz frames built from the OCPP 1.6 JSON schemas, each with the answer it must get.

Pure and seeded: ``Fuzzer(seed).case(kind)`` gives one ``Case`` (the bytes of one
WebSocket frame, its opcode, and the expected answer). The expected answer is worked out
from the mutation alone, by the rules below, never by asking chargecheck's own codec or
validator; the schemas (from the ``ocpp`` package) say only where a field is and what it is.

Rules (OCPP-J 1.6 section 4.2.3 "Valid Error Codes", RFC 8259, RFC 6455, JSON Schema
draft-04 as the 1.6 schemas declare):

=======================  ============================================================
mutation                 expected answer
=======================  ============================================================
valid, huge_number       CALLRESULT (draft-04 integers have no bound; 10**300 is one)
exponent_number          draft 04 (the core schemas): TypeConstraintViolation, "integer"
                         is "a JSON number without a fraction or exponent part"; draft 06
                         (security extension): CALLRESULT if integral (1.0, 2e1, 1e400)
binary                   the answer its content gets as text (OCPP-J uses text frames;
                         the conformance checks judge that, the answer is the content's)
missing_required         CALLERROR OccurenceConstraintViolation
wrong_type, deep_nesting TypeConstraintViolation (a fraction or an exponent is not a
                         draft-04 integer: 1.5, 1e400 in an integer field)
bad_enum, too_long,      PropertyConstraintViolation ("a field contains an invalid value")
bad_datetime
unknown_field            FormationViolation when the object is closed
                         (additionalProperties false: "not conform the PDU structure")
unknown_action           NotImplemented; a Central System action: NotSupported
duplicate_id             GenericError (OCPP-J 1.6 section 4.1.3: ids match answers;
                         no code of 4.2.3 names the case)
not_json, non_array,     FormationViolation, unique id "-1" (no id could be read);
too_deep, bad_unique_id  too_deep: nesting beyond the parser's bound (RFC 8259 section 9
                         lets a parser bound it)
wrong_type_id            an integer that is not 2, 3, 4: ProtocolError with the frame's
                         id; not an integer: FormationViolation "-1"
wrong_length             ProtocolError with the frame's id (the project's reading of
                         "incomplete"), "-1" when the id is missing
bad_action, bad_payload  FormationViolation with the frame's id
orphan_result,           none: a CALLRESULT/CALLERROR is never answered (OCPP-J 1.6
orphan_error             section 4.1.1); it is journaled
bad_utf8                 none: RFC 6455 section 8.1 fails the connection, close 1007
=======================  ============================================================
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from chargecheck.protocol.actions import CENTRAL_ACTIONS, STATION_ACTIONS
from chargecheck.protocol.schemas import schema_text

UNKNOWN_ID = "-1"
# How deep the Central System's JSON parser goes (orjson's bound); nesting of a few
# hundred levels stays well inside, a few thousand well beyond.
PARSER_DEPTH = 1024

STATION = sorted(STATION_ACTIONS - CENTRAL_ACTIONS)  # DataTransfer goes both ways
STATION.append("DataTransfer")
CENTRAL_ONLY = sorted(CENTRAL_ACTIONS - STATION_ACTIONS)


@dataclass(frozen=True, slots=True)
class Expect:
    """What the Central System must do: answer (message type 3 or 4, with this id and
    CALLERROR code), say nothing, or close the connection with ``close``."""

    type_id: int | None = None
    unique_id: str | None = None
    code: str | None = None
    close: int | None = None

    @property
    def answered(self) -> bool:
        return self.type_id is not None


NOTHING = Expect()


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    data: bytes
    expect: Expect
    binary: bool = False
    call_id: str | None = None  # a CALL that decodes: its id now counts as used


def result(unique_id: str) -> Expect:
    return Expect(3, unique_id)


def error(unique_id: str, code: str) -> Expect:
    return Expect(4, unique_id, code)


# -- the schemas ---------------------------------------------------------------------


@cache
def request_schema(action: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text(action, False))
    return schema


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return resolve({**target, **{k: v for k, v in node.items() if k != "$ref"}}, root)


@dataclass(frozen=True, slots=True)
class Spot:
    """A place in a payload: the path to it and the schema of what is there."""

    path: tuple[str | int, ...]
    schema: dict[str, Any]


def spots(schema: dict[str, Any], value: Any, root: dict[str, Any], path=()) -> Iterator[Spot]:
    schema = resolve(schema, root)
    yield Spot(path, schema)
    if schema.get("type") == "object" and isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from spots(sub, value[name], root, (*path, name))
    elif schema.get("type") == "array" and isinstance(value, list):
        for at, item in enumerate(value):
            yield from spots(schema["items"], item, root, (*path, at))


def get(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def put(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``path``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: put(value[head], rest, new)}
    copy = list(value)
    copy[head] = put(copy[head], rest, new)  # type: ignore[index]
    return copy


DATES = ["2026-12-03T09:21:41Z", "2026-12-03T09:21:41.5+01:00", "2020-02-29T23:59:59.999Z"]
BAD_DATES = [
    "yesterday",
    "2026-02-30T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-12-03T24:00:00Z",
    "2026-12-03 09:21:41Z",
    "2026-12-03T09:21:41",
    "2026-12-03T09:21:41Z\n",
    "",
]
TEXT = "abcXYZ019-_.é€😀"


def sample(schema: dict[str, Any], root: dict[str, Any], rng: random.Random) -> Any:
    """A value ``schema`` accepts."""
    schema = resolve(schema, root)
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {
            name: sample(sub, root, rng)
            for name, sub in schema.get("properties", {}).items()
            if name in required or rng.random() < 0.5
        }
    if kind == "array":
        least = schema.get("minItems", 0)
        return [sample(schema["items"], root, rng) for _ in range(rng.randint(least, least + 2))]
    if kind == "string":
        if "enum" in schema:
            return rng.choice(schema["enum"])
        if schema.get("format") == "date-time":
            return rng.choice(DATES)
        if schema.get("format") == "uri":
            return "ftp://127.0.0.1/x"
        longest = min(schema.get("maxLength", 50), 50)
        return "".join(rng.choice(TEXT) for _ in range(rng.randint(1, longest)))
    if kind == "integer":
        return rng.randint(0, 10**6)
    if kind == "number":
        return rng.choice([0, 7, 12.5])
    if kind == "boolean":
        return rng.random() < 0.5
    raise AssertionError(f"no sample for {schema}")


def other_type(kind: str, rng: random.Random) -> Any:
    """A JSON value that is not of the draft-04 type ``kind``."""
    choices: dict[str, list[Any]] = {
        "string": [12, 1.5, True, None, [], {}],
        "integer": ["12", 1.5, True, None, [1], {}],
        "number": ["1.5", False, None, [], {}],
        "boolean": ["true", 0, 1, None, []],
        "object": [[], "x", 3, None, True],
        "array": [{}, "x", 3, None],
    }
    return rng.choice(choices[kind])


# -- the fuzzer ----------------------------------------------------------------------


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class Fuzzer:
    """Frames for one connection: its unique ids are ``<prefix><n>``."""

    def __init__(self, seed: int, prefix: str) -> None:
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.n = 0
        self.used: list[str] = []  # ids of CALLs that decoded, on this connection

    def new_id(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n}"

    def new_connection(self) -> None:
        self.used.clear()

    def valid_call(self) -> tuple[str, str, dict[str, Any]]:
        action = self.rng.choice(STATION)
        schema = request_schema(action)
        return self.new_id(), action, sample(schema, schema, self.rng)

    def case(self, kind: str) -> Case:
        case = getattr(self, f"_{kind}")()
        assert case.kind == kind
        return case

    # Each builder returns a Case whose expectation follows the module's table.

    def _call(self, kind: str, uid: str, action: str, payload: Any, expect: Expect) -> Case:
        data = dumps([2, uid, action, payload])
        return Case(kind, data, expect, call_id=uid)

    def _valid(self) -> Case:
        uid, action, payload = self.valid_call()
        return self._call("valid", uid, action, payload, result(uid))

    def _binary(self) -> Case:
        inner = self.case(self.rng.choice(["valid", "wrong_type", "not_json", "missing_required"]))
        return Case("binary", inner.data, inner.expect, binary=True, call_id=inner.call_id)

    def _mutated(self, kind: str, want, change, code: str | None) -> Case:
        """A valid CALL with ``change(spot, value)`` applied at a spot ``want`` accepts;
        ``code`` None: the answer is a CALLRESULT."""
        for _ in range(50):
            uid, action, payload = self.valid_call()
            schema = request_schema(action)
            candidates = [s for s in spots(schema, payload, schema) if want(s, payload)]
            if candidates:
                spot = self.rng.choice(candidates)
                payload = change(spot, payload)
                expect = result(uid) if code is None else error(uid, code)
                return self._call(kind, uid, action, payload, expect)
        raise AssertionError(f"no place for {kind}")

    def _missing_required(self) -> Case:
        def want(spot: Spot, payload: Any) -> bool:
            return spot.schema.get("type") == "object" and bool(spot.schema.get("required"))

        def change(spot: Spot, payload: Any) -> Any:
            node = get(payload, spot.path)
            name = self.rng.choice(sorted(spot.schema["required"]))
            return put(payload, spot.path, {k: v for k, v in node.items() if k != name})

        return self._mutated("missing_required", want, change, "OccurenceConstraintViolation")

    def _wrong_type(self) -> Case:
        def change(spot: Spot, payload: Any) -> Any:
            return put(payload, spot.path, other_type(spot.schema["type"], self.rng))

        return self._mutated(
            "wrong_type", lambda s, p: bool(s.path), change, "TypeConstraintViolation"
        )

    def _bad_enum(self) -> Case:
        def change(spot: Spot, payload: Any) -> Any:
            value = self.rng.choice(["", "NotInTheEnum", get(payload, spot.path).lower() + "x"])
            return put(payload, spot.path, value)

        return self._mutated(
            "bad_enum", lambda s, p: "enum" in s.schema, change, "PropertyConstraintViolation"
        )

    def _too_long(self) -> Case:
        def change(spot: Spot, payload: Any) -> Any:
            over = spot.schema["maxLength"] + self.rng.choice([1, 2, 100])
            return put(payload, spot.path, self.rng.choice(TEXT) * over)

        return self._mutated(
            "too_long", lambda s, p: "maxLength" in s.schema, change, "PropertyConstraintViolation"
        )

    def _bad_datetime(self) -> Case:
        def change(spot: Spot, payload: Any) -> Any:
            return put(payload, spot.path, self.rng.choice(BAD_DATES))

        return self._mutated(
            "bad_datetime",
            lambda s, p: s.schema.get("format") == "date-time",
            change,
            "PropertyConstraintViolation",
        )

    def _unknown_field(self) -> Case:
        uid, action, payload = self.valid_call()
        schema = request_schema(action)
        objects = [s for s in spots(schema, payload, schema) if s.schema.get("type") == "object"]
        spot = self.rng.choice(objects)
        extra = {**get(payload, spot.path), "zzUnknownField": self.rng.choice([1, "x"])}
        closed = spot.schema.get("additionalProperties") is False
        expect = error(uid, "FormationViolation") if closed else result(uid)
        return self._call("unknown_field", uid, action, put(payload, spot.path, extra), expect)

    def _huge_number(self) -> Case:
        def change(spot: Spot, payload: Any) -> Any:
            magnitude = 10 ** self.rng.choice([19, 20, 39, 300])
            return put(payload, spot.path, self.rng.choice([magnitude, -magnitude]))

        return self._mutated(
            "huge_number", lambda s, p: s.schema.get("type") == "integer", change, None
        )

    def _deep_nesting(self) -> Case:
        depth = self.rng.choice([2, 64, 300])

        def change(spot: Spot, payload: Any) -> Any:
            nested: Any = "x"
            for _ in range(depth):
                nested = [nested] if self.rng.random() < 0.5 else {"k": nested}
            return put(payload, spot.path, nested)

        def want(spot: Spot, payload: Any) -> bool:
            return spot.schema.get("type") in ("string", "integer", "number", "boolean")

        return self._mutated("deep_nesting", want, change, "TypeConstraintViolation")

    def _unknown_action(self) -> Case:
        uid = self.new_id()
        if self.rng.random() < 0.5:
            action = self.rng.choice(CENTRAL_ONLY)
            payload = sample(request_schema(action), request_schema(action), self.rng)
            return self._call("unknown_action", uid, action, payload, error(uid, "NotSupported"))
        action = self.rng.choice(["MakeCoffee", "heartbeat", "Heartbeat ", "Ω", "x" * 200])
        return self._call("unknown_action", uid, action, {}, error(uid, "NotImplemented"))

    def _duplicate_id(self) -> Case:
        _, action, payload = self.valid_call()
        if not self.used:  # nothing to repeat yet on this connection: a first use
            uid = self.new_id()
            return self._call("duplicate_id", uid, action, payload, result(uid))
        uid = self.rng.choice(self.used)
        return Case("duplicate_id", dumps([2, uid, action, payload]), error(uid, "GenericError"))

    def _exponent_number(self) -> Case:
        """An integer field holding a number written with a fraction or an exponent.
        Draft 04 (the 1.6 core schemas): "a JSON number without a fraction or exponent
        part", so never an integer. Draft 06 (the security extension's): "any number
        with a zero fractional part", so ``1.0``, ``2e1`` and ``1e400`` are integers.
        (``1e-400`` only under draft 04: a parser reading doubles takes it for 0.)"""
        for _ in range(50):
            uid, action, payload = self.valid_call()
            schema = request_schema(action)
            found = [s for s in spots(schema, payload, schema) if s.schema.get("type") == "integer"]
            if found:
                spot = self.rng.choice(found)
                draft04 = "draft-04" in schema["$schema"]
                integral = [b"1e400", b"-1E+400", b"2e1", b"1.0", b"12345678901234567890.0"]
                literal = self.rng.choice([*integral, b"1.5", b"1e-400" if draft04 else b"0.5"])
                data = dumps([2, uid, action, put(payload, spot.path, "@@N@@")])
                data = data.replace(b'"@@N@@"', literal)
                if draft04 or literal not in integral:
                    expect = error(uid, "TypeConstraintViolation")
                else:
                    expect = result(uid)
                return Case("exponent_number", data, expect, call_id=uid)
        raise AssertionError("no integer field")

    def _orphan_result(self) -> Case:
        payload = self.rng.choice([{}, {"currentTime": DATES[0]}, {"status": "Accepted"}])
        return Case("orphan_result", dumps([3, self.new_id(), payload]), NOTHING)

    def _orphan_error(self) -> Case:
        code = self.rng.choice(["GenericError", "NotImplemented", "NoSuchCode"])
        return Case("orphan_error", dumps([4, self.new_id(), code, "why", {}]), NOTHING)

    def _not_json(self) -> Case:
        uid = self.new_id()
        text = self.rng.choice(
            [
                f'[2,"{uid}","Heartbeat",{{}}',  # truncated
                f'[2,"{uid}","Heartbeat",{{}},]',  # trailing comma
                f'[2,"{uid}","Heartbeat",{{"a":NaN}}]',
                f'[2,"{uid}","Heartbeat",{{"a":Infinity,"b":12345678901234567890}}]',
                f'[2,"{uid}","Heartbeat",{{"a":"\\ud800"}}]',  # a lone surrogate
                f"[2,'{uid}','Heartbeat',{{}}]",
                "",
                "hello",
                "\ufeff[]",
            ]
        )
        return Case("not_json", text.encode(), error(UNKNOWN_ID, "FormationViolation"))

    def _too_deep(self) -> Case:
        depth = PARSER_DEPTH * self.rng.choice([2, 5])
        data = f'[2,"{self.new_id()}","Heartbeat",{{"a":{"[" * depth}{"]" * depth}}}]'
        return Case("too_deep", data.encode(), error(UNKNOWN_ID, "FormationViolation"))

    def _non_array(self) -> Case:
        value: Any = self.rng.choice([{"a": 1}, "text", 42, None, True, [], {}])
        return Case("non_array", dumps(value), error(UNKNOWN_ID, "FormationViolation"))

    def _wrong_type_id(self) -> Case:
        uid = self.new_id()
        type_id = self.rng.choice([0, 1, 5, 99, -2, "2", 2.0, None, True, [2]])
        data = dumps([type_id, uid, "Heartbeat", {}])
        if type(type_id) is int:
            return Case("wrong_type_id", data, error(uid, "ProtocolError"))
        return Case("wrong_type_id", data, error(UNKNOWN_ID, "FormationViolation"))

    def _wrong_length(self) -> Case:
        uid = self.new_id()
        full = {
            2: [2, uid, "Heartbeat", {}],
            3: [3, uid, {}],
            4: [4, uid, "GenericError", "", {}],
        }[self.rng.choice([2, 3, 4])]
        cut = self.rng.choice([-1, 1])
        message = full[: len(full) - 1] if cut < 0 else [*full, {}]
        if len(message) < 2:
            return Case("wrong_length", dumps(message), error(UNKNOWN_ID, "ProtocolError"))
        return Case("wrong_length", dumps(message), error(uid, "ProtocolError"))

    def _bad_unique_id(self) -> Case:
        value = self.rng.choice([17, "", "u" * 37, None, ["id"], {"id": 1}])
        data = dumps([2, value, "Heartbeat", {}])
        return Case("bad_unique_id", data, error(UNKNOWN_ID, "FormationViolation"))

    def _bad_action(self) -> Case:
        uid = self.new_id()
        action = self.rng.choice([3, "", None, ["Heartbeat"], {"a": 1}])
        return Case("bad_action", dumps([2, uid, action, {}]), error(uid, "FormationViolation"))

    def _bad_payload(self) -> Case:
        uid = self.new_id()
        payload: Any = self.rng.choice([[], "x", 1, None, True])
        return Case(
            "bad_payload", dumps([2, uid, "Heartbeat", payload]), error(uid, "FormationViolation")
        )

    def _bad_utf8(self) -> Case:
        uid = self.new_id()
        bad = self.rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"])
        data = b'[2,"' + uid.encode() + b'","Authorize",{"idTag":"' + bad + b'"}]'
        return Case("bad_utf8", data, Expect(close=1007))


# Mutation kinds and their weights in a run (bad_utf8 costs a reconnection each).
KINDS = {
    "valid": 10,
    "binary": 4,
    "missing_required": 8,
    "wrong_type": 10,
    "bad_enum": 6,
    "too_long": 6,
    "bad_datetime": 5,
    "unknown_field": 6,
    "huge_number": 5,
    "exponent_number": 4,
    "deep_nesting": 4,
    "unknown_action": 5,
    "duplicate_id": 5,
    "orphan_result": 4,
    "orphan_error": 4,
    "not_json": 5,
    "too_deep": 2,
    "non_array": 3,
    "wrong_type_id": 4,
    "wrong_length": 4,
    "bad_unique_id": 3,
    "bad_action": 3,
    "bad_payload": 3,
    "bad_utf8": 1,
}

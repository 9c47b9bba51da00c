"""A fast yes/no check for the part of JSON Schema draft-04 the OCPP 1.6 schemas use.

Every frame is validated, so validation sits on the hot path. fastjsonschema's
generated code tests an enum value against each allowed value in turn and copies key
sets; a MeterValues.req with ten sampled values costs it about 40 us. ``compile_check``
turns a schema into nested closures that only answer "valid or not", with enums as
frozensets and exact ``type() is`` tests.

It is a filter, never the judge: ``schemas.validate`` accepts what this check accepts
and sends everything else to the fastjsonschema validator, which gives the verdict and
the error (rule, path, message). So this check must never accept a payload that
fastjsonschema rejects; where it is stricter, the payload only takes the slow path.
A schema using anything this module does not know (``$ref``, ``multipleOf``,
``additionalItems``, a draft other than 04, a list of types, ...) gets no check at all
(``None``): it always takes the slow path. ``tests/protocol/test_schema_check.py``
compares the two on generated and mutated payloads of every OCPP 1.6 schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastjsonschema.draft04 import CodeGeneratorDraft04

Check = Callable[[Any], bool]

DRAFT_04 = "http://json-schema.org/draft-04/schema#"

# Keywords that do not constrain a value.
_ANNOTATIONS = frozenset({"$schema", "title", "description", "id", "$id"})
# Keywords this module implements, per JSON type.
_KEYWORDS = {
    "object": frozenset({"type", "properties", "required", "additionalProperties"}),
    "array": frozenset({"type", "items", "minItems"}),
    # additionalProperties under a string type is moot: only objects have properties.
    "string": frozenset({"type", "enum", "maxLength", "format", "additionalProperties"}),
    "integer": frozenset({"type"}),
    "number": frozenset({"type"}),
    "boolean": frozenset({"type"}),
}
_SCALARS: dict[str, tuple[type, ...]] = {
    "integer": (int,),  # bool is excluded by the exact type test, as the schema requires
    "number": (int, float, Decimal),
    "boolean": (bool,),
}
# The very expressions fastjsonschema matches ``format`` with (``re.match``).
FORMATS = {
    name: re.compile(CodeGeneratorDraft04.FORMAT_REGEXS[name]) for name in ("date-time", "uri")
}


class Unsupported(Exception):
    """The schema uses something this module does not check; use the full validator."""


def compile_check(schema: dict[str, Any]) -> Check | None:
    """A check of ``schema``, or ``None`` when the schema is beyond this module."""
    if schema.get("$schema") != DRAFT_04:
        return None
    try:
        return _node(schema)
    except Unsupported:
        return None


def _node(schema: Any) -> Check:
    rule = _rule(schema)
    if isinstance(rule, frozenset):
        return lambda value: type(value) is str and value in rule
    if isinstance(rule, type):
        return lambda value: type(value) is rule
    return rule


# A rule is what an object keeps per property: a frozenset (a string from an enum), a
# type (a value of exactly that type), or a check. The first two are tested inline by
# the object's loop, saving a call per property: a MeterValues has some sixty.
Rule = frozenset[str] | type | Check


def _rule(schema: Any) -> Rule:
    if not isinstance(schema, dict):
        raise Unsupported(f"schema {schema!r}")
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in _KEYWORDS:
        raise Unsupported(f"type {kind!r}")
    unknown = schema.keys() - _KEYWORDS[kind] - _ANNOTATIONS
    if unknown:
        raise Unsupported(f"keywords {sorted(unknown)}")
    if kind == "object":
        return _object(schema)
    if kind == "array":
        return _array(schema)
    if kind == "string":
        return _string(schema)
    types = _SCALARS[kind]
    if len(types) == 1:
        return types[0]  # bool is not int here: the test is on the exact type
    return lambda value: type(value) in types


def _object(schema: dict[str, Any]) -> Check:
    rules = {name: _rule(sub) for name, sub in schema.get("properties", {}).items()}
    required = frozenset(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    if extra is not True and extra is not False:
        raise Unsupported("additionalProperties with a schema")
    if not all(isinstance(name, str) for name in required):
        raise Unsupported("required")
    closed = extra is False

    def check(value: Any) -> bool:
        if type(value) is not dict or not value.keys() >= required:
            return False
        for name, item in value.items():
            rule = rules.get(name)
            if rule is None:
                if closed:
                    return False
            elif type(rule) is frozenset:
                if type(item) is not str or item not in rule:
                    return False
            elif type(rule) is type:
                if type(item) is not rule:
                    return False
            elif not rule(item):  # type: ignore[operator]
                return False
        return True

    return check


def _array(schema: dict[str, Any]) -> Check:
    items = schema.get("items")
    item_check = _node(items) if items is not None else None
    least = schema.get("minItems", 0)
    if type(least) is not int:
        raise Unsupported("minItems")

    def check(value: Any) -> bool:
        if type(value) is not list or len(value) < least:
            return False
        if item_check is not None:
            for item in value:
                if not item_check(item):
                    return False
        return True

    return check


def _string(schema: dict[str, Any]) -> Rule:
    enum = schema.get("enum")
    longest = schema.get("maxLength")
    form = schema.get("format")
    if longest is not None and type(longest) is not int:
        raise Unsupported("maxLength")
    pattern = None
    if form is not None:
        if form not in FORMATS:
            raise Unsupported(f"format {form!r}")
        pattern = FORMATS[form]
    if enum is not None:
        if not isinstance(enum, list) or not all(type(e) is str for e in enum):
            raise Unsupported("enum of non-strings")
        allowed = frozenset(enum)
        if longest is None and pattern is None:
            return allowed
    else:
        allowed = None
        if longest is None and pattern is None:
            return str

    def check(value: Any) -> bool:
        if type(value) is not str:
            return False
        if allowed is not None and value not in allowed:
            return False
        if longest is not None and len(value) > longest:
            return False
        return pattern is None or pattern.match(value) is not None

    return check

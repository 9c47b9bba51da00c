"""A compiled yes/no schema check (jsonschema-rs) in front of the exact validator.

``schemas.validate`` asks this check first. When it says "valid", the payload is valid;
anything else (invalid, doubtful, an exception) sends the payload down the path that
judges: ``schema_check``'s Python check, then fastjsonschema, which gives the verdict and
the error. So this check must never accept a payload that fastjsonschema rejects; where it
is stricter (NaN or infinity as a number, a string with a lone surrogate compared to an
enum), the payload only takes the slow path. ``schemas`` asks it only for schemas
with an array of objects, where it is the faster check (see ``has_object_array``).

jsonschema-rs and fastjsonschema disagree in three places, each closed here:

- ``format``: jsonschema-rs checks ``date-time`` with an RFC 3339 parser, fastjsonschema
  with a regular expression. jsonschema-rs gets the schema with every ``format`` removed,
  and the strings under a ``format`` are matched here with fastjsonschema's very
  expressions (``schema_check.FORMATS``), visiting only those nodes
  (``meterValue[*].timestamp``): jsonschema-rs has already checked the types on the way.
- Python values that are not JSON: jsonschema-rs reads a ``Decimal("1")`` as the integer
  1 and an ``Enum`` member as its value, where fastjsonschema's ``isinstance`` tests reject
  both. ``marshal.dumps`` runs first: it refuses, in C, any value whose type is not exactly
  a builtin one (no ``Decimal``, ``Enum``, or subclass of ``str``, ``int``, ``dict``...), so
  jsonschema-rs only ever sees plain values. Integers beyond 64 bits pass and are judged
  alike by both.
- Schemas beyond the draft-04 subset ``schema_check`` knows (``$ref``, ``multipleOf``,
  draft-06): no check here (``None``); they always take the slow path.

jsonschema-rs is optional: if it cannot be imported, there is no check and validation is
what it was without it. ``tests/protocol/test_rs_check.py`` compares the verdicts with
fastjsonschema's on generated and mutated payloads of every OCPP 1.6 schema and on every
risk above.
"""

from __future__ import annotations

import marshal
from typing import Any, Protocol

from chargecheck.protocol.schema_check import FORMATS, Check, compile_check

try:
    import jsonschema_rs
except ImportError:  # an optional speed-up: without it, the exact path does it all
    jsonschema_rs = None  # type: ignore[assignment]

_ABSENT = object()


def available() -> bool:
    """True if jsonschema-rs could be imported."""
    return jsonschema_rs is not None


class RsCheck(Protocol):
    def __call__(self, payload: Any, plain: bool = False) -> bool: ...


def compile_rs_check(schema: dict[str, Any]) -> RsCheck | None:
    """A yes/no check of ``schema`` by jsonschema-rs, or ``None`` (no jsonschema-rs, or a
    schema outside the subset ``schema_check`` covers)."""
    if jsonschema_rs is None or compile_check(schema) is None:
        return None
    try:
        is_valid = jsonschema_rs.Draft4Validator(structural_schema(schema)).is_valid
    except Exception:  # a schema jsonschema-rs does not take: the exact path judges
        return None
    formats = format_check(schema)
    dumps = marshal.dumps

    def check(payload: Any, plain: bool = False) -> bool:
        try:
            if not plain:  # ``plain``: the caller knows the payload is exact JSON types
                dumps(payload, 4)  # raises unless every value is exactly a builtin type
            return bool(is_valid(payload)) and (formats is None or formats(payload))
        except Exception:  # doubt: the exact path decides
            return False

    return check


def has_object_array(schema: Any) -> bool:
    """True if ``schema`` has an array of objects (``meterValue``, ``transactionData``...).

    The payloads of such a schema grow with their data, and there jsonschema-rs is the
    faster check (1.5x on a MeterValues.req with ten sampled values, 2x with thirty); on a
    flat payload its fixed cost (the ``marshal`` gate, the call) makes it a little slower
    than the Python check.
    """
    if not isinstance(schema, dict):
        return False
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict) and items.get("type") == "object":
        return True
    subs = (
        list(schema.get("properties", {}).values())
        if isinstance(schema.get("properties"), dict)
        else []
    )
    return any(has_object_array(sub) for sub in [*subs, items])


def structural_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without its ``format`` keywords (a property named "format" stays)."""
    out = {key: value for key, value in schema.items() if key != "format"}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {
            name: structural_schema(sub) if isinstance(sub, dict) else sub
            for name, sub in out["properties"].items()
        }
    if isinstance(out.get("items"), dict):
        out["items"] = structural_schema(out["items"])
    return out


def format_check(schema: dict[str, Any]) -> Check | None:
    """A check of the strings under a ``format`` in ``schema`` (fastjsonschema's regular
    expressions, ``re.match``), or ``None`` if it has none.

    It walks a payload whose types jsonschema-rs has already checked: an object node holds
    a dict, an array node a list or tuple, a ``format`` node a string.
    """
    kind = schema.get("type")
    if kind == "string":
        form = schema.get("format")
        if form is None:
            return None
        match = FORMATS[form].match
        return lambda value: match(value) is not None
    if kind == "object":
        checks = tuple(
            (name, sub_check)
            for name, sub in schema.get("properties", {}).items()
            if (sub_check := format_check(sub)) is not None
        )
        return _object_formats(checks) if checks else None
    if kind == "array" and isinstance(schema.get("items"), dict):
        item_check = format_check(schema["items"])
        return _array_formats(item_check) if item_check is not None else None
    return None


def _object_formats(checks: tuple[tuple[str, Check], ...]) -> Check:
    def check(value: Any) -> bool:
        for name, sub_check in checks:
            item = value.get(name, _ABSENT)
            if item is not _ABSENT and not sub_check(item):
                return False
        return True

    return check


def _array_formats(item_check: Check) -> Check:
    def check(value: Any) -> bool:
        return all(map(item_check, value))

    return check

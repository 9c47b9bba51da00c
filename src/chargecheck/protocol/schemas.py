"""Validation of OCPP payloads (1.6 and 2.0.1, ``versions``) against the JSON schemas of
the ``ocpp`` package.

Each schema is compiled once with fastjsonschema, on first use, and kept, together with
fast yes/no checks that let a valid payload through without the fastjsonschema validator:
for a schema with an array of objects (MeterValues, StopTransaction...), the compiled one
of ``rs_check`` (jsonschema-rs) first; then the Python one of ``schema_check``; anything
they do not accept is judged by fastjsonschema.
A rejected payload raises ``SchemaViolation`` carrying the OCPP-J error code that answers it,
chosen by the JSON-schema keyword that failed (OCPP-J 1.6 section 4.2.3):

- ``required``  -> OccurenceConstraintViolation ("violates occurence constraints")
- ``type``      -> TypeConstraintViolation ("violates data type constraints")
- ``additionalProperties`` -> FormationViolation ("not conform the PDU structure")
- any other (``enum``, ``maxLength``, ``format``, ...) -> PropertyConstraintViolation
  ("at least one field contains an invalid value")
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from chargecheck.protocol.errors import LocalProtocolError, SchemaViolation
from chargecheck.protocol.rs_check import RsCheck, compile_rs_check, has_object_array
from chargecheck.protocol.schema_check import Check, compile_check
from chargecheck.protocol.versions import OCPP16, OcppVersion

_CODE_BY_RULE = {
    "required": "OccurenceConstraintViolation",
    "type": "TypeConstraintViolation",
    "additionalProperties": "FormationViolation",
}
_DEFAULT_CODE = "PropertyConstraintViolation"

Validator = Callable[[Any], Any]


def schema_text(action: str, response: bool, version: OcppVersion = OCPP16) -> str:
    """The JSON text of the schema of ``action``'s request or response."""
    if action not in version.all_actions:
        raise LocalProtocolError(f"{action!r} is not an OCPP {version.name} action")
    name = version.schema_file(action, response)
    package = resources.files(version.schema_package)
    return package.joinpath("schemas", name).read_text(encoding="utf-8")


@cache
def compiled(action: str, response: bool, version: OcppVersion = OCPP16) -> Validator:
    """The compiled validator of ``action``'s request (or response) schema."""
    schema = json.loads(schema_text(action, response, version))
    return fastjsonschema.compile(schema)


@cache
def rs_check(action: str, response: bool, version: OcppVersion = OCPP16) -> RsCheck | None:
    """The jsonschema-rs check of ``action``'s request (or response) schema, if it has one
    and an array of objects (elsewhere the Python check is as fast)."""
    schema = json.loads(schema_text(action, response, version))
    return compile_rs_check(schema) if has_object_array(schema) else None


@cache
def integral_numbers_are_integers(
    action: str, response: bool, version: OcppVersion = OCPP16
) -> bool:
    """True for a schema of draft 06 or later (the security extension's), where
    "integer" is any number with a zero fractional part (``1.0``, ``2e1``, ``1e400``),
    not only one written without fraction or exponent as in draft 04."""
    declared = json.loads(schema_text(action, response, version)).get("$schema", "")
    return "draft-04" not in declared


def _integral_as_int(value: Any) -> Any:
    """``value`` with every integral ``Decimal`` (the exact parser's reading of a number
    beyond a double) as an ``int``: fastjsonschema's later drafts take an integral float
    as an integer, but not a Decimal."""
    if type(value) is Decimal:
        return int(value) if value.is_finite() and value == value.to_integral_value() else value
    if type(value) is dict:
        return {k: _integral_as_int(v) for k, v in value.items()}
    if type(value) is list:
        return [_integral_as_int(v) for v in value]
    return value


@cache
def quick_check(action: str, response: bool, version: OcppVersion = OCPP16) -> Check | None:
    """The fast check of ``action``'s request (or response) schema, if it has one."""
    return compile_check(json.loads(schema_text(action, response, version)))


def validate(
    action: str,
    payload: dict[str, Any],
    *,
    response: bool = False,
    unique_id: str | None = None,
    plain: bool = False,
    version: OcppVersion = OCPP16,
) -> None:
    """Check ``payload`` against ``version``'s schema; raise ``SchemaViolation`` if it
    fails (its code in 1.6's spelling: ``OcppVersion.wire_code`` gives the version's).

    ``plain``: the payload holds only exact JSON types (orjson parsed it), so the
    jsonschema-rs check may skip its type gate (see ``rs_check``)."""
    rs = rs_check(action, response, version)
    if rs is not None and rs(payload, plain):
        return
    quick = quick_check(action, response, version)
    if quick is not None and quick(payload):
        return
    if not plain and integral_numbers_are_integers(action, response, version):
        payload = _integral_as_int(payload)
    try:
        compiled(action, response, version)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        path = ".".join(str(part) for part in exc.path[1:]) if exc.path else ""
        what = f"{action}{'Response' if response else ''}"
        message = exc.message.replace("data.", "", 1).replace("data ", "payload ", 1)
        raise SchemaViolation(
            _CODE_BY_RULE.get(exc.rule or "", _DEFAULT_CODE),
            f"{what}: {message}",
            unique_id,
            rule=exc.rule or "",
            path=path,
        ) from None

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

import pytest

from chargecheck.protocol.schema_check import compile_check
from chargecheck.protocol.schemas import quick_check, schema_text, validate
from tests.protocol.schema_payloads import ALL_SCHEMAS, HOT, broken, full_accepts, sample

# Schemas the fast check covers; the others ($ref, multipleOf, draft-06) always go to
# fastjsonschema, which needs no comparison with itself.
SCHEMAS = [(a, r) for a, r in ALL_SCHEMAS if quick_check(a, r) is not None]


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

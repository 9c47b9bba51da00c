"""Schema validation and the OCPP-J error code each failed rule maps to (section 4.2.3)."""

import pytest

from chargecheck.protocol import LocalProtocolError, SchemaViolation, validate

OK_STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


def test_valid_payload_passes():
    validate("StatusNotification", OK_STATUS)
    validate(
        "BootNotification",
        {"status": "Accepted", "currentTime": "2020-02-18T14:28:27Z", "interval": 3600},
        response=True,
    )


@pytest.mark.parametrize(
    ("payload", "code", "rule"),
    [
        ({"connectorId": 1, "errorCode": "NoError"}, "OccurenceConstraintViolation", "required"),
        ({**OK_STATUS, "connectorId": "1"}, "TypeConstraintViolation", "type"),
        ({**OK_STATUS, "status": "Occupied"}, "PropertyConstraintViolation", "enum"),
        ({**OK_STATUS, "info": "x" * 51}, "PropertyConstraintViolation", "maxLength"),
        ({**OK_STATUS, "timestamp": "yesterday"}, "PropertyConstraintViolation", "format"),
        ({**OK_STATUS, "extra": 1}, "FormationViolation", "additionalProperties"),
    ],
)
def test_each_schema_rule_maps_to_its_error_code(payload, code, rule):
    with pytest.raises(SchemaViolation) as caught:
        validate("StatusNotification", payload, unique_id="u1")
    assert caught.value.code == code
    assert caught.value.rule == rule
    assert caught.value.unique_id == "u1"
    assert "StatusNotification" in caught.value.description


def test_response_schema_is_used_for_responses():
    with pytest.raises(SchemaViolation):
        validate("ChangeAvailability", {"status": "Maybe"}, response=True)


def test_unknown_action_is_a_local_error():
    with pytest.raises(LocalProtocolError):
        validate("MakeCoffee", {})

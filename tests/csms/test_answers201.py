"""The bench's default answers to an OCPP 2.0.1 station (``csms/answers201.py``): one per
action the station may send, each valid against 2.0.1's response schema, configured by the
same ``Answers`` settings as 1.6's."""

from __future__ import annotations

from typing import Any

import pytest

from chargecheck.csms import Answers
from chargecheck.csms.answers201 import DEFAULTS_201
from chargecheck.protocol.schemas import validate
from chargecheck.protocol.versions import OCPP16, OCPP201

NOW = "2026-12-07T05:00:00Z"
CARD = {"idToken": "04A1B2C3", "type": "ISO14443"}
STARTED = {
    "eventType": "Started",
    "timestamp": NOW,
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "T1"},
}
# The request fields a default answer reads; every other action's answer reads none.
REQUESTS: dict[str, dict[str, Any]] = {
    "Authorize": {"idToken": CARD},
    "TransactionEvent": {**STARTED, "idToken": CARD},
}


def test_every_2_0_1_station_action_has_a_default_and_no_other_action_has_one():
    assert set(DEFAULTS_201) == OCPP201.station_actions


@pytest.mark.parametrize("action", sorted(OCPP201.station_actions))
def test_every_default_answer_is_valid_against_the_2_0_1_response_schema(action):
    request = REQUESTS.get(action, {})
    answer = Answers().answer(action, request, NOW, OCPP201)
    validate(action, answer, response=True, version=OCPP201)


@pytest.mark.parametrize("status", ["Accepted", "Pending", "Rejected"])
def test_the_boot_answer_carries_the_configured_status_and_interval(status):
    answers = Answers(boot_status=status, heartbeat_interval=45)
    answer = answers.answer("BootNotification", {}, NOW, OCPP201)
    assert answer == {"currentTime": NOW, "interval": 45, "status": status}
    validate("BootNotification", answer, response=True, version=OCPP201)


def test_an_id_token_gets_its_configured_status_and_its_group():
    answers = Answers(
        id_tags={"04A1B2C3": "Blocked", "OTHER": "NotAtThisTime"},
        parents={"OTHER": "FLEET"},
        default_id_status="Unknown",
    )
    assert answers.answer("Authorize", {"idToken": CARD}, NOW, OCPP201) == {
        "idTokenInfo": {"status": "Blocked"}
    }
    other = answers.answer(
        "Authorize", {"idToken": {"idToken": "OTHER", "type": "Central"}}, NOW, OCPP201
    )
    assert other == {
        "idTokenInfo": {
            "status": "NotAtThisTime",
            "groupIdToken": {"idToken": "FLEET", "type": "Central"},
        }
    }
    unknown = {"idToken": {"idToken": "NEW", "type": "KeyCode"}}
    assert answers.answer("Authorize", unknown, NOW, OCPP201)["idTokenInfo"] == {
        "status": "Unknown"
    }
    validate("Authorize", other, response=True, version=OCPP201)


def test_a_transaction_event_gets_id_token_info_only_when_it_carries_an_id_token():
    answers = Answers(id_tags={"04A1B2C3": "Expired"})
    assert answers.answer("TransactionEvent", STARTED, NOW, OCPP201) == {}
    with_token = answers.answer("TransactionEvent", {**STARTED, "idToken": CARD}, NOW, OCPP201)
    assert with_token == {"idTokenInfo": {"status": "Expired"}}


def test_refusals_where_the_bench_has_nothing_to_give():
    answers = Answers()
    assert answers.answer("SignCertificate", {}, NOW, OCPP201) == {"status": "Rejected"}
    assert answers.answer("DataTransfer", {}, NOW, OCPP201) == {"status": "UnknownVendorId"}
    assert answers.answer("GetCertificateStatus", {}, NOW, OCPP201) == {"status": "Failed"}
    assert answers.answer("NotifyEVChargingNeeds", {}, NOW, OCPP201) == {"status": "Rejected"}


def test_1_6_answers_are_unchanged_by_default_and_when_named():
    answers = Answers(heartbeat_interval=60)
    boot = {"status": "Accepted", "currentTime": NOW, "interval": 60}
    assert answers.answer("BootNotification", {}, NOW) == boot
    assert answers.answer("BootNotification", {}, NOW, OCPP16) == boot
    start = answers.answer("StartTransaction", {"idTag": "T", "connectorId": 1}, NOW, OCPP16)
    assert start == {"transactionId": 1, "idTagInfo": {"status": "Accepted"}}


def test_an_override_answers_whatever_version_the_station_speaks():
    answers = Answers()
    with answers.override("Heartbeat", lambda payload: {"currentTime": "2000-01-01T00:00:00Z"}):
        assert answers.answer("Heartbeat", {}, NOW, OCPP201)["currentTime"].startswith("2000")
        assert answers.answer("Heartbeat", {}, NOW, OCPP16)["currentTime"].startswith("2000")
    assert answers.answer("Heartbeat", {}, NOW, OCPP201) == {"currentTime": NOW}

"""What a session's errors say: plain sentences that name what the station did, with the
journal ids that show it (issue #20, item 7)."""

from __future__ import annotations

import json

from chargecheck.csms.errors import CallErrorReceived, ExpectTimeout
from chargecheck.csms.session import Message


def test_a_callerror_without_a_description_leaves_no_colon():
    bare = CallErrorReceived("Reset", "NotImplemented", "", None, 7)
    assert str(bare) == "Reset answered with CALLERROR NotImplemented"
    said = CallErrorReceived("Reset", "NotImplemented", "no reset here", None, 7)
    assert str(said) == "Reset answered with CALLERROR NotImplemented: no reset here"
    assert bare.evidence == (7,)


def _message(index: int, action: str, payload: dict[str, object]) -> Message:
    frame = json.dumps([2, f"u{index}", action, payload])
    return Message(index, 100 + index, f"u{index}", action, frame, 0.0, 1)


def test_an_expect_timeout_says_what_came_instead_and_cites_it():
    arrived = [
        _message(0, "Heartbeat", {}),
        _message(
            1,
            "StatusNotification",
            {"connectorId": 1, "status": "Finishing", "errorCode": "NoError"},
        ),
        _message(2, "MeterValues", {"connectorId": 1, "transactionId": 7, "meterValue": []}),
        _message(
            3,
            "StatusNotification",
            {"connectorId": 2, "status": "Faulted", "errorCode": "GroundFailure"},
        ),
        _message(
            4,
            "StopTransaction",
            {
                "transactionId": 7,
                "idTag": "04A2",
                "meterStop": 5,
                "timestamp": "2020-02-18T14:28:27Z",
            },
        ),
    ]
    exc = ExpectTimeout("StatusNotification", 30, arrived)
    assert str(exc) == (
        "no matching StatusNotification within 30 s (received: 5 messages, the last 4: "
        "StatusNotification connector 1 Finishing, MeterValues connector 1 transaction 7, "
        "StatusNotification connector 2 Faulted GroundFailure, "
        "StopTransaction transaction 7 idTag 04A2)"
    )
    assert exc.evidence == (101, 102, 103, 104) and exc.entry_id == 104
    nothing = ExpectTimeout("BootNotification", 6, [])
    assert str(nothing).endswith("(received: nothing)") and nothing.evidence == ()

"""An OCPP 2.0.1 station (the ``ocpp`` package's ChargePoint) against the bench on
127.0.0.1: its own CALLs answered with the bench's 2.0.1 defaults (which the package checks
against its schemas too), every frame journaled with its direction, and the run's reports
naming the version."""

from __future__ import annotations

import json

from ocpp.v201 import call
from ocpp.v201.datatypes import (
    EVSEType,
    IdTokenType,
    MeterValueType,
    SampledValueType,
    TransactionType,
)

from chargecheck.journal.store import FRAME_IN, FRAME_OUT
from chargecheck.protocol.versions import OCPP201
from tests.conftest import UNIT
from tests.v201.station import IDENTITY, connected, now_text

CARD = IdTokenType(id_token="04A1B2C3", type="ISO14443")


def _event(event_type: str, seq_no: int, trigger: str, **more) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=now_text(),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info=TransactionType(transaction_id="TX-1"),
        **more,
    )


async def test_a_2_0_1_station_boots_charges_and_reports_and_every_frame_is_journaled(
    central, journal
):
    async with connected(central) as station:
        session = await central.wait_for_station(IDENTITY, 10 * UNIT)
        assert session.version is OCPP201
        session.answers.heartbeat_interval = 120
        session.answers.id_tags["BLOCKED1"] = "Blocked"

        boot = await station.boot()
        assert (boot.status, boot.interval) == ("Accepted", 120)
        await station.call(
            call.StatusNotification(
                timestamp=now_text(), connector_status="Available", evse_id=1, connector_id=1
            )
        )
        assert (await station.call(call.Heartbeat())).current_time
        authorized = await station.call(call.Authorize(id_token=CARD))
        assert authorized.id_token_info == {"status": "Accepted"}
        blocked = await station.call(
            call.Authorize(id_token=IdTokenType(id_token="BLOCKED1", type="ISO14443"))
        )
        assert blocked.id_token_info == {"status": "Blocked"}

        started = await station.call(
            _event("Started", 0, "Authorized", id_token=CARD, evse=EVSEType(id=1, connector_id=1))
        )
        assert started.id_token_info == {"status": "Accepted"}
        meter = MeterValueType(
            timestamp=now_text(),
            sampled_value=[
                SampledValueType(value=1234.5, measurand="Energy.Active.Import.Register")
            ],
        )
        updated = await station.call(
            _event("Updated", 1, "MeterValuePeriodic", meter_value=[meter])
        )
        assert updated.id_token_info is None
        ended = await station.call(_event("Ended", 2, "EVCommunicationLost"))
        assert ended.id_token_info is None
        await station.call(
            call.NotifyReport(request_id=7, generated_at=now_text(), seq_no=0, tbc=False)
        )

        expected = [
            "BootNotification",
            "StatusNotification",
            "Heartbeat",
            "Authorize",
            "Authorize",
            "TransactionEvent",
            "TransactionEvent",
            "TransactionEvent",
            "NotifyReport",
        ]
        assert [m.action for m in session.inbox] == expected
        assert all(m.valid for m in session.inbox)
        events = [m.payload for m in session.inbox if m.action == "TransactionEvent"]
        assert [(e["eventType"], e["seqNo"]) for e in events] == [
            ("Started", 0),
            ("Updated", 1),
            ("Ended", 2),
        ]
        sent_by_station = station.frames

    frames = [e for e in journal.entries(central.run_id) if e.kind in (FRAME_IN, FRAME_OUT)]
    way = {FRAME_IN: "out", FRAME_OUT: "in"}  # the journal's "in" is what the station sent
    assert [(way[e.kind], json.loads(e.raw)) for e in frames] == [
        (w, json.loads(text)) for w, text in sent_by_station
    ]
    assert len(frames) == 2 * len(expected)
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "bad_frame" not in kinds and "rejected_call" not in kinds and "bench_error" not in kinds

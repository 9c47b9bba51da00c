"""A recorded run in a real journal file, written the way the Central System writes it.

Station frames are ``frame_in`` entries with only the raw text (the Central System leaves
their action and unique id columns empty); bench frames are ``frame_out`` entries with
message type, unique id and action; connections are ``connect`` / ``close`` events. The
clock is injected and steps by hand, so every time in a report is known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.journal import Journal
from chargecheck.journal.store import FRAME_IN, FRAME_OUT
from chargecheck.script.verdict import Criterion, Outcome, Verdict

START = datetime(2020, 2, 18, 14, 28, 27, tzinfo=UTC)
STATION = "ACE0001593"
BOOT = {
    "chargePointVendor": "Alfen BV",
    "chargePointModel": "NG920-61002",
    "chargePointSerialNumber": "ace0001593",
    "chargeBoxSerialNumber": "A00003",
    "firmwareVersion": "4.4.0-3106",
    "iccid": "89462038005003992030",
    "imsi": "240075811404511",
}
BOOT_RESPONSE = {"status": "Accepted", "interval": 3600, "currentTime": "2020-02-18T14:28:27.000Z"}


class StepClock:
    """Journal time that moves only when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start
        self.mono_s = 0.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono_s += seconds

    def utc_text(self) -> str:
        return utc_iso(self.now)

    def mono(self) -> float:
        return self.mono_s


@dataclass
class Recorder:
    journal: Journal
    clock: StepClock
    run_id: int
    station: str = STATION
    ids: dict[str, int] = field(default_factory=dict)  # name -> entry id, for assertions
    n: int = 0

    def _in(self, frame: list[Any], text: str | None = None) -> int:
        raw = text if text is not None else json.dumps(frame)
        return self.journal.append(FRAME_IN, run_id=self.run_id, station=self.station, raw=raw)

    def _out(self, frame: list[Any]) -> int:
        return self.journal.append(
            FRAME_OUT,
            run_id=self.run_id,
            station=self.station,
            message_type=frame[0],
            unique_id=frame[1],
            action=frame[2] if frame[0] == 2 else None,
            raw=json.dumps(frame, separators=(",", ":")),
        )

    def event(self, kind: str, **detail: Any) -> int:
        return self.journal.append(kind, run_id=self.run_id, station=self.station, detail=detail)

    def station_call(
        self, action: str, payload: dict[str, Any], answer: dict[str, Any], name: str = ""
    ) -> tuple[int, int]:
        """The station sends a CALL; the bench answers it."""
        self.n += 1
        uid = f"st-{self.n}"
        call = self._in([2, uid, action, payload])
        self.clock.advance(0.05)
        result = self._out([3, uid, answer])
        self.clock.advance(0.5)
        if name:
            self.ids[name], self.ids[name + ".result"] = call, result
        return call, result

    def bench_call(
        self, action: str, payload: dict[str, Any], answer: dict[str, Any] | None, name: str = ""
    ) -> tuple[int, int | None]:
        """The bench sends a CALL; the station answers it (or not, with ``None``)."""
        self.n += 1
        uid = f"cs-{self.n}"
        call = self._out([2, uid, action, payload])
        self.clock.advance(0.2)
        result = None if answer is None else self._in([3, uid, answer])
        self.clock.advance(0.5)
        if name:
            self.ids[name] = call
            if result is not None:
                self.ids[name + ".result"] = result
        return call, result

    def status(self, connector: int, status: str, error: str = "NoError", name: str = "") -> int:
        call, _ = self.station_call(
            "StatusNotification",
            {"connectorId": connector, "errorCode": error, "status": status},
            {},
            name,
        )
        return call


def record_run(path: Path) -> tuple[Journal, Recorder]:
    """A run against a two-socket station: boot, statuses, a transaction, an outage,
    a malformed frame, verdicts of several outcomes and findings of every severity."""
    clock = StepClock()
    journal = Journal(path, clock.utc_text, clock.mono)
    run_id = journal.start_run(
        "bench",
        STATION,
        central_system="chargecheck 0.1.0",
        settings="bench",
        bench_version="0.1.0",
        boot=BOOT,
    )
    rec = Recorder(journal, clock, run_id)
    rec.event("connect", connection=1, remote="127.0.0.1:50000", subprotocol="ocpp1.6")
    rec.station_call("BootNotification", BOOT, BOOT_RESPONSE, "boot")
    for connector in (0, 1, 2):
        rec.status(connector, "Available", name=f"status{connector}")
    rec.station_call("Heartbeat", {}, {"currentTime": "2020-02-18T14:28:30.000Z"}, "heartbeat")
    rec.bench_call(
        "GetConfiguration",
        {},
        {
            "configurationKey": [
                {"key": "HeartbeatInterval", "readonly": False, "value": "3600"},
                {"key": "MeterValueSampleInterval", "readonly": False, "value": "60"},
                {
                    "key": "SupportedFeatureProfiles",
                    "readonly": True,
                    "value": "Core|SmartCharging",
                },
            ]
        },
        "getconfig",
    )
    clock.advance(20)
    rec.bench_call(
        "RemoteStartTransaction",
        {"connectorId": 1, "idTag": "04A2B3C4"},
        {"status": "Accepted"},
        "remotestart",
    )
    rec.status(1, "Preparing", name="preparing1")
    rec.station_call(
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": "04A2B3C4",
            "meterStart": 1234567890123456789,
            "timestamp": "2020-02-18T14:28:50.000Z",
        },
        {"transactionId": 42, "idTagInfo": {"status": "Accepted"}},
        "start",
    )
    rec.status(1, "Charging", name="charging1")
    clock.advance(60)
    rec.station_call(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 42,
            "meterValue": [
                {
                    "timestamp": "2020-02-18T14:29:50.000Z",
                    "sampledValue": [{"value": "1.5", "unit": "kWh"}],
                }
            ],
        },
        {},
        "meter",
    )
    rec.status(2, "Faulted", error="GroundFailure", name="faulted2")
    rec.event("close", connection=1, code=1006, reason="")
    clock.advance(30)
    rec.event("connect", connection=2, remote="127.0.0.1:50001", subprotocol="ocpp1.6")
    rec.ids["bad"] = rec._in([], text='[2, "st-x", "Heartbeat" | not json')
    rec.event("bad_frame", frame=rec.ids["bad"], error="not valid JSON")
    clock.advance(1)
    rec.bench_call("ClearCache", {}, None, "clearcache")
    clock.advance(5)
    rec.status(1, "Reserved", name="reserved1")
    rec.station_call("Heartbeat", {}, {"currentTime": "2020-02-18T14:30:30.000Z"})
    _verdicts(journal, rec)
    _findings(journal, rec)
    journal.end_run(run_id)
    return journal, rec


def _verdicts(journal: Journal, rec: Recorder) -> None:
    ids = rec.ids
    P, F, N, E = Outcome.PASS, Outcome.FAIL, Outcome.NOT_TESTED, Outcome.ERROR
    verdicts = [
        Verdict(
            1,
            "Boot notification",
            "Receive a (not empty) BootNotification message, containing chargePointModel and "
            "chargePointVendor (required by OCPP 1.6)",
            P,
            "OK",
            (Criterion("BootNotification received", P, "", (ids["boot"],)),),
            "2020-02-18T14:28:27.000Z",
            0.1,
            {"request": BOOT, "response": BOOT_RESPONSE},
        ),
        Verdict(
            2,
            "Heartbeat (automatic)",
            "- Receive OCPP command from CS i.e.. heartbeat registered\n"
            "- Provide TCPIP default heartbeat at least every 1 hour",
            P,
            "OK",
            (Criterion("heartbeat received", P, "", (ids["heartbeat"],)),),
        ),
        Verdict(
            3,
            "Change availability",
            "status per connector | including connector 0",
            P,
            "OK",
            tuple(
                Criterion("StatusNotification received", P, "Available", (ids[f"status{c}"],), c)
                for c in (0, 1, 2)
            ),
        ),
        Verdict(
            4,
            "Get configuration (list parameters that can be read)",
            "After sending GetConfiguration() the Charge Station must respond",
            P,
            "OK, received 3 items",
            (Criterion("GetConfiguration answered", P, "3 items", (ids["getconfig.result"],)),),
        ),
        Verdict(
            6,
            "Start charge transaction (both local notification and remote trigger)",
            "- After sending RemoteStartTransaction the transaction must start\n"
            "- Local StartTransaction should start with an Authorize",
            F,
            "FAIL: local start: no Authorize before StartTransaction",
            (
                Criterion("remote start", P, "transaction 42", (ids["remotestart"], ids["start"])),
                Criterion(
                    "local start", F, "no Authorize before StartTransaction", (ids["start"],), 1
                ),
            ),
            "2020-02-18T14:28:47.000Z",
            12.5,
        ),
        Verdict(
            10,
            "Any hardware related notifications or error conditions",
            "Create an error (e.g. disconnecting communication pin)",
            N,
            "NOT TESTED: physical step: the operator skipped: create an error",
            (Criterion("physical step", N, "the operator skipped: create an error"),),
        ),
        Verdict(
            17,
            "Clear cache (if applicable)",
            "After sending the ClearCache, a message with status Accepted must be received",
            E,
            "ERROR: bench error: KeyError: 'status' (cases/row17.py:20)",
            (
                Criterion(
                    "bench error", E, "KeyError: 'status' (cases/row17.py:20)", (ids["clearcache"],)
                ),
            ),
        ),
        Verdict(
            18,
            "TriggerMessage",
            "After booting the centralsystem will send a TriggerMessage",
            P,
            "OK",
            (Criterion("TriggerMessage answered", P, "", (ids["heartbeat"],)),),
        ),
    ]
    for verdict in verdicts:
        journal.add_record(rec.run_id, "verdict", verdict.to_dict())


def _findings(journal: Journal, rec: Recorder) -> None:
    """Finding records as ``chargecheck.conformance.Finding.to_dict()`` stores them."""
    ids = rec.ids
    for severity, rule, section, text, message, entries in (
        (
            "warning",
            "status.error_code",
            "OCPP 1.6 section 4.9",
            "errorCode is NoError unless the status is Faulted",
            "connector 2 reported GroundFailure",
            [ids["faulted2"]],
        ),
        (
            "violation",
            "status.transition",
            "OCPP 1.6 section 4.9",
            "StatusNotification transitions follow the table of connector statuses",
            "connector 1 went from Charging to Reserved",
            [ids["charging1"], ids["reserved1"]],
        ),
        (
            "note",
            "wire.no_reply",
            "OCPP-J 1.6 section 4.1.1",
            "Every CALL gets an answer",
            "ClearCache | got no reply before the connection closed",
            [ids["clearcache"]],
        ),
    ):
        body = {
            "schema": 1,
            "severity": severity,
            "rule": rule,
            "section": section,
            "text": text,
            "message": message,
            "station": STATION,
            "entries": entries,
        }
        journal.add_record(rec.run_id, "finding", body)

"""Hand-built traces in a real journal, written the way the Central System writes them.

``TraceWriter`` appends ``frame_in`` (station -> bench, raw text only, as
``Session.receive`` does) and ``frame_out`` (bench -> station, with message type,
unique id and action, as ``Session._journal_out`` does) entries and ``connect`` /
``close`` events to a real SQLite ``Journal``, under an injected clock that only moves
when the test says so.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.conformance import CheckSettings, Finding, check
from chargecheck.journal.store import FRAME_IN, FRAME_OUT, Entry, Journal

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start
        self.mono_now = 1000.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono_now += seconds

    def utc_text(self) -> str:
        return utc_iso(self.now)

    def mono(self) -> float:
        return self.mono_now


class TraceWriter:
    """Write one station's trace into a journal run, one frame at a time."""

    def __init__(self, path: Path, station: str = "CP1") -> None:
        self.clock = FakeClock()
        self.journal = Journal(path, self.clock.utc_text, self.clock.mono)
        self.run_id = self.journal.start_run("test", station)
        self.station = station
        self.connection = 0
        self._station_ids = (f"s{n}" for n in itertools.count(1))
        self._bench_ids = (f"b{n}" for n in itertools.count(1))
        self._transaction_ids = itertools.count(100)

    # -- time ----------------------------------------------------------------------

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def ts(self, offset: float = 0.0) -> str:
        """The bench's current UTC time (shifted by ``offset`` seconds) as OCPP text."""
        return utc_iso(self.clock.now + timedelta(seconds=offset))

    # -- raw entries ---------------------------------------------------------------

    def _append(self, kind: str, **fields: Any) -> int:
        return self.journal.append(kind, run_id=self.run_id, station=self.station, **fields)

    def connect(self, subprotocol: str = "ocpp1.6") -> int:
        self.connection += 1
        return self._append(
            "connect", detail={"connection": self.connection, "subprotocol": subprotocol}
        )

    def close(self, code: int = 1006, reason: str = "") -> int:
        return self._append(
            "close", detail={"connection": self.connection, "code": code, "reason": reason}
        )

    def withhold(self, call_entry: int, action: str) -> int:
        """The bench chose not to answer the station CALL journaled at ``call_entry``."""
        return self._append("no_answer", detail={"frame": call_entry, "action": action})

    def station_raw(self, text: str, *, binary: bool = False) -> int:
        return self._append(FRAME_IN, raw=text, detail={"binary": True} if binary else None)

    def bench_raw(self, frame: list[Any]) -> int:
        message_type, unique_id = frame[0], frame[1]
        action = frame[2] if message_type == 2 else None
        return self._append(
            FRAME_OUT,
            message_type=message_type,
            unique_id=unique_id,
            action=action,
            raw=json.dumps(frame),
        )

    # -- frames ----------------------------------------------------------------------

    def station_call(
        self, action: str, payload: dict[str, Any], unique_id: str | None = None
    ) -> tuple[str, int]:
        unique_id = unique_id or next(self._station_ids)
        return unique_id, self.station_raw(json.dumps([2, unique_id, action, payload]))

    def bench_result(self, unique_id: str, payload: dict[str, Any]) -> int:
        return self.bench_raw([3, unique_id, payload])

    def bench_call(self, action: str, payload: dict[str, Any]) -> tuple[str, int]:
        unique_id = next(self._bench_ids)
        return unique_id, self.bench_raw([2, unique_id, action, payload])

    def station_result(self, unique_id: str, payload: dict[str, Any]) -> int:
        return self.station_raw(json.dumps([3, unique_id, payload]))

    def station_error(self, unique_id: str, code: str, description: str = "") -> int:
        return self.station_raw(json.dumps([4, unique_id, code, description, {}]))

    # -- exchanges -------------------------------------------------------------------

    def exchange(
        self, action: str, payload: dict[str, Any], result: dict[str, Any] | None = None
    ) -> int:
        """A station CALL answered at once by the bench; returns the CALL's entry id."""
        unique_id, entry_id = self.station_call(action, payload)
        self.bench_result(unique_id, result if result is not None else {})
        return entry_id

    def command(
        self, action: str, payload: dict[str, Any], result: dict[str, Any], after: float = 0.1
    ) -> int:
        """A bench CALL the station answers after ``after`` seconds; returns the CALL's id."""
        unique_id, entry_id = self.bench_call(action, payload)
        self.tick(after)
        self.station_result(unique_id, result)
        return entry_id

    def boot(self, interval: int = 300) -> int:
        return self.exchange(
            "BootNotification",
            {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61002"},
            {"status": "Accepted", "currentTime": self.ts(), "interval": interval},
        )

    def status(self, connector: int, status: str, error_code: str = "NoError", **extra: Any) -> int:
        payload = {
            "connectorId": connector,
            "errorCode": error_code,
            "status": status,
            "timestamp": self.ts(),
            **extra,
        }
        return self.exchange("StatusNotification", payload)

    def heartbeat(self) -> int:
        return self.exchange("Heartbeat", {}, {"currentTime": self.ts()})

    def start(self, connector: int = 1, meter_start: int = 1000, **extra: Any) -> int:
        """A StartTransaction the bench accepts; returns the transactionId it gave."""
        transaction_id = next(self._transaction_ids)
        payload = {
            "connectorId": connector,
            "idTag": "TAG1",
            "meterStart": meter_start,
            "timestamp": self.ts(),
            **extra,
        }
        self.exchange(
            "StartTransaction",
            payload,
            {"transactionId": transaction_id, "idTagInfo": {"status": "Accepted"}},
        )
        return transaction_id

    def stop(self, transaction_id: int, meter_stop: int, **extra: Any) -> int:
        payload = {
            "transactionId": transaction_id,
            "meterStop": meter_stop,
            "timestamp": self.ts(),
            "reason": "Local",
            **extra,
        }
        return self.exchange("StopTransaction", payload, {})

    def meter_values(
        self,
        connector: int,
        wh: float | None = None,
        *,
        transaction_id: int | None = None,
        context: str | None = "Sample.Periodic",
        unit: str = "Wh",
        timestamp: str | None = None,
        sampled: list[dict[str, Any]] | None = None,
    ) -> int:
        if sampled is None:
            value: dict[str, Any] = {
                "value": f"{wh:g}",
                "measurand": "Energy.Active.Import.Register",
                "unit": unit,
            }
            if context is not None:
                value["context"] = context
            sampled = [value]
        payload: dict[str, Any] = {
            "connectorId": connector,
            "meterValue": [{"timestamp": timestamp or self.ts(), "sampledValue": sampled}],
        }
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        return self.exchange("MeterValues", payload)

    # -- reading back ----------------------------------------------------------------

    def entries(self) -> list[Entry]:
        return list(self.journal.entries(self.run_id))

    def findings(self, settings: CheckSettings | None = None) -> list[Finding]:
        return check(self.journal.entries(self.run_id), settings or CheckSettings())

    def rules(self, settings: CheckSettings | None = None) -> list[str]:
        """The rule ids of the findings, in journal order."""
        return [f.rule for f in self.findings(settings)]

    def of(self, rule: str, settings: CheckSettings | None = None) -> list[Finding]:
        return [f for f in self.findings(settings) if f.rule == rule]


def sample(
    wh: float | str, context: str = "Sample.Periodic", unit: str = "Wh", **extra: Any
) -> dict[str, Any]:
    """One sampled energy register value."""
    return {
        "value": str(wh),
        "context": context,
        "measurand": "Energy.Active.Import.Register",
        "unit": unit,
        **extra,
    }

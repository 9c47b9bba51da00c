"""Reading OCPP 1.6 values out of payloads: timestamps, sampled values, settings history.

Defaults follow OCPP 1.6 section 7 (SampledValue): ``context`` defaults to
Sample.Periodic, ``measurand`` to Energy.Active.Import.Register, ``unit`` to Wh,
``format`` to Raw.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chargecheck.conformance.trace import StationTrace

ENERGY_REGISTER = "Energy.Active.Import.Register"
PERIODIC = "Sample.Periodic"
CLOCK = "Sample.Clock"
TRIGGER = "Trigger"
TX_BEGIN = "Transaction.Begin"
TX_END = "Transaction.End"

# Energy units OCPP 1.6 section 7 (UnitOfMeasure) allows, in Wh.
WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 timestamp with a zone, or ``None`` if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def is_utc(moment: datetime) -> bool:
    return moment.utcoffset() == timedelta(0)


def timestamps(payload: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every ``timestamp`` field of a payload, as (dotted path, text)."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            where = f"{path}.{key}" if path else key
            if key == "timestamp" and isinstance(value, str):
                yield where, value
            else:
                yield from timestamps(value, where)
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield from timestamps(value, f"{path}[{index}]")


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled value with the timestamp of its MeterValue."""

    timestamp: datetime | None
    value: str
    context: str
    measurand: str
    unit: str
    phase: str | None
    location: str | None
    signed: bool

    @property
    def energy_wh(self) -> float | None:
        """The value in Wh if this is an energy register reading in Wh or kWh."""
        factor = WH_PER_UNIT.get(self.unit)
        if self.measurand != ENERGY_REGISTER or factor is None or self.signed:
            return None
        try:
            return float(self.value) * factor
        except ValueError:
            return None


def samples(meter_values: Any) -> Iterator[Sample]:
    """The sampled values of a ``meterValue`` / ``transactionData`` list."""
    if not isinstance(meter_values, list):
        return
    for meter_value in meter_values:
        if not isinstance(meter_value, dict):
            continue
        moment = parse_time(meter_value.get("timestamp"))
        for sampled in meter_value.get("sampledValue") or ():
            if not isinstance(sampled, dict):
                continue
            yield Sample(
                timestamp=moment,
                value=str(sampled.get("value", "")),
                context=sampled.get("context", PERIODIC),
                measurand=sampled.get("measurand", ENERGY_REGISTER),
                unit=sampled.get("unit", "Wh"),
                phase=sampled.get("phase"),
                location=sampled.get("location"),
                signed=sampled.get("format") == "SignedData",
            )


def parse_int(text: Any) -> int | None:
    """A configuration value as an integer (OCPP 1.6 section 9: values are strings)."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if not isinstance(text, str):
        return None
    digits = text[1:] if text[:1] in "+-" else text
    return int(text) if digits.isdigit() and digits.isascii() else None


class KeyHistory:
    """The values a configuration key had over a run, in journal order.

    A value is known from a GetConfiguration result that reports it, from a
    ChangeConfiguration the station Accepted, and for HeartbeatInterval also from the
    ``interval`` of an Accepted BootNotification result (OCPP 1.6 section 4.2: "the
    Charge Point will adjust the heartbeat interval in accordance with the interval
    from the response"). Each value holds from the entry of the reply that set it.
    """

    def __init__(self, trace: StationTrace, key: str) -> None:
        self.key = key
        changes: list[tuple[int, str]] = []
        for exchange in trace.bench_calls:
            result = exchange.result
            if result is None or exchange.reply_violation is not None:
                continue
            if exchange.action == "ChangeConfiguration":
                if exchange.payload.get("key") == key and result.get("status") == "Accepted":
                    changes.append((exchange.reply_id or 0, str(exchange.payload.get("value"))))
            elif exchange.action == "GetConfiguration":
                for item in result.get("configurationKey") or ():
                    if item.get("key") == key and "value" in item:
                        changes.append((exchange.reply_id or 0, str(item["value"])))
        if key == "HeartbeatInterval":
            for exchange in trace.calls("BootNotification"):
                result = exchange.result
                if result is not None and result.get("status") == "Accepted":
                    changes.append((exchange.reply_id or 0, str(result.get("interval"))))
        changes.sort(key=lambda change: change[0])
        self._ids = [entry_id for entry_id, _ in changes]
        self._values = [value for _, value in changes]

    def value_at(self, entry_id: int) -> str | None:
        """The value in force at ``entry_id`` (set by a reply before it), if known."""
        index = bisect.bisect_left(self._ids, entry_id)
        return self._values[index - 1] if index else None

    def int_at(self, entry_id: int) -> int | None:
        return parse_int(self.value_at(entry_id))

    def ints_between(self, first_id: int, last_id: int) -> list[int]:
        """The integer values in force at some point from ``first_id`` to ``last_id``: the
        one at ``first_id`` (if known) and each set by a reply in between, in order."""
        start = bisect.bisect_left(self._ids, first_id)
        stop = bisect.bisect_left(self._ids, last_id)
        texts = self._values[max(start - 1, 0) : stop]
        return [v for v in (parse_int(t) for t in texts) if v is not None]

    def __bool__(self) -> bool:
        return bool(self._ids)

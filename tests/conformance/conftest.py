"""Fixtures: a ``TraceWriter`` on a real journal file, and a conformant session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chargecheck.conformance.config_keys import KEYS

from .journal_trace import TraceWriter, sample

GOOD_VALUES = {
    "int": "60",
    "bool": "true",
    "csl": "",
    "string": "x",
}
GOOD_CSL = {
    "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,"
    "SmartCharging,RemoteTrigger",
    "ConnectorPhaseRotation": "0.RST, 1.RST, 2.RTS",
    "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
    "MeterValuesAlignedData": "Energy.Active.Import.Register",
    "StopTxnSampledData": "Energy.Active.Import.Register",
    "StopTxnAlignedData": "",
    "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
}
GOOD_INTS = {
    "HeartbeatInterval": "300",
    "MeterValueSampleInterval": "60",
    "ClockAlignedDataInterval": "900",
    "NumberOfConnectors": "2",
}


def configuration_keys(**overrides: str | None) -> list[dict[str, Any]]:
    """Every standard key with a valid value; ``overrides`` change a value (None drops it)."""
    keys = []
    for name, spec in KEYS.items():
        value = GOOD_CSL.get(name, GOOD_INTS.get(name, GOOD_VALUES[spec.type]))
        if name in overrides:
            if overrides[name] is None:
                continue
            value = overrides[name]
        keys.append({"key": name, "readonly": spec.readonly is True, "value": value})
    return keys


def good_session(w: TraceWriter) -> int:
    """A conformant run: boot, statuses, configuration, one transaction, close.

    Returns the transactionId the bench gave.
    """
    w.connect()
    w.boot(interval=300)
    for connector in (0, 1, 2):
        w.status(connector, "Available")
    w.tick(1)
    w.command("GetConfiguration", {}, {"configurationKey": configuration_keys()})
    w.command(
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": "60"},
        {"status": "Accepted"},
    )
    w.tick(5)
    w.exchange("Authorize", {"idTag": "TAG1"}, {"idTagInfo": {"status": "Accepted"}})
    w.status(1, "Preparing")
    start_ts = w.ts()
    transaction_id = w.start(1, meter_start=1000)
    w.status(1, "Charging")
    for n in range(1, 6):
        w.tick(60)
        w.meter_values(1, 1000 + 500 * n, transaction_id=transaction_id)
    w.tick(30)
    w.stop(
        transaction_id,
        4000,
        transactionData=[
            {"timestamp": start_ts, "sampledValue": [sample(1000, "Transaction.Begin")]},
            {"timestamp": w.ts(), "sampledValue": [sample(4, "Transaction.End", "kWh")]},
        ],
    )
    w.status(1, "Finishing")
    w.tick(5)
    w.status(1, "Available")
    w.tick(200)
    w.heartbeat()
    w.tick(250)
    w.heartbeat()
    w.tick(10)
    w.close(1000)
    return transaction_id


@pytest.fixture
def w(tmp_path) -> Iterator[TraceWriter]:
    writer = TraceWriter(tmp_path / "journal.sqlite")
    yield writer
    writer.journal.close()

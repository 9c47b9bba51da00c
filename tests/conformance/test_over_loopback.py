"""End to end: a station talks to the real Central System over 127.0.0.1, the journal the
Central System writes is checked, and the findings name the frames the station sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from chargecheck.clock import Clock
from chargecheck.conformance import check, load_findings, store_findings
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.errors import CallErrorReceived
from chargecheck.journal.store import Journal

UNIT = 0.2  # seconds: the one scalable unit of the waits below


async def test_findings_from_a_journal_the_central_system_wrote(tmp_path: Path) -> None:
    clock = Clock()
    journal = Journal(tmp_path / "journal.sqlite", clock.utc_text, clock.mono)
    settings = ServerSettings(port=0, ping_interval=None)
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = run_id = journal.start_run("test")
        async with connect(cs.url("CP1"), subprotocols=["ocpp1.6"]) as ws:

            async def call(unique_id: str, action: str, payload: dict[str, object]) -> None:
                await ws.send(json.dumps([2, unique_id, action, payload]))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 10 * UNIT))
                assert reply[1] == unique_id

            def status(status: str) -> dict[str, object]:
                return {"connectorId": 1, "errorCode": "NoError", "status": status}

            await call("1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
            await call("2", "StatusNotification", status("Charging"))
            await call("3", "StatusNotification", status("Reserved"))
            await ws.send("[2, 'bad'")
            await asyncio.wait_for(ws.recv(), 10 * UNIT)  # the bench's CALLERROR
            session = await cs.wait_for_station("CP1", 10 * UNIT)

            async def refuse_clear_cache() -> None:
                request = json.loads(await asyncio.wait_for(ws.recv(), 10 * UNIT))
                await ws.send(json.dumps([4, request[1], "NotSupported", "no cache", {}]))

            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(refuse_clear_cache())
                with pytest.raises(CallErrorReceived):
                    await session.call("ClearCache", {}, timeout=10 * UNIT)
        await session.wait_disconnected(10 * UNIT)
    findings = check(journal.entries(run_id))
    assert [(f.rule, f.station) for f in findings] == [
        ("status.transition", "CP1"),
        ("wire.frame", "CP1"),
        ("wire.call_error", "CP1"),
    ]
    frames = {e.id: e.raw for e in journal.entries(run_id) if e.kind == "frame_in"}
    transition, bad_frame, call_error = findings
    assert '"Reserved"' in (frames[transition.entries[1]] or "")
    assert frames[bad_frame.entries[0]] == "[2, 'bad'"
    assert "ClearCache" in call_error.message and "NotSupported" in call_error.message
    store_findings(journal, run_id, findings)
    assert load_findings(journal, run_id) == findings
    journal.close()

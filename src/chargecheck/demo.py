"""The first-contact demo: Central System and a station over real loopback sockets."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from websockets.asyncio.client import connect

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal

_BOOT = {
    "chargePointVendor": "Alfen BV",
    "chargePointModel": "NG920-61002",
    "chargePointSerialNumber": "ace0001593",
    "firmwareVersion": "4.4.0-3106",
}


async def run_demo(out: Path, console: Console) -> None:
    clock = Clock()
    journal = Journal(out / "journal.sqlite", clock.utc_text, clock.mono)
    run_id = journal.start_run("demo")
    async with CentralSystem(journal, ServerSettings(port=0), clock=clock) as cs:
        cs.run_id = run_id
        console.print(f"Central System listening at {cs.url()}<identity>")
        async with connect(cs.url("DEMO-1"), subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            session = await cs.wait_for_station("DEMO-1", 5)
            for n, (action, payload) in enumerate(
                [
                    ("BootNotification", _BOOT),
                    (
                        "StatusNotification",
                        {"connectorId": 0, "errorCode": "NoError", "status": "Available"},
                    ),
                    ("Heartbeat", {}),
                ],
                1,
            ):
                await ws.send(json.dumps([2, f"st-{n}", action, payload]))
                await ws.recv()
            await session.expect("Heartbeat", timeout=5)
    journal.end_run(run_id)
    for entry in journal.entries(run_id):
        arrow = {"frame_in": "<-", "frame_out": "->"}.get(entry.kind, "  ")
        console.print(f"{entry.utc} {arrow} {entry.raw or entry.kind}", markup=False)
    journal.close()
    console.print(f"journal: {out / 'journal.sqlite'} (run {run_id})")

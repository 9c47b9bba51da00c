"""Every frame the Central System acknowledged survives a SIGKILL of its process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap

from websockets.asyncio.client import connect

from chargecheck.clock import Clock
from chargecheck.journal import Journal

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from chargecheck.clock import Clock
    from chargecheck.csms import CentralSystem, ServerSettings
    from chargecheck.journal import Journal

    async def main():
        clock = Clock()
        journal = Journal(sys.argv[1], clock.utc_text, clock.mono)
        async with CentralSystem(journal, ServerSettings(port=0, ping_interval=None)) as cs:
            print(cs.port, flush=True)
            await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def test_every_acknowledged_frame_is_in_the_journal_after_sigkill(tmp_path):
    db_path = tmp_path / "journal.sqlite"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())
        acknowledged: list[str] = []
        # max_queue=None: the client keeps reading the answers it does not consume, so it
        # sees the killed server's end of the connection at once (with flow control on it
        # would stop reading and wait out its 10 s close timeout).
        url = f"ws://127.0.0.1:{port}/ocpp/CP1"
        async with connect(url, subprotocols=["ocpp1.6"], max_queue=None) as ws:
            # Many calls in flight at once, so that some are still unanswered at the kill.
            sent = [json.dumps([2, f"k{n}", "Heartbeat", {}]) for n in range(400)]
            for frame in sent:
                await ws.send(frame)
            for _ in range(200):
                reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
                acknowledged.append(reply[1])
            os.kill(server.pid, signal.SIGKILL)
    finally:
        server.kill()
        server.wait()
    clock = Clock()
    journal = Journal(db_path, clock.utc_text, clock.mono)
    stored_in = {json.loads(e.raw)[1] for e in journal.entries() if e.kind == "frame_in"}
    stored_out = {json.loads(e.raw)[1] for e in journal.entries() if e.kind == "frame_out"}
    assert len(acknowledged) == 200
    assert set(acknowledged) <= stored_in
    assert set(acknowledged) <= stored_out
    journal.close()

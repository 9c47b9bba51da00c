"""TC_073_CS (whitepaper A01) against a station that takes a new AuthorizationKey at once:
right behind its answer to the ChangeConfiguration it drops its connection (no closing
handshake) and connects again with the new key, with no back-off.

The bench takes the new key from the change on (``security_profiles.password_updated``,
``security_levels._key_set``), so that reconnection is admitted: no HTTP 401 for the
station. Before that, the bench switched its password only once the case had gone past
the change (after waiting for the station to go and come back), so the first
reconnection of such a station was always refused and the case waited out its
timeouts (with the bench profile's, ~15 minutes).

The station is the simulator; the hook below changes only how it leaves and comes back
after a security parameter change (its ``StationShell``), nothing of the bench. A new TCP
connection takes the simulator more loop steps than the case takes to read the answer:
it is admitted after the case has read the ChangeConfiguration.conf and while the case
waits for it to come back, before the point where the bench used to switch.

Sooner than that only a station with a TCP connection already open can be: its upgrade
request read in the loop step its answer is read in. The last test forces that with a
raw station; the answer is acted on all the same (a replaced connection leaves the calls
waiting on it to their answer or their timeout: ``Session.detach(replaced=True)``).
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.http11 import Response

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal
from chargecheck.journal.store import Entry
from chargecheck.sim.actions import CloseConnection
from chargecheck.sim.shell import StationShell
from tests.conftest import UNIT
from tests.script.catalogue_run import passed_with_evidence, run_cases
from tests.wire_station import WireStation

RECONNECTING = "security parameters changed"  # the reason the simulator closes for


def reconnect_at_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The simulator, after a security parameter change, drops the TCP connection right
    behind its answer and connects again with no back-off (later failed attempts keep
    their back-off). Returns the log of what it did (one line per drop)."""
    perform, pause = StationShell._perform, StationShell._pause
    dropped: list[str] = []
    prompt: set[int] = set()  # shells whose next pause is skipped

    async def perform_at_once(self: StationShell, action: Any) -> None:
        ws = self._ws
        if isinstance(action, CloseConnection) and RECONNECTING in action.reason and ws:
            prompt.add(id(self))
            dropped.append(action.reason)
            ws.transport.abort()  # the answer is out; no closing handshake to wait for
            return
        await perform(self, action)

    async def pause_unless_prompt(self: StationShell, station_seconds: float | None) -> None:
        if id(self) in prompt and station_seconds is not None:
            prompt.discard(id(self))
            return
        await pause(self, station_seconds)

    monkeypatch.setattr(StationShell, "_perform", perform_at_once)
    monkeypatch.setattr(StationShell, "_pause", pause_unless_prompt)
    return dropped


def _journal(tmp_path: Path) -> list[Entry]:
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        return list(journal.entries())
    finally:
        journal.close()


def _key_changes(entries: list[Entry]) -> list[tuple[int, str]]:
    """(entry index, key) of each ChangeConfiguration AuthorizationKey the bench sent."""
    found = []
    for index, entry in enumerate(entries):
        if entry.kind == "frame_out" and entry.action == "ChangeConfiguration":
            payload = json.loads(entry.raw or "[]")[3]
            if payload.get("key") == "AuthorizationKey":
                found.append((index, payload["value"]))
    return found


async def test_a_station_back_with_the_new_key_before_the_case_goes_on_is_admitted(
    tmp_path, monkeypatch
):
    dropped = reconnect_at_once(monkeypatch)
    verdict = (await run_cases(tmp_path, monkeypatch, ["TC_073_CS"]))["TC_073_CS"]
    passed_with_evidence(verdict)

    entries = _journal(tmp_path)
    refused = [(e.station, e.detail) for e in entries if e.kind == "refuse"]
    assert not [r for r in refused if r[1].get("status") == 401], refused
    # The station did drop and come back by itself after the password change: between
    # the ChangeConfiguration of the new key and the bench's own close (the case's
    # "reconnect with the new password"), a connection with valid Basic Auth.
    assert dropped, "the simulator never dropped its connection for a key change"
    changes = _key_changes(entries)
    assert len(changes) >= 2, changes  # TC_073's new key, then the one it knew back
    start, _ = changes[-2]
    bench_close = next(
        i
        for i, e in enumerate(entries)
        if i > start and e.kind == "close" and "new password" in str(e.detail.get("reason"))
    )
    between = entries[start:bench_close]
    assert any(e.kind == "close" and e.detail.get("code") == 1006 for e in between), between
    assert any(
        e.kind == "connect" and (e.detail.get("basic_auth") or {}).get("valid") for e in between
    ), between


# -- the tightest interleaving: the new connection admitted in the answer's loop step ----------

OLD_KEY, NEW_KEY = "0123456789abcdef0123", "fedcba9876543210fedc"


def _upgrade(station: WireStation, key: str) -> bytes:
    """The station's upgrade request with Basic Auth, identity as user, ``key`` as password."""
    request = station.ws.connect()
    token = base64.b64encode(f"CP1:{key}".encode()).decode()
    request.headers["Authorization"] = f"Basic {token}"
    station.ws.send_request(request)
    return b"".join(station.ws.data_to_send())


async def test_an_answer_read_with_the_new_key_upgrade_is_not_lost(journal):
    settings = ServerSettings(port=0, ping_interval=None, passwords={"CP1": OLD_KEY})
    async with CentralSystem(journal, settings) as central:
        central.run_id = journal.start_run("test")
        reader, writer = await asyncio.open_connection("127.0.0.1", central.port)
        station = WireStation(reader, writer, central.url("CP1"))
        writer.write(_upgrade(station, OLD_KEY))
        response = await station.next_event()
        assert isinstance(response, Response) and response.status_code == 101, response
        session = await central.wait_for_station("CP1", 25 * UNIT)
        # The connection it will come back on: open, accepted, its request not sent yet.
        spare_reader, spare_writer = await asyncio.open_connection("127.0.0.1", central.port)
        spare = WireStation(spare_reader, spare_writer, central.url("CP1"))
        await asyncio.sleep(UNIT)
        settings.passwords["CP1"] = NEW_KEY  # as the bench does from the change on
        change = {"key": "AuthorizationKey", "value": NEW_KEY}
        asking = asyncio.create_task(session.call("ChangeConfiguration", change, 25 * UNIT))
        call = await station.message()
        assert isinstance(call, list) and call[2] == "ChangeConfiguration", call
        # One loop step: the answer on the old connection, the upgrade with the new key.
        station.write(json.dumps([3, call[1], {"status": "Accepted"}]).encode())
        spare_writer.write(_upgrade(spare, NEW_KEY))
        try:
            result = await asking
        finally:
            await spare.close()
            await station.close()
        assert result.get("status") == "Accepted"
        assert not [r for r in central.refusals if r[1] == 401], central.refusals

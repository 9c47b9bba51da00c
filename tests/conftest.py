"""Shared fixtures: a real journal file, a real Central System on 127.0.0.1:0, and a raw
WebSocket station client that speaks hand-built OCPP-J frames."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal

# One scalable unit for every wait in the tests.
UNIT = 0.2


@pytest.fixture
def journal(tmp_path) -> Journal:
    clock = Clock()
    db = Journal(tmp_path / "journal.sqlite", clock.utc_text, clock.mono)
    yield db
    db.close()


@pytest.fixture
async def central(journal) -> AsyncIterator[CentralSystem]:
    async with CentralSystem(journal, ServerSettings(port=0, ping_interval=None)) as cs:
        cs.run_id = journal.start_run("test")
        yield cs


class RawStation:
    """A station made of a bare WebSocket and hand-written frames."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.n = 0

    async def send_raw(self, text: str | bytes) -> None:
        await self.ws.send(text)

    async def recv(self, timeout: float = 10 * UNIT) -> list[Any]:
        import asyncio

        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        self.n += 1
        await self.ws.send(json.dumps([2, f"s{self.n}", action, payload]))
        return await self.recv()


def station_url(cs: CentralSystem, identity: str = "CP1") -> str:
    return cs.url(identity)


async def open_station(cs: CentralSystem, identity: str = "CP1", **kwargs: Any) -> RawStation:
    ws = await connect(cs.url(identity), subprotocols=["ocpp1.6"], **kwargs)
    return RawStation(ws)

"""Shared fixtures: a real journal file, a real Central System on 127.0.0.1:0, and a raw
WebSocket station client that speaks hand-built OCPP-J frames."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal

# One scalable unit for every wait in the tests.
UNIT = 0.2

# The modules whose tests each run a whole pack or a long scenario (30 to 160 s each, by
# --durations). Under ``-n N --dist worksteal`` xdist first hands each worker one contiguous
# slice of the collection and later moves only the tails of queues: a long test that sits
# late in a slice starts late and the run ends with a few of them on an idle machine. So
# each worker's slice is made to begin with its share of these (``pytest_collection_
# modifyitems``); the other tests keep their order, in contiguous runs.
LONG_MODULES = frozenset(
    {
        "tests/script/test_legal_variants.py",
        "tests/script/test_catalogue.py",
        "tests/script/test_catalogue201.py",
        "tests/script/test_catalogue201_b.py",
        "tests/script/test_catalogue201_e.py",
        "tests/script/test_catalogue201_network.py",
        "tests/script/test_demo_end_to_end.py",
        "tests/script/test_peer_station.py",
        "tests/v201/test_pack_against_peer.py",
        "tests/cli/test_demo_ocpp.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2:
        return
    long = [i for i in items if i.nodeid.split("::")[0] in LONG_MODULES]
    rest = [i for i in items if i.nodeid.split("::")[0] not in LONG_MODULES]
    ordered: list[pytest.Item] = []
    for k in range(workers):  # the slice sizes xdist's worksteal hands out, in order
        size = (len(items) - len(ordered)) // (workers - k)
        mine = long[k::workers][:size]
        ordered += mine
        ordered += rest[: size - len(mine)]
        del rest[: size - len(mine)]
    ordered += rest
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    items[:] = ordered


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

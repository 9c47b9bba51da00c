"""What the bench needs to play a second CSMS (OCPP 2.0.1 use case B10): an endpoint that is
down (connections on a URL path prefix refused, each refusal journaled), and a connection
that says whether the station opened it before closing the one it had (B10.FR.06)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chargecheck.csms import CentralSystem


def _url(central: CentralSystem, prefix: str, identity: str = "CP1") -> str:
    return central.url(identity).replace("/ocpp/", prefix)


async def _refused(url: str) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await connect(url, subprotocols=["ocpp2.0.1"])
    return caught.value.response.status_code


async def test_a_closed_path_is_refused_until_admitted_and_journaled(central, journal):
    central.refuse_path("/other/")
    assert await _refused(_url(central, "/other/")) == 503
    assert await _refused(_url(central, "/other/")) == 503
    ws = await connect(central.url("CP1"), subprotocols=["ocpp2.0.1"])  # another path
    await ws.close()
    central.admit_path("/other/")
    ws = await connect(_url(central, "/other/"), subprotocols=["ocpp2.0.1"])
    await ws.close()
    entries = [e for e in journal.entries(central.run_id) if e.kind == "refuse"]
    assert central.refusal_entries == [e.id for e in entries]
    refusals = [e.detail for e in entries]
    assert [(r["status"], r["path"], r["reason"]) for r in refusals] == [
        (503, "/other/CP1", "refused: the path /other/ is closed"),
    ] * 2
    assert [r[0] for r in central.refusals] == ["CP1", "CP1"]


async def test_a_path_refused_a_number_of_times_is_open_after_them(central):
    path = "/ocpp/CP1"
    central.refuse_path(path, times=1)
    assert await _refused(central.url("CP1")) == 503
    ws = await connect(central.url("CP1"), subprotocols=["ocpp2.0.1"])
    await ws.close()
    assert central.refusals == [("CP1", 503, f"refused: the path {path} is closed")]


async def test_a_connection_opened_before_the_old_one_closed_says_so(central):
    first = await connect(central.url("CP1"), subprotocols=["ocpp2.0.1"])
    await central.wait_for_station("CP1", 5)
    assert "replaced_open_connection" not in central.sessions["CP1"].connect_detail
    second = await connect(_url(central, "/other/"), subprotocols=["ocpp2.0.1"])
    session = central.sessions["CP1"]
    assert session.connections == 2
    assert session.connect_detail["replaced_open_connection"] is True
    assert session.connect_detail["path"] == "/other/CP1"
    await second.close()
    await first.close()

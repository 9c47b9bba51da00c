"""What every connector row builds on: the connectors the station reports, through the
real Central System and a station on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.settings import load
from chargecheck.script.verdict import Outcome
from tests.conftest import UNIT, open_station


async def _answer_get_configuration(station, value: str | None) -> None:
    call = await station.recv()
    assert call[2] == "GetConfiguration"
    items = (
        [] if value is None else [{"key": "NumberOfConnectors", "readonly": True, "value": value}]
    )
    await station.send_raw(json.dumps([3, call[1], {"configurationKey": items}]))


async def _connectors(central, value: str | None, statuses: list[int]):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    for connector_id in statuses:
        status = {"connectorId": connector_id, "errorCode": "NoError", "status": "Available"}
        assert (await station.call("StatusNotification", status))[0] == 3
    ctx = CaseContext(session, load("demo"), NonInteractiveOperator())
    answering = asyncio.create_task(_answer_get_configuration(station, value))
    outlets = await ctx.outlets()
    await answering
    await station.ws.close()
    return outlets, ctx.criteria


async def test_a_station_that_reports_no_connector_fails_the_row(central):
    outlets, criteria = await _connectors(central, None, [0])
    assert outlets == []
    assert [(c.name, c.outcome) for c in criteria] == [
        ("the station reports its connectors", Outcome.FAIL)
    ]


async def test_connectors_come_from_number_of_connectors_and_status_notifications(central):
    outlets, criteria = await _connectors(central, "1", [0, 2])
    assert outlets == [1, 2]
    assert criteria == []

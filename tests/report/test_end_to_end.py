"""A run recorded by the real Central System over 127.0.0.1, then reported."""

from __future__ import annotations

import asyncio
import json

from chargecheck.report import load_run, render_html, render_markdown
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from tests.conftest import UNIT, open_station

BOOT = {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61002"}


async def test_frames_journaled_by_the_central_system_appear_in_the_row_they_prove(
    central, journal
):
    station = await open_station(central, "CP9")
    session = await central.wait_for_station("CP9", 10 * UNIT)
    boot_reply = await station.call("BootNotification", BOOT)
    await station.call(
        "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    )
    pending = asyncio.create_task(session.call("GetConfiguration", {}, timeout=10 * UNIT))
    call = await station.recv()
    keys = [{"key": "HeartbeatInterval", "readonly": False, "value": "3600"}]
    await station.send_raw(json.dumps([3, call[1], {"configurationKey": keys}]))
    result = await pending
    await station.ws.close()
    await session.wait_disconnected(10 * UNIT)

    (boot,) = session.received("BootNotification")
    for verdict in (
        Verdict(
            1,
            "Boot notification",
            "Receive a BootNotification",
            Outcome.PASS,
            "OK",
            (Criterion("received", Outcome.PASS, "", (boot.entry_id,)),),
            values={"request": BOOT, "response": boot_reply[2]},
        ),
        Verdict(
            4,
            "Get configuration",
            "GetConfiguration answered",
            Outcome.PASS,
            "OK, received 1 items",
            (Criterion("answered", Outcome.PASS, "", (result.entry_id,)),),
        ),
    ):
        journal.add_record(central.run_id, "verdict", verdict.to_dict())

    report = load_run(journal, central.run_id)
    assert report.station.identity == "CP9" and report.station.vendor == "Alfen BV"
    reply = report.entry(result.entry_id)
    assert reply is not None and reply.action == "GetConfiguration"
    assert reply.partner == result.call_entry_id
    assert [e.kind for e in report.entries if not e.is_frame] == ["connect", "close"]

    html = render_html(report)
    row4 = html[html.index('id="row-4"') : html.index("</details>", html.index('id="row-4"'))]
    assert "&#34;key&#34;: &#34;HeartbeatInterval&#34;" in row4
    assert f'id="row-4-entry-{result.call_entry_id}"' in row4  # the CALL, with its reply
    assert "GetConfiguration" not in html[html.index('id="row-1"') : html.index('id="row-4"')]
    assert "Connector 1" in html[html.index('id="timeline"') :]
    assert "Response values:* Status: Accepted; Heartbeat Interval:" in render_markdown(report)

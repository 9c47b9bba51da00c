"""Criteria whose FAIL did not rest on the seed's words or on a SHALL of OCPP 1.6 (the
issue #13 audit): what OCPP 1.6 allows is no longer a FAIL, and what the seed or a SHALL
demands still is."""

from __future__ import annotations

import asyncio
from typing import Any

from chargecheck.clock import Clock
from chargecheck.script.cases import row02_heartbeat, row04_get_configuration, row17_clear_cache
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import Case, run_case
from chargecheck.script.settings import load
from chargecheck.script.verdict import Outcome, Verdict
from tests.conftest import UNIT
from tests.script.handmade_station import HandmadeStation


async def _run(central, case: Case, answers: dict[str, dict[str, Any]]) -> Verdict:
    async with HandmadeStation(central, answers=answers):
        session = await central.wait_for_station("CP1", 10 * UNIT)
        ctx = CaseContext(session, load("demo"), NonInteractiveOperator(), central)
        return await run_case(case, ctx, Clock())


def _configuration(*items: dict[str, Any], unknown: list[str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"configurationKey": list(items)}
    if unknown is not None:
        result["unknownKey"] = unknown
    return {"GetConfiguration": result}


async def test_row4_passes_a_key_without_value_and_an_unknown_key_list(central):
    # KeyValue.value is optional ("If key is known but not set, this field may be
    # absent"); unknownKey is for requested keys, and none was requested.
    answers = _configuration(
        {"key": "HeartbeatInterval", "readonly": False, "value": "60"},
        {"key": "AuthorizationKey", "readonly": False},
        unknown=["SomethingElse"],
    )
    verdict = await _run(central, row04_get_configuration.CASE, answers)
    assert verdict.outcome is Outcome.PASS, verdict.result
    assert verdict.result == (
        "OK, received 2 items; known but not set (no value): AuthorizationKey; "
        "unknownKey (none asked for): SomethingElse"
    )


async def test_row4_still_fails_a_key_listed_twice(central):
    item = {"key": "HeartbeatInterval", "readonly": False, "value": "60"}
    verdict = await _run(central, row04_get_configuration.CASE, _configuration(item, item))
    assert verdict.outcome is Outcome.FAIL
    assert "each key listed once: repeated: HeartbeatInterval" in verdict.result


async def test_row17_is_not_applicable_to_a_station_without_an_authorization_cache(central):
    answers = {
        "ClearCache": {"status": "Rejected"},
        **_configuration({"key": "AuthorizationCacheEnabled", "readonly": False, "value": "false"}),
    }
    verdict = await _run(central, row17_clear_cache.CASE, answers)
    assert verdict.outcome is Outcome.NOT_TESTED, verdict.result
    assert "not applicable: no Authorization Cache (AuthorizationCacheEnabled false)" in (
        verdict.result
    )


async def test_row17_fails_a_station_with_a_cache_that_will_not_clear_it(central):
    answers = {
        "ClearCache": {"status": "Rejected"},
        **_configuration({"key": "AuthorizationCacheEnabled", "readonly": False, "value": "true"}),
    }
    verdict = await _run(central, row17_clear_cache.CASE, answers)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.result == (
        "FAIL: ClearCache Accepted: answered Rejected, with AuthorizationCacheEnabled true"
    )


async def test_row2_passes_a_station_that_skips_heartbeats_while_it_sends_other_messages(
    central,
):
    # OCPP 1.6 section 4.6: it "MAY skip sending a Heartbeat.req PDU when another PDU has
    # been sent to the Central System within the configured heartbeat interval".
    answers = {
        "ChangeConfiguration": {"status": "Accepted"},
        **_configuration({"key": "HeartbeatInterval", "readonly": False, "value": "3600"}),
    }
    settings = load("demo")  # HeartbeatInterval set to 1 s, a silence of 1.5 s allowed
    async with HandmadeStation(central, answers=answers) as station:
        session = await central.wait_for_station("CP1", 10 * UNIT)
        ctx = CaseContext(session, settings, NonInteractiveOperator(), central)

        async def station_life() -> None:
            await station.served["ChangeConfiguration"].wait()
            await asyncio.sleep(0.3)  # the bench starts measuring once the change is in
            await station.send("Heartbeat", {})
            while True:  # a StatusNotification every 0.25 s, so no Heartbeat is due
                await asyncio.sleep(0.25)  # (half the interval left to a loaded machine)
                await station.report(1)

        life = asyncio.create_task(station_life())
        try:
            verdict = await run_case(row02_heartbeat.CASE, ctx, Clock())
        finally:
            life.cancel()
    assert verdict.outcome is Outcome.PASS, verdict.result
    (gaps,) = [c for c in verdict.criteria if c.name == "heartbeat every 1 s"]
    assert "ended by other messages (section 4.6)" in gaps.detail

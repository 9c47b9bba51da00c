"""With an EV connected all run (``--ev-connected``), on the bench and in the simulator,
the rows that only need a car connected are judged with nobody at the keyboard and the
acts (a card, pulling the cable, an error) are NOT TESTED, naming the step."""

from __future__ import annotations

import io
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path

from rich.console import Console

from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.verdict import Outcome
from tests.script.conftest import FAST


async def _run(
    tmp_path: Path,
    rows: list[int],
    monkeypatch,
    defects: tuple[str, ...] = (),
    connection_timeout: int = 5,
    variants: tuple[str, ...] = (),
):
    import chargecheck.demo as demo
    from chargecheck.demo import run_demo
    from chargecheck.sim.simulator import Simulator

    # The Alfen's ConnectionTimeOut is 60 s; 5 s (more than the status timeout, 3 s) keeps
    # the wait for a freed connector short.
    shipped = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
    profile = tmp_path / "alfen-fast-timeout.toml"
    text = shipped.read_text(encoding="utf-8")
    profile.write_text(
        text.replace(
            '"ConnectionTimeOut", type = "int", value = 60',
            f'"ConnectionTimeOut", type = "int", value = {connection_timeout}',
        )
    )
    assert (profile.read_text() != text) == (connection_timeout != 60)  # the shipped value
    monkeypatch.setattr(demo, "Simulator", partial(Simulator, profile=profile))
    settings = replace(FAST, ev_connected=(1, 2))
    console = Console(file=io.StringIO(), width=200)
    return await run_demo(
        tmp_path / "out",
        console,
        settings=settings,
        only=rows,
        defects=list(defects),
        variants=list(variants),
    )


async def test_change_availability_of_a_connector_with_a_car_and_no_transaction_is_judged(
    tmp_path, monkeypatch
):
    # Section 5.2 to the letter: no transaction, so the change is Accepted and the
    # connector goes Unavailable with the car in; Operative may give Preparing (F2).
    summary = await _run(tmp_path, [3], monkeypatch)
    (row,) = summary.verdicts
    assert row.outcome is Outcome.PASS, row.result
    details = [c.detail for c in row.criteria if c.name.startswith("ChangeAvailability")]
    assert any(d.startswith("Accepted, then Unavailable") for d in details), details


async def test_a_scheduled_change_is_taken_through_by_pulling_the_cable(tmp_path, monkeypatch):
    # The variant answers Scheduled with a car plugged in and applies the change once the
    # cable is out: the bench asks for the unplug (the demo's operator does it).
    (row,) = (
        await _run(
            tmp_path, [3], monkeypatch, connection_timeout=60, variants=("scheduled_availability",)
        )
    ).verdicts
    assert row.outcome is Outcome.PASS, row.result
    details = [c.detail for c in row.criteria if c.name.startswith("ChangeAvailability")]
    assert any(d.startswith("Scheduled, then Unavailable") for d in details), details


async def test_a_scheduled_change_nobody_takes_through_is_not_tested_not_failed(
    tmp_path, monkeypatch
):
    # Nobody to pull the cable, a ConnectionTimeOut (60 s) longer than the bench waits:
    # 5.2 lets the change wait for a free connector, nothing is judged, nothing FAILs.
    import chargecheck.demo as demo

    monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    (row,) = (
        await _run(
            tmp_path, [3], monkeypatch, connection_timeout=60, variants=("scheduled_availability",)
        )
    ).verdicts
    assert row.outcome is Outcome.NOT_TESTED, row.criteria
    left = [c for c in row.criteria if c.outcome is not Outcome.PASS]
    assert {(c.connector_id, c.name) for c in left} == {
        (c, f"ChangeAvailability {kind} gives {status}")
        for c in (1, 2)
        for kind, status in (("Inoperative", "Unavailable"), ("Operative", "Available"))
    }, left
    assert all(c.outcome is Outcome.NOT_TESTED for c in left)
    assert "answered Scheduled, and the change did not take effect" in row.result


async def test_the_demo_operator_is_replaced_by_nobody_for_the_acts(tmp_path, monkeypatch):
    import chargecheck.demo as demo

    monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    summary = await _run(tmp_path, [8, 11], monkeypatch)
    outcomes = {v.row: v for v in summary.verdicts}
    assert outcomes[8].outcome is Outcome.PASS, outcomes[8].result
    assert outcomes[11].outcome is Outcome.NOT_TESTED
    assert "Plug the car" in outcomes[11].result


async def test_a_remote_stop_with_nobody_to_unplug_is_judged_on_leaving_the_charging_states(
    tmp_path, monkeypatch
):
    # The failing side (a station that says Charging after its StopTransaction) is
    # tests/script/test_peer_station.py, with the peer's --charging-after-stop.
    import chargecheck.demo as demo

    monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    (row,) = (await _run(tmp_path, [7], monkeypatch)).verdicts
    assert row.outcome is Outcome.NOT_TESTED, row.result
    name = "remote stop: the connector leaves the charging states"
    left = [c for c in row.criteria if c.name == name]
    assert left and {c.outcome for c in left} == {Outcome.PASS}
    assert all(c.detail in ("Finishing", "Available") for c in left)


async def test_offline_with_nobody_to_unplug_the_meter_values_sampled_offline_are_judged(
    tmp_path, monkeypatch
):
    import chargecheck.demo as demo

    monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    (row,) = (await _run(tmp_path, [16], monkeypatch)).verdicts
    assert row.outcome is Outcome.PASS, row.result
    assert "ran through the outage" in row.result
    sent = next(c for c in row.criteria if "sampled offline" in c.name)
    assert sent.outcome is Outcome.PASS and sent.evidence, sent


async def test_a_station_that_drops_what_it_cached_offline_fails_row_16_unattended(
    tmp_path, monkeypatch
):
    import chargecheck.demo as demo

    monkeypatch.setattr(demo, "SimulatorOperator", lambda _: NonInteractiveOperator())
    (row,) = (await _run(tmp_path, [16], monkeypatch, ("drop_offline_queue",))).verdicts
    assert row.outcome is Outcome.FAIL, row.criteria
    failed = [c for c in row.criteria if c.outcome is Outcome.FAIL]
    assert [c.name for c in failed] == [
        "the transaction's MeterValues sampled offline are sent automatically"
    ], row.result
    assert "MUST be queued" in failed[0].detail

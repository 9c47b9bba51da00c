"""The pack ``octt201-cs`` run by the real bench against a station it did not write
(``tests.v201.peer201``: the ``ocpp`` package's 2.0.1 ChargePoint, with the variants
OCPP 2.0.1 allows and the bench's simulator does not take), over 127.0.0.1. Issue #26:
it runs to the end with no FAIL the station does not deserve; one deliberate defect
makes exactly the case (or cases) that judge it FAIL."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from chargecheck.csms import CentralSystem
from chargecheck.run import RunOptions, RunSummary, run_bench
from chargecheck.script.operator import PhysicalStep, StepKind, StepNotDone
from chargecheck.script.packs import load_pack
from chargecheck.script.settings import load
from chargecheck.script.verdict import Outcome
from tests.conftest import UNIT
from tests.v201.peer201 import IDENTITY, Peer201
from tests.v201.peer201_evse import NotPossible

# The rows a legal station may leave NOT TESTED, each with what its reason must say and why.
EXPECTED_NOT_TESTED = {
    # TxStartPoint is ReadOnly EVConnected,PowerPathClosed: no other start point is set
    "TC_E_01_CS": "TxStartPoint",  # PowerPathClosed without the earlier EVConnected
    "TC_E_02_CS": "TxStartPoint",  # EnergyTransfer
    "TC_E_10_CS": "TxStartPoint",  # Authorized (local)
    "TC_E_13_CS": "TxStartPoint",  # Authorized (remote)
    "TC_E_11_CS": "SignReadings",  # no signing meter
    "TC_E_12_CS": "parking bay",  # no parking bay sensor (TxStartPoint ReadOnly)
    "TC_E_19_CS": "parking bay",  # no parking bay sensor (not in TxStopPoint's valuesList)
    "TC_B_41_CS": "one EVSE",  # the case is for two EVSEs or more
    "TC_B_52_CS": "besides",  # its second criterion needs a connector that kept its state
    # EVSE.AllowReset false: an EVSE is never reset alone (B11.FR.09)
    "TC_B_25_CS": "AllowReset",
    "TC_B_26_CS": "AllowReset",
    "TC_B_27_CS": "AllowReset",
    # Connector.ConnectorType sType2: a detachable cable, an AC socket
    "TC_E_27_CS": "detachable",  # for a cable attached to the station
    "TC_E_54_CS": "ConnectorType",  # for a DC-only station
}
# NOT TESTED or PASS by timing: the bench cannot tell the queue from the answer.
EITHER = {
    "TC_E_29_CS": "messagesInQueue",  # the queue sent before GetTransactionStatus came
    "TC_E_31_CS": "messagesInQueue",
    "TC_E_33_CS": "messagesInQueue",
}
CARD = "PEERCARD01"  # the card the operator presents when a step names none


class PeerOperator:
    """The operator's hands on the peer's one EVSE: the cable at both ends, the car, the
    cards, the mains."""

    def __init__(self, holder: dict[str, Peer201]) -> None:
        self._holder = holder

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        peer = self._holder["peer"]
        await peer.settled()  # a person is no faster than the card reader's answer
        evse, kind = peer.evse, step.kind
        try:
            if kind is StepKind.PLUG_IN and evse.in_socket:
                evse.unplug()
            if kind in (StepKind.PLUG, StepKind.PLUG_IN):
                evse.plug()
            elif kind is StepKind.UNPLUG:
                evse.unplug()
            elif kind is StepKind.PRESENT_CARD:
                evse.present_card(step.id_tag or CARD)
            elif kind in (StepKind.EV_SUSPEND, StepKind.EV_RESUME):
                (evse.ev_suspend if kind is StepKind.EV_SUSPEND else evse.ev_resume)()
            elif kind in (StepKind.EV_SIDE_UNPLUG, StepKind.EV_SIDE_PLUG):
                (evse.ev_side_unplug if kind is StepKind.EV_SIDE_UNPLUG else evse.ev_side_plug)()
            elif kind is StepKind.POWER_CYCLE:
                peer.power_cycle()
            else:
                raise StepNotDone(f"the peer has no hands for {kind}")
        except NotPossible as exc:
            raise StepNotDone(str(exc)) from None


async def run_pack(
    out: Path, *, only: Sequence[str] = (), **peer_options: Any
) -> tuple[RunSummary, Peer201, str]:
    """The pack (``only`` its rows, if given) against one peer; the run's summary, the
    peer and the console."""
    console = io.StringIO()
    options = RunOptions(
        load("demo"), out=out, port=0, script=load_pack("octt201-cs"), kind="demo", only=only
    )
    holder: dict[str, Peer201] = {}
    running: list[asyncio.Task[None]] = []

    async def ready(central: CentralSystem, files: Any) -> None:
        peer = holder["peer"] = Peer201(
            central.url(IDENTITY), reboot_delay=2 * UNIT, **peer_options
        )
        running.append(asyncio.create_task(peer.run()))

    try:
        async with asyncio.timeout(360):  # the whole pack takes about 130 s
            summary = await run_bench(
                options, PeerOperator(holder), Console(file=console, width=200), ready=ready
            )
    finally:
        if "peer" in holder:  # the peer reconnects until stopped
            holder["peer"].stop()
        for task in running:
            task.cancel()
        if running:  # bounded: a peer that does not stop fails the test, never hangs it
            _, pending = await asyncio.wait(running, timeout=30)
            assert not pending, "the peer station did not stop"
    return summary, holder["peer"], console.getvalue()


def sent(peer: Peer201, action: str) -> list[dict[str, Any]]:
    """The payloads of the peer's CALLs of ``action``, in order."""
    frames = [json.loads(text) for way, text in peer.frames if way == "out"]
    return [f[3] for f in frames if f[0] == 2 and f[2] == action]


async def test_the_pack_passes_a_legal_station_with_other_choices_than_the_simulator(tmp_path):
    summary, peer, console = await run_pack(tmp_path)

    got = {v.id: v.outcome for v in summary.verdicts}
    assert sorted(got) == sorted(r.id for r in load_pack("octt201-cs").rows), console
    bad = {v.id: v.result for v in summary.verdicts if v.outcome in (Outcome.FAIL, Outcome.ERROR)}
    assert bad == {}, console
    bare = [
        (v.id, c.name)
        for v in summary.verdicts
        for c in v.criteria
        if c.outcome is Outcome.PASS and not c.evidence
    ]
    assert bare == []  # a PASS needs positive evidence: the frames that show it
    not_tested = {r for r, o in got.items() if o is Outcome.NOT_TESTED}
    assert set(EXPECTED_NOT_TESTED) <= not_tested <= {*EXPECTED_NOT_TESTED, *EITHER}, console
    for row in not_tested:
        said = " ".join(
            c.detail for v in summary.verdicts if v.id == row for c in v.criteria if c.detail
        )
        assert {**EXPECTED_NOT_TESTED, **EITHER}[row] in said, (row, said)
    # no finding the bench provoked: the TransactionEvents it left unanswered on purpose (E13,
    # TC_E_41/42) hold none of the station's later CALLs back (wire201.one_call_at_a_time)
    report = json.loads(summary.reports["json"].read_text(encoding="utf-8"))
    assert [f["message"] for f in report["findings"] if f["severity"] == "violation"] == []
    assert summary.violations == 0 and summary.exit_code == 0, console
    assert summary.bench_errors == []
    assert peer.problems == []  # every request but the withheld TransactionEvents answered
    assert [t for way, t in peer.frames if way == "out" and t.startswith("[4,")] == [
        t for way, t in peer.frames if way == "out" and '"SecurityError"' in t
    ]  # its only CALLERRORs: B03.FR.08, while Rejected

    # the variants were taken: states by NotifyEvent only, resets with their reason
    assert sent(peer, "StatusNotification") == []
    events = [e for p in sent(peer, "NotifyEvent") for e in p["eventData"]]
    assert len(events) >= len(peer.boots)
    assert {(e["variable"]["name"], e["trigger"]) for e in events} == {
        ("AvailabilityState", "Delta")
    }
    assert peer.boots[0] == "PowerUp"
    assert set(peer.boots[1:]) == {"RemoteReset"}
    # seqNo counts on across transactions; the outages' events went offline (E11)
    tx_events = sent(peer, "TransactionEvent")
    seq_nos = [e["seqNo"] for e in tx_events]
    assert len({e["transactionInfo"]["transactionId"] for e in tx_events}) > 1
    assert seq_nos == sorted(seq_nos) and seq_nos.count(0) == 1  # a resend repeats one
    assert any(e.get("offline") for e in tx_events)
    assert peer.dropped and peer.retries  # E13: withheld answers, resent, then dropped
    local = [e for e in tx_events if e["triggerReason"] == "StopAuthorized"]
    assert local and all("stoppedReason" not in e["transactionInfo"] for e in local)
    assert any("/chargecheck-slot" in url for url in peer.attempts)  # B10: the new profile


# Each defect, with the rows run for it: the ones that judge it (they FAIL) and others
# that exercise the same messages (they do not).
DEFECT_RUNS = [
    (
        "set_unknown_component_accepted",
        {"TC_B_35_CS"},
        ("TC_B_09_CS", "TC_B_10_CS", "TC_B_35_CS", "TC_B_36_CS", "TC_B_37_CS", "TC_B_39_CS"),
    ),
    (
        "no_status_after_reset",
        {"TC_B_02_CS", "TC_B_03_CS", "TC_B_20_CS", "TC_B_21_CS", "TC_B_22_CS", "TC_B_23_CS"},
        (
            "TC_B_01_CS",
            "TC_B_02_CS",
            "TC_B_03_CS",
            "TC_B_30_CS",
            "TC_B_20_CS",
            "TC_B_21_CS",
            "TC_B_22_CS",
            "TC_B_23_CS",
            "TC_B_51_CS",
        ),
    ),
    (
        "ongoing_indicator_missing",
        {"TC_E_28_CS"},
        ("TC_E_28_CS", "TC_E_30_CS", "TC_E_32_CS", "TC_E_34_CS"),
    ),
]


@pytest.mark.parametrize(("defect", "rows", "only"), DEFECT_RUNS)
async def test_one_defect_of_the_peer_fails_exactly_the_cases_that_judge_it(
    tmp_path, defect, rows, only
):
    summary, _, console = await run_pack(tmp_path, only=only, defects=[defect])

    failed = {v.id for v in summary.verdicts if v.outcome is Outcome.FAIL}
    assert failed == rows, console
    others = {v.id: v.outcome for v in summary.verdicts if v.id not in rows}
    assert all(o is Outcome.PASS for o in others.values()), console
    assert summary.exit_code == 1

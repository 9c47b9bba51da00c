"""The console of ``chargecheck simulate --ocpp 2.0.1``: the 2.0.1 station's verbs parsed by
plain calls, and the command as a real process, typed into through its stdin, against a
CSMS we did not write (``peer``: the ``ocpp`` package's 2.0.1 ChargePoint)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chargecheck.sim.console import (
    VERBS_201,
    BadCommand,
    Request,
    complete,
    describe_state,
    help_lines,
    parse_line,
)
from chargecheck.sim.control import ACTIONS_201
from tests.sim.conftest import assert_simulate_refuses
from tests.sim.test_console import CHARGECHECK, Typist

from .peer import WAIT, Central, running_csms

VALID_VERBS = "plug, unplug, card, evmax, offline, online, reboot, status, help, quit"


@pytest.fixture
async def csms() -> AsyncIterator[Central]:
    async with running_csms() as central:
        yield central


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "path", "body"),
    [
        ("plug 1", "/plug", {"connector": 1}),
        ("unplug 2", "/unplug", {"connector": 2}),
        ("card 1 04A2B3C4", "/present_id_tag", {"connector": 1, "idTag": "04A2B3C4"}),
        ("evmax 1 0", "/ev_max_current", {"connector": 1, "amps": 0.0}),
        ("offline 30", "/go_offline", {"seconds": 30.0}),
        ("online", "/go_online", {}),
        ("reboot", "/reboot", {}),
    ],
)
def test_each_2_0_1_verb_is_the_control_request_of_the_act_on_the_evse(line, path, body):
    assert parse_line(line, VERBS_201) == Request("POST", path, body)


def test_the_2_0_1_verbs_cover_every_act_of_its_control_table_and_nothing_else():
    paths = {verb.path for verb in VERBS_201 if verb.path is not None}
    assert paths == set(ACTIONS_201) | {"/stations"}
    assert parse_line("status", VERBS_201) == Request("GET", "/stations", {})


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("fault 0 OverVoltage", f"unknown verb 'fault'; valid: {VALID_VERBS}"),
        ("powercut", f"unknown verb 'powercut'; valid: {VALID_VERBS}"),
        ("plug 0", "'0' is not an EVSE number (1, 2 ...); usage: plug EVSE, like: plug 1"),
        ("card 1", "usage: card EVSE IDTOKEN, like: card 1 04A2B3C4"),
    ],
)
def test_a_verb_the_2_0_1_station_lacks_or_a_bad_evse_gets_one_line(line, complaint):
    with pytest.raises(BadCommand) as caught:
        parse_line(line, VERBS_201)
    assert str(caught.value) == complaint


def test_help_and_tab_offer_the_2_0_1_verbs_only():
    lines = help_lines(VERBS_201)
    assert [line.split()[0] for line in lines] == VALID_VERBS.split(", ")
    assert complete("", VERBS_201) == VALID_VERBS.split(", ")
    assert complete("p", VERBS_201) == ["plug"]
    assert complete("fault 0 ", VERBS_201) == []


def test_a_2_0_1_station_state_is_one_line_with_its_evses():
    state = {
        "station": "CS1",
        "ocppVersion": "2.0.1",
        "connected": True,
        "booted": True,
        "evses": [
            {"evseId": 1, "status": "Occupied", "transactionId": "tx-7"},
            {"evseId": 2, "status": "Available", "transactionId": None},
        ],
    }
    expected = "CS1 online, booted | EVSE 1 Occupied (transaction tx-7) | EVSE 2 Available"
    assert describe_state(state) == expected


def test_the_2_0_1_console_is_refused_with_several_stations(tmp_path):
    options = ["--ocpp", "2.0.1", "--console", "--count", "2"]
    assert_simulate_refuses(tmp_path, options, "the console drives one station, not 2")


# -- end to end: a person types into chargecheck simulate --ocpp 2.0.1 --------------------------


class Typist201(Typist):
    def __init__(self, url: str, state_dir: Path) -> None:
        super().__init__(url, state_dir)
        self.args = [
            CHARGECHECK, "simulate", url, "CSC", "--ocpp", "2.0.1", "--console",
            "--time-scale", "50", "--state-dir", str(state_dir),
        ]  # fmt: skip


async def test_typed_verbs_drive_the_2_0_1_station_and_every_frame_gets_a_line(csms, tmp_path):
    typist = Typist201(csms.url, tmp_path / "state")
    await typist.start()
    try:
        await csms.count("StatusNotification", 2, timeout=4 * WAIT)
        await typist.type("plug 1")
        await csms.first(
            "StatusNotification", lambda p: p["evseId"] == 1 and p["connectorStatus"] == "Occupied"
        )
        await typist.wait_for("CSC online, booted | EVSE 1 Occupied | EVSE 2 Available")

        await typist.type("card 1 ABC")
        # a real process typed at: a loaded machine may take longer than one WAIT
        authorize = await csms.first("Authorize", timeout=4 * WAIT)
        assert authorize == {"idToken": {"idToken": "ABC", "type": "ISO14443"}}
        started = lambda p: p["eventType"] == "Started"  # noqa: E731
        await csms.first("TransactionEvent", started, timeout=4 * WAIT)
        await typist.wait_for('-> TransactionEvent {"eventType":"Started"')

        await typist.type("fault 0 OverVoltage")
        await typist.type("plug 9")
        await typist.type("quit")
        code, errors = await typist.finish()
    finally:
        if typist.proc is not None and typist.proc.returncode is None:
            typist.proc.kill()
            await typist.proc.wait()
    assert code == 0 and errors == ""
    lines = typist.lines
    assert "console of CSC: type help for the verbs, quit to leave" in lines
    boot = lines.index(next(line for line in lines if line.startswith("-> BootNotification {")))
    assert '"model":"SIM-201-AC22"' in lines[boot]
    assert (
        lines[boot + 1].startswith("<- BootNotification.conf {") and "Accepted" in lines[boot + 1]
    )
    assert '-> Authorize {"idToken":{"idToken":"ABC","type":"ISO14443"}}' in lines
    assert any(line.startswith("<- Authorize.conf {") for line in lines)
    assert [line for line in lines if "'fault'" in line] == [
        f"unknown verb 'fault'; valid: {VALID_VERBS}"
    ]
    assert [line for line in lines if line.startswith("error: ")] == [
        "error: EVSE 9 does not exist (1..2)"
    ]
    assert "1 OCPP 2.0.1 station(s) -> " + csms.url in " ".join(lines)

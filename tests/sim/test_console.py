"""The console of ``chargecheck simulate``: its verbs parsed by plain calls, and the command
as a real process, typed into through its stdin, against a real Central System."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from contextlib import suppress
from pathlib import Path

import pytest

from chargecheck.sim.console import (
    VERBS,
    BadCommand,
    FrameLog,
    Local,
    Request,
    complete,
    console_wanted,
    describe_state,
    help_lines,
    parse_line,
)
from chargecheck.sim.control import ACTIONS

from .conftest import FAST, WAIT, assert_simulate_refuses, seed_configuration

CHARGECHECK = str(Path(sys.executable).parent / "chargecheck")
VALID_VERBS = (
    "plug, unplug, card, fault, clear, evmax, offline, online, reboot, powercut, lockfail, "
    "lockok, secprofile, listfail, listok, status"
)


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "path", "body"),
    [
        ("plug 1", "/plug", {"connector": 1}),
        ("  UNPLUG   2 ", "/unplug", {"connector": 2}),
        ("card 1 04A2B3C4", "/present_id_tag", {"connector": 1, "idTag": "04A2B3C4"}),
        (
            "fault 0 OverVoltage 253 V",
            "/inject_fault",
            {"connector": 0, "errorCode": "OverVoltage", "info": "253 V"},
        ),
        ("fault 1 GroundFailure", "/inject_fault", {"connector": 1, "errorCode": "GroundFailure"}),
        ("clear 0", "/clear_fault", {"connector": 0}),
        ("evmax 1 0", "/ev_max_current", {"connector": 1, "amps": 0.0}),
        ("evmax 2 6.5", "/ev_max_current", {"connector": 2, "amps": 6.5}),
        ("offline", "/go_offline", {}),
        ("offline 30", "/go_offline", {"seconds": 30.0}),
        ("online", "/go_online", {}),
        ("reboot", "/reboot", {}),
        ("powercut", "/power_cycle", {}),
        ("lockfail 1", "/lock_failure", {"connector": 1}),
        ("lockok 2", "/clear_lock_failure", {"connector": 2}),
        ("listfail", "/local_list_failure", {}),
        ("listok", "/clear_local_list_failure", {}),
    ],
)
def test_each_verb_becomes_the_control_request_of_the_same_action(line, path, body):
    assert parse_line(line) == Request("POST", path, body)


def test_status_is_the_get_of_the_stations():
    assert parse_line("status") == Request("GET", "/stations", {})


def test_help_and_quit_are_the_consoles_own_and_a_blank_line_is_nothing():
    assert parse_line("help") == Local("help")
    assert parse_line("quit") == Local("quit")
    assert parse_line("   ") is None


def test_the_verbs_cover_every_control_action_and_nothing_else():
    paths = {verb.path for verb in VERBS if verb.path is not None}
    assert paths == set(ACTIONS) | {"/stations"}


def test_an_unknown_verb_gets_one_line_listing_the_valid_ones():
    with pytest.raises(BadCommand) as caught:
        parse_line("bogus 1")
    assert str(caught.value) == f"unknown verb 'bogus'; valid: {VALID_VERBS}, help, quit"


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("plug", "usage: plug CONNECTOR, like: plug 1"),
        ("plug 1 2", "usage: plug CONNECTOR, like: plug 1"),
        ("online now", "usage: online, like: online"),
        ("card 1", "usage: card CONNECTOR IDTAG, like: card 1 04A2B3C4"),
        ("plug one", "'one' is not a connector number (0 for the station, 1, 2 ...); usage: plug"),
        ("clear -1", "'-1' is not a connector number"),
        ("offline 0", "'0' is not a number of seconds (more than zero); usage: offline [SECONDS]"),
        ("offline soon", "'soon' is not a number of seconds"),
        ("offline nan", "'nan' is not a number of seconds"),
        ("offline inf", "'inf' is not a number of seconds"),
        ("evmax 1 -2", "'-2' is not a number of amperes (zero or more)"),
        ("fault 1", "usage: fault CONNECTOR CODE [INFO], like: fault 0 OverVoltage 253 V"),
    ],
)
def test_a_bad_argument_gets_one_line_with_the_usage(line, complaint):
    with pytest.raises(BadCommand) as caught:
        parse_line(line)
    message = str(caught.value)
    assert complaint in message and "\n" not in message


def test_help_lists_every_verb_with_its_arguments_on_one_line_each():
    lines = help_lines()
    assert len(lines) == len(VERBS)
    assert lines[2].split()[:3] == ["card", "CONNECTOR", "IDTAG"]
    assert "[SECONDS]" in lines[6]


# -- tab completion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_cursor", "offered"),
    [
        ("", [verb.name for verb in VERBS]),
        ("p", ["plug", "powercut"]),
        ("of", ["offline"]),
        ("fault 0 Over", ["OverCurrentFailure", "OverVoltage"]),
        ("fault 0 ", None),  # every error code
        ("plug 1 ", []),
        ("card 1 ", []),
        ("zz", []),
    ],
)
def test_tab_offers_the_verbs_and_the_error_codes_of_fault(before_cursor, offered):
    from chargecheck.sim.connector import ERROR_CODES

    expected = sorted(ERROR_CODES) if offered is None else offered
    assert complete(before_cursor) == expected


# -- the line per frame ------------------------------------------------------------------------


def test_a_call_and_its_result_are_named_after_the_calls_action():
    log = FrameLog()
    call = json.dumps([2, "7", "StatusNotification", {"connectorId": 1, "status": "Preparing"}])
    assert log.line("out", call) == ('-> StatusNotification {"connectorId":1,"status":"Preparing"}')
    assert log.line("in", '[3,"7",{}]') == "<- StatusNotification.conf {}"
    assert log.line("in", '[3,"7",{}]') == "<- unknown call 7.conf {}"  # answered once


def test_a_central_system_call_and_the_stations_error_answer():
    log = FrameLog()
    assert log.line("in", '[2,"a","Reset",{"type":"Soft"}]') == '<- Reset {"type":"Soft"}'
    assert log.line("out", '[4,"a","NotSupported","no",{}]') == "-> Reset.error NotSupported no"


def test_a_long_payload_is_cut_and_a_broken_frame_is_shown_as_such():
    log = FrameLog()
    line = log.line("out", json.dumps([2, "1", "DataTransfer", {"data": "x" * 500}]))
    assert line.startswith('-> DataTransfer {"data":"xxx') and line.endswith("...")
    assert len(line) < 130
    broken = log.line("in", "[2, nope")
    assert broken.startswith("<- not an OCPP-J frame (") and broken.endswith("[2, nope")


def test_a_station_state_is_one_line_with_its_connectors():
    state = {
        "station": "CP1",
        "connected": True,
        "booted": True,
        "connectors": [
            {"connectorId": 0, "status": "Available", "transactionId": None},
            {"connectorId": 1, "status": "Charging", "transactionId": 17},
        ],
    }
    expected = "CP1 online, booted | 0 Available | 1 Charging (transaction 17)"
    assert describe_state(state) == expected
    assert describe_state({"stations": [{**state, "connected": False}]}).startswith(
        "CP1 offline, booted |"
    )


# -- when the console runs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "count", "terminal", "wanted"),
    [
        (None, 1, True, True),
        (None, 1, False, False),
        (None, 5, True, False),
        (True, 1, False, True),
        (False, 1, True, False),
        (False, 5, True, False),
    ],
)
def test_the_console_runs_at_a_terminal_with_one_station_or_when_asked(
    flag, count, terminal, wanted
):
    assert console_wanted(flag, count, terminal=terminal) is wanted


def test_the_console_is_refused_with_several_stations(tmp_path):
    with pytest.raises(ValueError, match="one station, not 3"):
        console_wanted(True, 3, terminal=True)
    assert_simulate_refuses(tmp_path, ["--console", "--count", "2"], "the console drives one")


# -- end to end: a person types into chargecheck simulate ---------------------------------------


class Typist:
    """``chargecheck simulate --console`` as a real process: lines go to its stdin, its
    stdout is collected line by line."""

    def __init__(self, url: str, state_dir: Path) -> None:
        self.args = [
            CHARGECHECK, "simulate", url, "CPC", "--console",
            "--time-scale", "40", "--state-dir", str(state_dir),
        ]  # fmt: skip
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def type(self, line: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def wait_for(self, text: str) -> str:
        """The first line (from the start) that holds ``text``."""
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(WAIT):
            while True:
                found = [line for line in self.lines if text in line]
                if found:
                    return found[0]
                line = await self.proc.stdout.readline()
                assert line, f"simulate ended before printing {text!r}: {self.lines}"
                self.lines.append(line.decode().rstrip("\n"))

    async def finish(self) -> tuple[int, str]:
        assert self.proc is not None
        out, err = await asyncio.wait_for(self.proc.communicate(), WAIT)
        self.lines += out.decode().splitlines()
        assert self.proc.returncode is not None
        return self.proc.returncode, err.decode()


async def test_typed_verbs_drive_the_station_and_every_frame_gets_a_line(central, tmp_path):
    state_dir = tmp_path / "state"
    seed_configuration(state_dir, "CPC", FAST)
    typist = Typist(central.url(""), state_dir)
    await typist.start()
    try:
        session = await central.wait_for_station("CPC", 4 * WAIT)
        await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT)

        await typist.type("plug 1")
        await session.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == 1 and p["status"] == "Preparing",
            WAIT,
        )
        await typist.wait_for("CPC online, booted | 0 Available | 1 Preparing | 2 Available")

        await typist.type("card 1 ABC")
        authorize = await session.expect("Authorize", timeout=WAIT)
        assert authorize.payload == {"idTag": "ABC"}
        start = await session.expect("StartTransaction", timeout=WAIT)
        assert start.payload["idTag"] == "ABC" and start.payload["connectorId"] == 1
        await typist.wait_for("-> StartTransaction {")

        await typist.type("bogus")
        await typist.type("plug 9")
        await typist.type("quit")
        code, errors = await typist.finish()
    finally:
        if typist.proc is not None and typist.proc.returncode is None:
            typist.proc.kill()
            await typist.proc.wait()
    assert code == 0 and errors == ""
    lines = typist.lines
    assert "console of CPC: type help for the verbs, quit to leave" in lines
    boot = lines.index(next(line for line in lines if line.startswith("-> BootNotification {")))
    assert '"chargePointVendor":"Alfen BV"' in lines[boot]
    assert (
        lines[boot + 1].startswith('<- BootNotification.conf {"') and "Accepted" in lines[boot + 1]
    )
    assert any(
        line.startswith('-> StatusNotification {"connectorId":1,') and '"Preparing"' in line
        for line in lines
    )
    assert '-> Authorize {"idTag":"ABC"}' in lines
    assert any(
        line.startswith('<- Authorize.conf {"idTagInfo":{"status":"Accepted"') for line in lines
    )
    assert any(line.startswith("<- StartTransaction.conf {") for line in lines)
    bogus = [line for line in lines if "bogus" in line]
    assert bogus == [f"unknown verb 'bogus'; valid: {VALID_VERBS}, help, quit"]
    errors_ = [line for line in lines if line.startswith("error: ")]
    assert len(errors_) == 1 and "9" in errors_[0]  # connector 9: the control's own answer


async def test_at_a_terminal_the_console_opens_by_itself_and_tab_completes_the_verb(
    central, tmp_path
):
    state_dir = tmp_path / "state"
    seed_configuration(state_dir, "CPT", FAST)
    master, slave = pty.openpty()
    process = await asyncio.create_subprocess_exec(
        CHARGECHECK, "simulate", central.url(""), "CPT", "--time-scale", "40",
        "--state-dir", str(state_dir),
        stdin=slave, stdout=slave, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TERM": "dumb"},
    )  # fmt: skip
    os.close(slave)
    screen = bytearray()
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def readable() -> None:
        with suppress(OSError):  # EIO once the process closed its side
            screen.extend(os.read(master, 4096))
        changed.set()

    loop.add_reader(master, readable)
    try:
        session = await central.wait_for_station("CPT", 4 * WAIT)
        await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT)
        os.write(master, b"pl\t1\r")  # tab makes "pl" the verb "plug "
        await session.expect(
            "StatusNotification",
            lambda p: p["connectorId"] == 1 and p["status"] == "Preparing",
            WAIT,
        )
        async with asyncio.timeout(WAIT):
            while b"1 Preparing" not in screen:
                changed.clear()
                await changed.wait()
        os.write(master, b"quit\r")
        assert await asyncio.wait_for(process.wait(), WAIT) == 0
    finally:
        loop.remove_reader(master)
        os.close(master)
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = screen.decode(errors="replace")
    assert "sim> " in text  # the prompt: readline at a terminal
    assert '-> BootNotification {"chargePointVendor":"Alfen BV"' in text

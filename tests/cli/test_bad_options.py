"""A number or URL no run can use is refused as a user runs the commands (issue #21):
one line on standard error naming the option, exit code 2, before anything listens,
connects or writes the journal. Real processes; the only sockets are on 127.0.0.1."""

from __future__ import annotations

import select
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.processes import CHARGECHECK

# Were a bad value taken, `run` would give up within the demo profile's connect timeout
# (10 s) and `simulate` would retry until killed: the timeout ends such a test as failed.
TIMEOUT = 30


def refused(arguments: list[str], cwd: Path) -> str:
    """Run ``chargecheck ARGUMENTS``; assert exit 2 with one line on stderr, nothing on
    stdout; return the line."""
    done = subprocess.run(
        [*CHARGECHECK, *arguments],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("chargecheck: error: ")
    return line


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--port", "99999"], "'--port': 99999: a port is 1-65535 (0: any free port)"),
        (["--port", "65536"], "'--port': 65536: a port is 1-65535"),
        (["--port", "-1"], "'--port': -1: a port is 1-65535"),
        (["--only", "99"], "no row 99 in the script (rows are 1-18)"),
        (["--skip", "1,X"], "no row X in the script (rows are 1-18)"),
        (["--ev-connected", "0"], "--ev-connected takes connector ids from 1"),
    ],
    ids=["port-99999", "port-65536", "port-negative", "only", "skip", "ev-connected"],
)
def test_run_refuses_a_bad_number_before_anything_starts(tmp_path, options, says):
    out = tmp_path / "out"
    command = ["run", "--host", "127.0.0.1", "--settings", "demo", "--non-interactive"]
    line = refused([*command, "--out", str(out), *options], tmp_path)
    assert says in line
    assert not out.exists()  # no journal, no certificate, no file server


@pytest.mark.parametrize(
    ("toml", "key", "says"),
    [
        ("[timeouts]\ncall = -5\n", "timeouts.call", "must be a number above 0, got -5.0"),
        ("[timeouts]\nconnect = 0\n", "timeouts.connect", "must be a number above 0, got 0.0"),
        ("[timeouts]\nboot = nan\n", "timeouts.boot", "must be a number above 0, got nan"),
        ("[meter]\nsamples = 0\n", "meter.samples", "must be a number above 0, got 0"),
        (
            "[heartbeat]\ninterval = -60\n",
            "heartbeat.interval",
            "must be a number above 0, got -60",
        ),
        (
            "[heartbeat]\ntolerance = -0.1\n",
            "heartbeat.tolerance",
            "must be a number 0 or more, got -0.1",
        ),
        ("connector = 0\n", "connector", "must be a number above 0, got 0"),
        ("outage = -1\n", "outage", "must be a number above 0, got -1.0"),
    ],
    ids=["call", "connect", "nan", "samples", "interval", "tolerance", "connector", "outage"],
)
def test_a_settings_file_with_a_number_no_run_can_use_names_the_file_and_key(
    tmp_path, toml, key, says
):
    settings = tmp_path / "lab.toml"
    settings.write_text(toml)
    out = tmp_path / "out"
    line = refused(
        ["run", "--host", "127.0.0.1", "--settings", str(settings), "--out", str(out)], tmp_path
    )
    assert f"{settings}: setting '{key}' {says}" in line
    assert not out.exists()


def test_demo_refuses_an_unknown_row_id_naming_the_rows(tmp_path):
    out = tmp_path / "out"
    line = refused(["demo", "--only", "0", "--out", str(out)], tmp_path)
    assert "no row 0 in the script (rows are 1-18)" in line
    assert not out.exists()


def test_check_refuses_run_id_0(tmp_path):
    line = refused(["check", "0", "--db", str(tmp_path / "journal.sqlite")], tmp_path)
    assert "0: run ids start at 1" in line


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP socket listening on 127.0.0.1: a station that tried it would be queued."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server


def nobody_connected(server: socket.socket) -> bool:
    readable, _, _ = select.select([server], [], [], 0)
    return not readable


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:{port}/ocpp", "not a WebSocket URL"),
        ("127.0.0.1:{port}/ocpp", "not a WebSocket URL"),
        ("ws:///ocpp", "no host"),
        ("ws://127.0.0.1:99999/ocpp", "a port is 1-65535"),
        ("ws://127.0.0.1:0/ocpp", "port 0 is no port to connect to"),
        ("ws://127.0.0.1:port/ocpp", "a port is 1-65535"),
        ("ws://[::1/ocpp", "Invalid IPv6 URL"),
        ("ws://127.0.0.1:{port}/ocpp#frag", "fragment"),
    ],
    ids=["http", "no-scheme", "no-host", "port-99999", "port-0", "port-text", "ipv6", "fragment"],
)
def test_simulate_refuses_a_url_no_station_can_connect_to_before_trying(
    tmp_path, listener, url, says
):
    url = url.format(port=listener.getsockname()[1])
    state = tmp_path / "sim"
    line = refused(["simulate", url, "CP1", "--no-console", "--state-dir", str(state)], tmp_path)
    assert "'url'" in line and says in line
    assert nobody_connected(listener)
    assert not state.exists()  # no station was made


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--control-port", "70000"], "'--control-port': 70000: a port is 1-65535"),
        (["--control-port", "-1"], "'--control-port': -1: a port is 1-65535"),
        (["--time-scale", "inf"], "'--time-scale': inf: a finite number is needed"),
        (["--time-scale", "0"], "'--time-scale'"),
        (["--count", "0"], "'--count'"),
    ],
    ids=["control-port-70000", "control-port-negative", "time-scale-inf", "time-scale-0", "count"],
)
def test_simulate_refuses_a_bad_number_before_connecting(tmp_path, listener, options, says):
    url = f"ws://127.0.0.1:{listener.getsockname()[1]}/ocpp"
    state = tmp_path / "sim"
    command = ["simulate", url, "CP1", "--no-console", "--state-dir", str(state)]
    line = refused([*command, *options], tmp_path)
    assert says in line
    assert nobody_connected(listener)
    assert not state.exists()

"""Fixtures of the simulator tests: a real Central System (``chargecheck.csms``) on
127.0.0.1:0 with a real journal, and a ``bench`` that starts simulated stations against it
with their state in ``tmp_path``, running ``SCALE`` times faster than real time; and
``http_files``, a real HTTP server on 127.0.0.1 serving the files a test puts in it."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from chargecheck.clock import Clock
from chargecheck.csms import Answers, CentralSystem, Cursor, ServerSettings, Session
from chargecheck.journal import Journal
from chargecheck.sim.configuration import Configuration
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.store import StationStore, state_file

SCALE = 40.0  # station seconds per real second
WAIT = 5.0  # real seconds any single expectation may take at most

# Station-side settings that keep the tests short (station seconds).
FAST = {
    "OCPPCallTimeout": "300",  # a real 7.5 s: never hit by a loopback Central System
    "MeterValueSampleInterval": "20",
    "ConnectionTimeOut": "20",
    "TransactionMessageRetryInterval": "4",
    "WebSocketReconnectInterval": "4",
    "BootNotificationRetryInterval": "10",
}


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    clock = Clock()
    db = Journal(tmp_path / "journal.sqlite", clock.utc_text, clock.mono)
    yield db
    db.close()


@pytest.fixture
def answers() -> dict[str, Answers]:
    """The Central System's answers per identity (created on first connection)."""
    return {}


@pytest.fixture
async def central(journal: Journal, answers: dict[str, Answers]) -> AsyncIterator[CentralSystem]:
    def answers_for(identity: str) -> Answers:
        return answers.setdefault(identity, Answers(heartbeat_interval=3600))

    settings = ServerSettings(port=0, ping_interval=None)
    async with CentralSystem(journal, settings, answers=answers_for) as cs:
        cs.run_id = journal.start_run("sim-tests")
        yield cs


def seed_configuration(state_dir: Path, identity: str, values: dict[str, str]) -> None:
    """Write the station's configuration to its disk before it starts (as if set earlier)."""
    config = Configuration.from_profile("alfen-ng920")
    for key, value in values.items():
        assert config.change(key, value) == "Accepted", key
    store = StationStore(state_file(state_dir, identity))
    store.put("configuration", config.to_dict())
    store.close()


class Bench:
    def __init__(self, cs: CentralSystem, state_dir: Path) -> None:
        self.cs = cs
        self.state_dir = state_dir
        self.started: list[Simulator] = []

    def station(
        self,
        identity: str = "CP1",
        *,
        config: dict[str, str] | None = None,
        **options: Any,
    ) -> Simulator:
        seed_configuration(self.state_dir, identity, {**FAST, **(config or {})})
        options.setdefault("time_scale", SCALE)
        url = options.pop("url", self.cs.url(""))
        sim = Simulator(url, identity, state_dir=self.state_dir, **options)
        self.started.append(sim)
        return sim

    async def start(self, identity: str = "CP1", **options: Any) -> tuple[Simulator, Session]:
        sim = self.station(identity, **options)
        await sim.start()
        await sim.wait_booted(WAIT)
        session = await self.cs.wait_for_station(identity, WAIT)
        # The boot's StatusNotifications go 0, 1, 2: once 2 is in, the station is settled.
        await session.expect(
            "StatusNotification",
            where=lambda p: p["connectorId"] == 2,
            timeout=WAIT,
            cursor=Cursor(),
        )
        return sim, session

    async def stop_all(self) -> None:
        for sim in self.started:
            await sim.stop()


@pytest.fixture
async def bench(central: CentralSystem, tmp_path: Path) -> AsyncIterator[Bench]:
    b = Bench(central, tmp_path / "state")
    yield b
    await b.stop_all()  # raises if a station model broke during the test


def assert_simulate_refuses(tmp_path: Path, options: list[str], complaint: str) -> None:
    """``chargecheck simulate`` with ``options`` exits 2 with one line naming ``complaint``,
    before any station starts."""
    import subprocess
    import sys

    chargecheck = str(Path(sys.executable).parent / "chargecheck")
    done = subprocess.run(
        [chargecheck, "simulate", "ws://127.0.0.1:9/ocpp", "X", *options],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and complaint in lines[0], done.stderr
    assert not (tmp_path / "runs").exists()  # no station was started


class Files:
    """A real HTTP server on 127.0.0.1 serving ``files``; ``requests`` lists the paths asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        files = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                files.requests.append(self.path)
                body = files.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture
def http_files() -> Iterator[Files]:
    files = Files()
    files.thread.start()
    yield files
    files.server.shutdown()
    files.server.server_close()


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real FTP server on 127.0.0.1 (user u, password p): its URL and its folder."""
    root = tmp_path / "ftp"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("u", "p", str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.05, "handle_exit": False}, daemon=True
    )
    thread.start()
    yield f"ftp://u:p@127.0.0.1:{server.socket.getsockname()[1]}/", root
    server.close_all()
    thread.join(5)

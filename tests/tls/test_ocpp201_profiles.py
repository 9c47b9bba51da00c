"""The security profiles for an OCPP 2.0.1 station as for 1.6 (OCPP 2.0.1 part 2, A00:
profile 1 Basic Auth over ws, profile 2 TLS with Basic Auth, profile 3 TLS with a client
certificate): a station the bench did not write, the ``ocpp`` package's 2.0.1
``ChargePoint`` over its own ``websockets`` client and its own SSL context, boots under
each, and the journal names its version and the TLS in use; a wrong password of a 2.0.1
station is refused and journaled like a 1.6 one's. The 2.0.1 simulator connects under
each profile too (``password``, ``tls``; ``simulate --ocpp 2.0.1 --ca-file --password``)
and its SecurityCtrlr.SecurityProfile says which. All on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import signal
import ssl
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ocpp.v201 import ChargePoint, call
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chargecheck.csms import CentralSystem, Cursor, ServerSettings
from chargecheck.journal import Journal
from chargecheck.sim.tls import client_context
from chargecheck.sim.v201.simulator import Simulator201
from tests.tls.conftest import WAIT, refusals, refused

PASSWORD = "s3cret-201"
SCALE = 40.0  # station seconds per real second
CHARGECHECK = [sys.executable, "-m", "chargecheck"]


def basic(identity: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def plain_bench(journal: Journal) -> AsyncIterator[CentralSystem]:
    """Profile 1: ws:// with a password."""
    settings = ServerSettings(port=0, ping_interval=None, passwords={"*": PASSWORD})
    async with CentralSystem(journal, settings) as central:
        central.run_id = journal.start_run("tls-tests", security_profile=None)
        yield central


async def boot_201(url: str, identity: str, **options: Any) -> str:
    """A 2.0.1 ChargePoint's BootNotification over its own connection: the status."""
    async with connect(url, subprotocols=["ocpp2.0.1"], **options) as ws:
        peer = ChargePoint(identity, ws)
        listening = asyncio.create_task(peer.start())
        try:
            answer = await asyncio.wait_for(
                peer.call(
                    call.BootNotification(
                        charging_station={"model": "Peer201", "vendor_name": "Peer Vendor"},
                        reason="PowerUp",
                    )
                ),
                WAIT,
            )
        finally:
            listening.cancel()
    return str(answer.status)


@dataclass(frozen=True)
class Setup:
    """A bench asking for one security profile, and what a station brings to it: its
    password (profiles 1, 2), the CA that signed the bench and its own certificate and
    key (profile 3) as files."""

    bench: AbstractAsyncContextManager[CentralSystem]
    password: str | None
    ca: Path | None
    certificate: Path | None = None
    key: Path | None = None


@pytest.fixture
def setup(tls_bench, bench_pair, station_ca, station_cert, journal) -> Callable[[int], Setup]:
    cert = Path(bench_pair[0])

    def make(profile: int) -> Setup:
        if profile == 1:
            return Setup(plain_bench(journal), PASSWORD, None)
        if profile == 2:
            return Setup(tls_bench(passwords={"*": PASSWORD}), PASSWORD, cert)
        bench = tls_bench(client_ca=station_ca.certificate)
        return Setup(bench, None, cert, station_cert.certificate, station_cert.key)

    return make


def connected_as(journal: Journal, central: CentralSystem, profile: int) -> None:
    """The journal's (first) connect entry: 2.0.1, with TLS from profile 2 on, and the
    client certificate's subject on profile 3."""
    connected = next(e.detail for e in journal.entries(central.run_id) if e.kind == "connect")
    assert connected["subprotocol"] == "ocpp2.0.1"
    assert bool(connected.get("tls")) is (profile > 1)
    if profile > 1:
        assert connected["tls"]["version"] in ("TLSv1.2", "TLSv1.3")
    if profile == 3:
        assert connected["tls"]["client_subject"].endswith("CN=CP3")


@pytest.mark.parametrize("profile", [1, 2, 3])
async def test_a_2_0_1_station_boots_under_each_security_profile(profile, setup, journal):
    chosen, identity = setup(profile), f"P201-{profile}"
    options: dict[str, Any] = {}
    if chosen.password is not None:
        options["additional_headers"] = basic(identity, chosen.password)
    if chosen.ca is not None:  # the peer's own SSL context, not the bench's client_context
        options["ssl"] = context = ssl.create_default_context(cafile=chosen.ca)
        if chosen.certificate is not None:
            context.load_cert_chain(chosen.certificate, chosen.key)
    async with chosen.bench as central:
        status = await boot_201(central.url(identity), identity, **options)
        session = central.sessions[identity]
        boot = await session.expect("BootNotification", timeout=WAIT, cursor=Cursor())
        connected_as(journal, central, profile)
    assert status == "Accepted"
    assert boot.payload["chargingStation"]["model"] == "Peer201"


async def test_a_2_0_1_station_with_a_wrong_password_is_refused_and_journaled(
    tls_bench, bench_pair, journal
):
    cert, _ = bench_pair
    async with tls_bench(passwords={"*": PASSWORD}) as central:
        with pytest.raises(InvalidStatus) as caught:
            await boot_201(
                central.url("P201-X"),
                "P201-X",
                ssl=ssl.create_default_context(cafile=Path(cert)),
                additional_headers=basic("P201-X", "wrong"),
            )
        assert caught.value.response.status_code == 401
        await refused(central, 1)
        (refusal,) = refusals(journal, central)
    assert refusal["reason"] == "wrong credentials for P201-X"
    assert "P201-X" not in central.sessions


# -- the 2.0.1 simulator under each profile ------------------------------------------------------


@pytest.mark.parametrize("profile", [1, 2, 3])
async def test_the_2_0_1_simulator_connects_under_each_profile_and_reports_it(
    profile, setup, journal, tmp_path
):
    chosen, identity = setup(profile), f"SIM201-{profile}"
    tls = None if chosen.ca is None else client_context(chosen.ca, chosen.certificate, chosen.key)
    async with chosen.bench as central:
        sim = Simulator201(
            central.url(""),
            identity,
            state_dir=tmp_path,
            time_scale=SCALE,
            password=chosen.password,
            tls=tls,
        )
        async with sim:
            session = await central.wait_for_station(identity, WAIT)
            await session.expect("BootNotification", timeout=WAIT, cursor=Cursor())
            wanted = {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "SecurityProfile"},
            }
            read = await session.call("GetVariables", {"getVariableData": [wanted]}, timeout=WAIT)
        connected_as(journal, central, profile)
    assert read["getVariableResult"][0]["attributeValue"] == str(profile)


async def test_simulate_ocpp_2_0_1_takes_the_ca_file_and_password_of_profile_2(
    tls_bench, bench_pair, tmp_path
):
    cert, _ = bench_pair
    async with tls_bench(passwords={"*": PASSWORD}) as central:
        station = await asyncio.create_subprocess_exec(
            *CHARGECHECK, "simulate", central.url(""), "CLI201-TLS", "--ocpp", "2.0.1",
            "--ca-file", str(cert), "--password", PASSWORD, "--no-console",
            "--state-dir", str(tmp_path / "sim"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            session = await central.wait_for_station("CLI201-TLS", 4 * WAIT)
            boot = await session.expect("BootNotification", timeout=WAIT, cursor=Cursor())
        finally:
            station.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(station.communicate(), WAIT)
    assert boot.payload["reason"] == "PowerUp"
    assert station.returncode == 0, out.decode()

"""The bench serving wss:// (security profiles 2 and 3, OCPP 1.6 security whitepaper):
the simulator boots over TLS, a station with a client certificate from the CA the bench
is given is admitted and its subject recorded; a wrong password, an untrusted client
certificate, plain ws:// and a failed handshake are refused, each journaled with the
peer's address and the reason. All over real TLS on 127.0.0.1."""

from __future__ import annotations

import base64
import ssl

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from chargecheck.csms import CentralSystem, Cursor
from chargecheck.journal import Journal
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.tls import client_context
from tests.tls.conftest import WAIT, refusals, refused

SCALE = 40.0


async def booted(central: CentralSystem, identity: str) -> dict:
    session = await central.wait_for_station(identity, WAIT)
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=Cursor())
    return boot.payload


def connects(journal: Journal, central: CentralSystem) -> list[dict]:
    return [e.detail for e in journal.entries(central.run_id) if e.kind == "connect"]


async def test_the_simulator_boots_over_wss_trusting_the_bench_certificate_by_ca_file(
    tls_bench, bench_pair, journal, tmp_path
):
    cert, _ = bench_pair
    async with tls_bench(passwords={"*": "s3cret"}) as central:
        assert central.url().startswith("wss://")
        async with Simulator(
            central.url(""),
            "CP2",
            password="s3cret",
            tls=client_context(cert),
            state_dir=tmp_path,
            time_scale=SCALE,
        ):
            payload = await booted(central, "CP2")
            assert payload["chargePointVendor"] == "Alfen BV"
        (connect_detail, *_) = connects(journal, central)
    tls = connect_detail["tls"]
    assert tls["version"] in ("TLSv1.2", "TLSv1.3") and tls["cipher"]
    assert tls["client_subject"] is None
    assert refusals(journal, central) == []


async def test_profile_3_a_client_certificate_from_the_client_ca_is_admitted_and_named(
    tls_bench, bench_pair, station_ca, station_cert, journal, tmp_path
):
    cert, _ = bench_pair
    async with tls_bench(client_ca=station_ca.certificate) as central:
        tls = client_context(cert, station_cert.certificate, station_cert.key)
        async with Simulator(central.url(""), "CP3", tls=tls, state_dir=tmp_path, time_scale=SCALE):
            await booted(central, "CP3")
        (connect_detail, *_) = connects(journal, central)
    assert connect_detail["tls"]["client_subject"] == "O=Alfen BV, CN=CP3"


async def test_profile_3_an_untrusted_client_certificate_is_refused_and_journaled(
    tls_bench, bench_pair, station_ca, stranger_cert, journal
):
    cert, _ = bench_pair
    async with tls_bench(client_ca=station_ca.certificate) as central:
        tls = client_context(cert, stranger_cert.certificate, stranger_cert.key)
        with pytest.raises((ssl.SSLError, InvalidMessage, OSError)):
            await connect(central.url("CP3"), ssl=tls, subprotocols=["ocpp1.6"])
        await refused(central, 1)
        (refusal,) = refusals(journal, central)
        assert "client certificate did not verify" in refusal["reason"]
        assert refusal["remote"].startswith("127.0.0.1:")
        assert "CP3" not in central.sessions


async def test_profile_3_a_station_without_a_client_certificate_is_refused(
    tls_bench, bench_pair, station_ca, journal
):
    cert, _ = bench_pair
    async with tls_bench(client_ca=station_ca.certificate) as central:
        with pytest.raises((ssl.SSLError, InvalidMessage, OSError)):
            await connect(central.url("CP3"), ssl=client_context(cert), subprotocols=["ocpp1.6"])
        await refused(central, 1)
        assert "no client certificate" in refusals(journal, central)[0]["reason"]


async def test_profile_2_a_wrong_password_over_tls_is_refused_and_journaled(
    tls_bench, bench_pair, journal
):
    cert, _ = bench_pair
    token = base64.b64encode(b"CP2:wrong").decode()
    async with tls_bench(passwords={"*": "s3cret"}) as central:
        with pytest.raises(InvalidStatus) as caught:
            await connect(
                central.url("CP2"),
                ssl=client_context(cert),
                subprotocols=["ocpp1.6"],
                additional_headers={"Authorization": f"Basic {token}"},
            )
        assert caught.value.response.status_code == 401
        await refused(central, 1)
        (refusal,) = refusals(journal, central)
    assert refusal["reason"] == "wrong credentials for CP2"
    assert refusal["remote"].startswith("127.0.0.1:")


async def test_plain_ws_to_a_wss_bench_is_refused_with_the_reason(tls_bench, journal):
    async with tls_bench() as central:
        plain = central.url("CP1").replace("wss://", "ws://")
        with pytest.raises((InvalidMessage, OSError)):
            await connect(plain, subprotocols=["ocpp1.6"])
        await refused(central, 1)
        (refusal,) = refusals(journal, central)
    assert "must use wss://" in refusal["reason"]
    assert refusal["remote"].startswith("127.0.0.1:")


async def test_a_station_that_does_not_trust_the_bench_is_a_failed_handshake_journaled(
    tls_bench, journal, station_ca
):
    async with tls_bench() as central:
        with pytest.raises(ssl.SSLCertVerificationError):
            # It trusts only its own CA: the bench's self-signed certificate fails.
            await connect(
                central.url("CP1"),
                ssl=client_context(station_ca.certificate),
                subprotocols=["ocpp1.6"],
            )
        await refused(central, 1)
        (refusal,) = refusals(journal, central)
    assert refusal["reason"].startswith("TLS handshake failed")
    assert refusal["remote"].startswith("127.0.0.1:")


async def test_a_tls_bench_stops_cleanly_after_failed_handshakes(tls_bench, journal):
    """No link of a failed handshake is left behind for ``stop()`` to wait on."""
    async with tls_bench() as central:
        plain = central.url("CP1").replace("wss://", "ws://")
        for _ in range(3):
            with pytest.raises((InvalidMessage, OSError)):
                await connect(plain, subprotocols=["ocpp1.6"])
        await refused(central, 3)
    assert central._links == set()

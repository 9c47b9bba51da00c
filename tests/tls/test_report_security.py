"""The report's header names how the station was connected: the security profile, the
TLS version and cipher, the client certificate's subject, and the refused connections;
the JSON report carries them in ``security`` and stays valid against its schema."""

from __future__ import annotations

import jsonschema
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage

from chargecheck.protocol.security_profiles import security_profile
from chargecheck.report.json_report import report_document, report_schema
from chargecheck.report.markdown import render_markdown
from chargecheck.report.model import load_run
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.tls import client_context
from tests.tls.conftest import refused
from tests.tls.test_bench_tls import SCALE, booted


@pytest.mark.parametrize(
    ("tls", "password", "client_certificates", "profile"),
    [
        (False, False, False, 0),
        (False, True, False, 1),
        (True, True, False, 2),
        (True, False, True, 3),
        (True, True, True, 3),
        (True, False, False, 0),  # TLS alone authenticates no station
    ],
)
def test_the_security_profile_follows_the_whitepaper(tls, password, client_certificates, profile):
    assert (
        security_profile(tls=tls, password=password, client_certificates=client_certificates)
        == profile
    )


async def test_a_profile_3_report_names_profile_tls_subject_and_refusals(
    tls_bench, bench_pair, station_ca, station_cert, journal, tmp_path
):
    cert, _ = bench_pair
    async with tls_bench(client_ca=station_ca.certificate) as central:
        journal.update_run(central.run_id, security_profile=3)
        plain = central.url("CP3").replace("wss://", "ws://")
        with pytest.raises((InvalidMessage, OSError)):
            await connect(plain, subprotocols=["ocpp1.6"])
        await refused(central, 1)
        tls = client_context(cert, station_cert.certificate, station_cert.key)
        async with Simulator(central.url(""), "CP3", tls=tls, state_dir=tmp_path, time_scale=SCALE):
            await booted(central, "CP3")
        journal.update_run(central.run_id, station="CP3")
    journal.end_run(central.run_id)
    report = load_run(journal, central.run_id)
    document = report_document(report)
    jsonschema.validate(document, report_schema())
    security = document["security"]
    assert security["profile"] == 3
    assert security["profile_name"].startswith("3 (TLS with client certificates")
    assert security["tls_version"] in ("TLSv1.2", "TLSv1.3") and security["cipher"]
    assert security["client_subject"] == "O=Alfen BV, CN=CP3"
    (refusal,) = security["refusals"]
    assert "wss://" in refusal["reason"] and refusal["remote"].startswith("127.0.0.1:")
    markdown = render_markdown(report)
    assert "Security Profile: 3 (TLS with client certificates)" in markdown
    assert f"TLS: {security['tls_version']}, cipher {security['cipher']}" in markdown
    assert "Client Certificate: O=Alfen BV, CN=CP3" in markdown
    assert "Refused Connections: 1: TLS handshake failed" in markdown

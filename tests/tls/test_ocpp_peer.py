"""A station we did not write against the TLS bench: the ``ocpp`` package's
``ChargePoint`` over ``websockets.connect("wss://...", ssl=ctx)`` sends its
BootNotification and gets the bench's Accepted back (security profile 2)."""

from __future__ import annotations

import asyncio
import base64
import ssl

from ocpp.v16 import ChargePoint, call
from ocpp.v16.enums import RegistrationStatus
from websockets.asyncio.client import connect

from chargecheck.csms import Cursor
from tests.tls.conftest import WAIT


async def test_an_ocpp_package_charge_point_boots_against_the_tls_bench(
    tls_bench, bench_pair, journal
):
    cert, _ = bench_pair
    ctx = ssl.create_default_context(cafile=cert)  # the peer's own context, not ours
    token = base64.b64encode(b"PEER-1:s3cret").decode()
    async with tls_bench(passwords={"*": "s3cret"}) as central:
        async with connect(
            central.url("PEER-1"),
            ssl=ctx,
            subprotocols=["ocpp1.6"],
            additional_headers={"Authorization": f"Basic {token}"},
        ) as ws:
            peer = ChargePoint("PEER-1", ws)
            listening = asyncio.create_task(peer.start())
            try:
                response = await asyncio.wait_for(
                    peer.call(
                        call.BootNotification(
                            charge_point_vendor="Peer Vendor", charge_point_model="PeerModel"
                        )
                    ),
                    WAIT,
                )
            finally:
                listening.cancel()
        assert response.status == RegistrationStatus.accepted
        session = central.sessions["PEER-1"]
        boot = await session.expect("BootNotification", timeout=WAIT, cursor=Cursor())
    assert boot.payload["chargePointVendor"] == "Peer Vendor"
    (connected,) = [e.detail for e in journal.entries(central.run_id) if e.kind == "connect"]
    assert connected["tls"]["version"] in ("TLSv1.2", "TLSv1.3")

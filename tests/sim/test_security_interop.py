"""The simulator's security extension against a Central System we did not write: the
``ocpp`` package's ``ChargePoint`` used server-side over a ``websockets`` server on
127.0.0.1:0, in real time (issue #24, "Done when": certificate renewal and signed firmware
update driven from the ``ocpp`` package).

Certificate renewal (whitepaper A02/A03): ExtendedTriggerMessage(SignChargePointCertificate)
is Accepted, a SignCertificate.req with a CSR for the station's identity follows, and the
chain the Central System's CA signs is Accepted by CertificateSigned. Signed firmware update
(whitepaper A05): the manufacturer root installed, SignedUpdateFirmware Accepted, then
SignedFirmwareStatusNotification Downloading .. SignatureVerified .. Installed with the
requestId, and the station boots on the new firmware. Every frame the station sends passes
the ``ocpp`` package's schema validation (a CALLERROR from the package would show it)."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, MessageTrigger
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from chargecheck.clock import utc_iso
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.sim.simulator import Simulator

from .security_pki import Authority, csr_subject, sign_file
from .test_ocpp_interop import WAIT, PeerCentralSystem

FIRMWARE_WAIT = 15.0  # real seconds: download, verify, install, reboot


class SecureCentralSystem(PeerCentralSystem):
    """The ``ocpp`` package's Central System, answering the security messages too."""

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, **payload: Any) -> call_result.SignCertificate:
        await self._record("SignCertificate", payload)
        return call_result.SignCertificate(status="Accepted")

    @on(Action.security_event_notification)
    async def on_security_event(self, **payload: Any) -> call_result.SecurityEventNotification:
        await self._record("SecurityEventNotification", payload)
        return call_result.SecurityEventNotification()

    @on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status(
        self, **payload: Any
    ) -> call_result.SignedFirmwareStatusNotification:
        await self._record("SignedFirmwareStatusNotification", payload)
        return call_result.SignedFirmwareStatusNotification()


async def test_an_ocpp_package_central_system_renews_the_certificate_and_updates_firmware(
    tmp_path: Path, http_files: Any
) -> None:
    peers: asyncio.Queue[SecureCentralSystem] = asyncio.Queue()

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        peer = SecureCentralSystem(connection.request.path.rsplit("/", 1)[-1], connection)
        peers.put_nowait(peer)
        with suppress(ConnectionClosed):
            await peer.start()

    ca = Authority.new("Interop CA")
    async with serve(
        handler, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")], ping_interval=None
    ) as server:
        port = server.sockets[0].getsockname()[1]
        async with Simulator(f"ws://127.0.0.1:{port}/ocpp", "CP1", state_dir=tmp_path):
            peer = await asyncio.wait_for(peers.get(), WAIT)
            await peer.first("BootNotification", lambda p: True, WAIT)

            # -- certificate renewal ------------------------------------------------------
            answer = await peer.call(
                call.ExtendedTriggerMessage(
                    requested_message=MessageTrigger.sign_charge_point_certificate
                ),
                suppress=False,
            )
            assert answer.status == "Accepted"
            request = await peer.first("SignCertificate", lambda p: True, WAIT)
            assert csr_subject(request["csr"])["commonName"] == "CP1"
            signed = await peer.call(
                call.CertificateSigned(certificate_chain=ca.sign_csr(request["csr"])),
                suppress=False,
            )
            assert signed.status == "Accepted"

            # -- signed firmware update ---------------------------------------------------
            installed = await peer.call(
                call.InstallCertificate(
                    certificate_type="ManufacturerRootCertificate", certificate=ca.pem
                ),
                suppress=False,
            )
            assert installed.status == "Accepted"
            key, signer = ca.firmware_signer()
            image = firmware_image("9.9.9-secure")
            http_files.files["/fw.bin"] = image
            update = await peer.call(
                call.SignedUpdateFirmware(
                    request_id=42,
                    firmware={
                        "location": http_files.url("/fw.bin"),
                        "retrieve_date_time": utc_iso(datetime.now(UTC)),
                        "signing_certificate": signer,
                        "signature": sign_file(key, image),
                    },
                ),
                suppress=False,
            )
            assert update.status == "Accepted"
            await peer.first(
                "SignedFirmwareStatusNotification",
                lambda p: p["status"] == "Installed",
                FIRMWARE_WAIT,
            )
            statuses = [
                (p["status"], p["request_id"])
                for a, p in peer.received
                if a == "SignedFirmwareStatusNotification"
            ]
            assert statuses == [
                (status, 42)
                for status in (
                    "Downloading",
                    "Downloaded",
                    "SignatureVerified",
                    "Installing",
                    "Installed",
                )
            ]
            # The reboot: a new connection, a new peer, the new firmware in the boot.
            rebooted = await asyncio.wait_for(peers.get(), FIRMWARE_WAIT)
            boot = await rebooted.first("BootNotification", lambda p: True, FIRMWARE_WAIT)
            assert boot["firmware_version"] == "9.9.9-secure"

    for side in (peer, rebooted):
        errors = [frame for frame in side.sent if frame[0] == 4]  # CALLERROR: invalid
        assert errors == []

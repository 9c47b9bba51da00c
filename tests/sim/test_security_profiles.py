"""The simulator changing how it connects when the Central System says so (OCPP 1.6
security whitepaper, edition 3; OCTT TC_073, TC_083, TC_086, TC_087), against
chargecheck's Central Systems over real sockets on 127.0.0.1: a plain one with Basic
Auth passwords and a TLS one (its server certificate from a CA of the test's own).

- AuthorizationKey: Accepted, then the station reconnects with the new password.
- SecurityProfile 2: with a CentralSystemRootCertificate installed, Accepted, and the
  station reconnects over TLS trusting that root.
- SecurityProfile 3: with its own certificate (CertificateSigned) too, it reconnects
  presenting that certificate to a server that requires one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from chargecheck.csms import Answers, CentralSystem, ServerSettings
from chargecheck.csms.tls import server_context
from chargecheck.sim.simulator import Simulator
from chargecheck.sim.tls import client_context

from .conftest import WAIT, assert_simulate_refuses
from .security_pki import Authority

FIRST, SECOND = "first-password-0001", "second-password-0002"


@asynccontextmanager
async def central_system(journal: Any, settings: ServerSettings) -> AsyncIterator[CentralSystem]:
    def answers_for(identity: str) -> Answers:
        return Answers(heartbeat_interval=3600)

    async with CentralSystem(journal, settings, answers=answers_for) as cs:
        cs.run_id = journal.start_run("security-profiles")
        yield cs


@asynccontextmanager
async def on_profile_1(
    journal: Any, tmp_path: Path, passwords: dict[str, str]
) -> AsyncIterator[tuple[Simulator, Any]]:
    """Station CP1 booted over ws:// with Basic Auth (password FIRST): it and its session."""
    settings = ServerSettings(port=0, ping_interval=None, passwords=passwords)
    async with central_system(journal, settings) as cs:
        sim = Simulator(cs.url(""), "CP1", password=FIRST, state_dir=tmp_path, time_scale=20)
        async with sim:
            session = await cs.wait_for_station("CP1", WAIT)
            await session.expect("BootNotification", timeout=WAIT)
            yield sim, session


async def test_a_new_authorization_key_is_used_at_the_reconnection(journal, tmp_path: Path):
    passwords = {"CP1": FIRST}
    async with on_profile_1(journal, tmp_path, passwords) as (_, session):
        passwords["CP1"] = SECOND  # the Central System knows the new one from now on
        change = {"key": "AuthorizationKey", "value": SECOND}
        assert (await session.call("ChangeConfiguration", change, WAIT))["status"] == ("Accepted")
        await session.wait_disconnected(WAIT)
        await session.wait_connected(WAIT)  # only the new password gets in
        answer = await session.call("GetConfiguration", {"key": ["SecurityProfile"]}, WAIT)
        assert answer["configurationKey"][0]["value"] == "1"


async def install_central_root(session: Any, ca: Authority) -> None:
    install = {"certificateType": "CentralSystemRootCertificate", "certificate": ca.pem}
    assert (await session.call("InstallCertificate", install, WAIT))["status"] == "Accepted"


async def test_security_profile_2_reconnects_over_tls_trusting_the_installed_root(
    journal, tmp_path: Path
):
    ca = Authority.new("Central System CA")
    cert, key = ca.server_files(tmp_path)
    plain = ServerSettings(port=0, ping_interval=None, passwords={"CP1": FIRST})
    secure = ServerSettings(
        port=0, ping_interval=None, passwords={"CP1": FIRST}, tls=server_context(cert, key)
    )
    async with AsyncExitStack() as stack:
        cs = await stack.enter_async_context(central_system(journal, plain))
        tls_cs = await stack.enter_async_context(central_system(journal, secure))
        sim = Simulator(
            cs.url(""),
            "CP1",
            password=FIRST,
            state_dir=tmp_path,
            time_scale=20,
            secure_url=tls_cs.url(""),
        )
        async with sim:
            session = await cs.wait_for_station("CP1", WAIT)
            await session.expect("BootNotification", timeout=WAIT)
            change = {"key": "SecurityProfile", "value": "2"}
            refused = await session.call("ChangeConfiguration", change, WAIT)
            assert refused["status"] == "Rejected"  # no root to trust the server with yet
            await install_central_root(session, ca)
            accepted = await session.call("ChangeConfiguration", change, WAIT)
            assert accepted["status"] == "Accepted"
            secured = await tls_cs.wait_for_station("CP1", WAIT)
            answer = await secured.call("GetConfiguration", {"key": ["SecurityProfile"]}, WAIT)
            assert answer["configurationKey"][0]["value"] == "2"
            down = await secured.call(
                "ChangeConfiguration", {"key": "SecurityProfile", "value": "1"}, WAIT
            )
            assert down["status"] == "Rejected"


async def test_security_profile_3_presents_the_signed_client_certificate(journal, tmp_path: Path):
    ca = Authority.new("Central System CA")
    cert, key = ca.server_files(tmp_path)
    plain = ServerSettings(port=0, ping_interval=None)
    secure = ServerSettings(
        port=0, ping_interval=None, tls=server_context(cert, key, client_ca=tmp_path / "ca.pem")
    )
    async with AsyncExitStack() as stack:
        cs = await stack.enter_async_context(central_system(journal, plain))
        tls_cs = await stack.enter_async_context(central_system(journal, secure))
        sim = Simulator(
            cs.url(""), "CP1", state_dir=tmp_path, time_scale=20, secure_url=tls_cs.url("")
        )
        async with sim:
            session = await cs.wait_for_station("CP1", WAIT)
            await session.expect("BootNotification", timeout=WAIT)
            await install_central_root(session, ca)
            change = {"key": "SecurityProfile", "value": "3"}
            assert (await session.call("ChangeConfiguration", change, WAIT))["status"] == (
                "Rejected"  # no certificate of its own yet
            )
            trigger = {"requestedMessage": "SignChargePointCertificate"}
            await session.call("ExtendedTriggerMessage", trigger, WAIT)
            csr = (await session.expect("SignCertificate", timeout=WAIT)).payload["csr"]
            signed = {"certificateChain": ca.sign_csr(csr)}
            assert (await session.call("CertificateSigned", signed, WAIT))["status"] == ("Accepted")
            assert (await session.call("ChangeConfiguration", change, WAIT))["status"] == (
                "Accepted"
            )
            secured = await tls_cs.wait_for_station("CP1", WAIT)  # the server demands it
            answer = await secured.call("GetConfiguration", {"key": ["SecurityProfile"]}, WAIT)
            assert answer["configurationKey"][0]["value"] == "3"


async def test_a_station_started_on_tls_keeps_its_trust_and_adds_its_certificate_at_3(
    journal, tmp_path: Path
):
    ca = Authority.new("Central System CA")
    cert, key = ca.server_files(tmp_path)
    first = ServerSettings(port=0, ping_interval=None, tls=server_context(cert, key))
    demanding = ServerSettings(
        port=0, ping_interval=None, tls=server_context(cert, key, client_ca=tmp_path / "ca.pem")
    )
    async with AsyncExitStack() as stack:
        cs = await stack.enter_async_context(central_system(journal, first))
        tls_cs = await stack.enter_async_context(central_system(journal, demanding))
        sim = Simulator(
            cs.url(""),
            "CP1",
            state_dir=tmp_path,
            time_scale=20,
            tls=client_context(tmp_path / "ca.pem"),
            secure_url=tls_cs.url(""),
        )
        async with sim:
            session = await cs.wait_for_station("CP1", WAIT)
            answer = await session.call("GetConfiguration", {"key": ["SecurityProfile"]}, WAIT)
            assert answer["configurationKey"][0]["value"] == "2"  # the profile it runs on
            await install_central_root(session, ca)
            trigger = {"requestedMessage": "SignChargePointCertificate"}
            await session.call("ExtendedTriggerMessage", trigger, WAIT)
            csr = (await session.expect("SignCertificate", timeout=WAIT)).payload["csr"]
            signed = {"certificateChain": ca.sign_csr(csr)}
            assert (await session.call("CertificateSigned", signed, WAIT))["status"] == ("Accepted")
            change = {"key": "SecurityProfile", "value": "3"}
            assert (await session.call("ChangeConfiguration", change, WAIT))["status"] == (
                "Accepted"
            )
            await tls_cs.wait_for_station("CP1", WAIT)


async def test_a_refused_password_is_a_security_event_in_the_log_not_told(journal, tmp_path: Path):
    passwords = {"CP1": SECOND}
    settings = ServerSettings(port=0, ping_interval=None, passwords=passwords)
    async with central_system(journal, settings) as cs:
        sim = Simulator(cs.url(""), "CP1", password=FIRST, state_dir=tmp_path, time_scale=20)
        async with sim:
            shell = sim._shell  # wait for the refused attempt itself
            await asyncio.wait_for(shell.wait_until(lambda: shell.attempts >= 1, None), WAIT)
            passwords["CP1"] = FIRST  # the operator fixes the Central System's side
            session = await cs.wait_for_station("CP1", WAIT * 2)
            # Not critical (the whitepaper's list "Security Events"): logged only. What the
            # station queued before it connected goes before the boot's StatusNotifications.
            await session.expect("StatusNotification", lambda p: p["connectorId"] == 2, WAIT)
            told = [m.payload["type"] for m in session.received("SecurityEventNotification")]
            assert told == ["StartupOfTheDevice"]
            log = sim._model.security_log_file().decode()
            assert "FailedToAuthenticateAtCentralSystem HTTP 401" in log


async def test_a_server_certificate_that_does_not_verify_is_a_security_event(
    journal, tmp_path: Path
):
    ca, stranger = Authority.new("Central System CA"), Authority.new("Stranger")
    cert, key = ca.server_files(tmp_path)
    (tmp_path / "stranger.pem").write_text(stranger.pem)
    settings = ServerSettings(port=0, ping_interval=None, tls=server_context(cert, key))
    async with central_system(journal, settings) as cs:
        trusting_another = client_context(tmp_path / "stranger.pem")
        sim = Simulator(cs.url(""), "CP1", state_dir=tmp_path, time_scale=20, tls=trusting_another)
        async with sim:
            shell = sim._shell  # wait for the refused attempt itself
            await asyncio.wait_for(shell.wait_until(lambda: shell.attempts >= 1, None), WAIT)
            log = sim._model.security_log_file().decode()
            assert "InvalidCentralSystemCertificate" in log


def test_simulate_refuses_a_secure_url_that_is_not_wss(tmp_path: Path):
    assert_simulate_refuses(
        tmp_path, ["--secure-url", "ws://127.0.0.1:9/ocpp"], "must be a wss:// URL"
    )


async def test_the_operator_sets_a_lower_profile_locally_and_the_station_reconnects(
    journal, tmp_path: Path
):
    """A Central System may not lower SecurityProfile (it is Rejected); the station's
    local configuration may: the control request /security_profile (the step hook's
    ``security_profile 0 PROFILE``) sets it and the station connects again on it."""
    from chargecheck.sim.control import ControlError, perform
    from chargecheck.sim.step import requests_for

    passwords = {"CP1": FIRST}
    async with on_profile_1(journal, tmp_path, passwords) as (sim, session):
        change = {"key": "SecurityProfile", "value": "0"}
        refused = await session.call("ChangeConfiguration", change, WAIT)
        key = {"key": ["SecurityProfile"]}
        assert refused["status"] == "Rejected"
        before = session.connections
        passwords["CP1"] = ""  # the Central System takes it without a password now
        ((path, body),) = requests_for("security_profile", 0, "0")
        await perform({"CP1": sim}, "POST", path, body)
        await session.wait_new_connection(before, WAIT)
        answer = await session.call("GetConfiguration", key, WAIT)
        assert answer["configurationKey"][0]["value"] == "0"
        for bad in ({"profile": 4}, {"profile": "1"}):
            try:
                await perform({"CP1": sim}, "POST", path, bad)
            except ControlError as exc:
                assert exc.status == 400, exc
            else:
                raise AssertionError(f"{bad} was taken")


def test_the_step_takes_only_a_profile():
    import pytest

    from chargecheck.sim.step import requests_for

    assert requests_for("security_profile", 0, "3") == [("/security_profile", {"profile": 3})]
    for bad in (None, "4", "x"):
        with pytest.raises(ValueError, match=r"profile 0\.\.3"):
            requests_for("security_profile", 0, bad)

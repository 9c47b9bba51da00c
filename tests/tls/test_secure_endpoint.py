"""The run's second, wss:// endpoint (``--secure-port``, ``chargecheck.security.endpoint``)
beside a ws:// port: its certificate is issued by the run's CA, a client certificate the
run's CA signed is verified and admits the station without Basic Auth (profile 3), one
without a certificate must give the password (profile 2), an untrusted certificate is
refused; every connection records what it showed (TLS, client subject, Basic Auth). Real
TLS on 127.0.0.1."""

from __future__ import annotations

import base64
import ssl
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal
from chargecheck.security.authority import RunAuthority
from chargecheck.security.endpoint import secure_endpoint
from tests.tls.conftest import _WATCHES, WAIT, RefusalWatch, refusals, refused


def _station_pair(ca: RunAuthority, identity: str, tmp_path) -> tuple[str, str]:
    """A station's key and the certificate ``ca`` signs for it, written as one PEM file."""
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identity)]))
        .sign(key, hashes.SHA256())
    )
    chain = ca.sign_request(request, datetime.now(UTC))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / f"{identity}.pem"
    path.write_text(chain + key_pem)
    return str(path), chain


def _client(ca: RunAuthority, certificate: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=ca.pem)
    if certificate is not None:
        context.load_cert_chain(certificate)
    return context


def _basic(identity: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def endpoint(tmp_path):
    return secure_endpoint(None, tmp_path / "pki", datetime.now(UTC), "127.0.0.1")


@pytest.fixture
async def both(journal: Journal, endpoint):
    settings = ServerSettings(
        port=0, ping_interval=None, passwords={"*": "s3cret-s3cret-s3cret"}, secure=endpoint.context
    )
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("test")
        _WATCHES[cs] = RefusalWatch(cs)
        try:
            yield cs
        finally:
            del _WATCHES[cs]


def _connects(journal: Journal, central: CentralSystem) -> list[dict]:
    return [e.detail for e in journal.entries(central.run_id) if e.kind == "connect"]


async def test_the_endpoint_files_and_urls(both, endpoint, tmp_path):
    assert both.url("CP1").startswith("ws://127.0.0.1:")
    secure = both.secure_url("CP1")
    assert secure is not None and secure.startswith("wss://127.0.0.1:")
    assert both.secure_port != both.port
    for name in ("ca.pem", "ca.key", "server.pem", "server.key"):
        assert (tmp_path / "pki" / name).is_file(), name
    assert (tmp_path / "pki" / "server.key").stat().st_mode & 0o077 == 0
    assert endpoint.info["ca"].endswith("ca.pem")


async def test_a_client_certificate_of_the_run_ca_admits_without_basic_auth(
    both, endpoint, journal, tmp_path
):
    certificate, _ = _station_pair(endpoint.authority, "CP3", tmp_path)
    async with connect(
        both.secure_url("CP3"),
        ssl=_client(endpoint.authority, certificate),
        subprotocols=["ocpp1.6"],
    ):
        await both.wait_for_station("CP3", WAIT)
    (detail,) = _connects(journal, both)
    assert detail["tls"]["client_subject"] == "CN=CP3"
    assert "basic_auth" not in detail


async def test_without_a_certificate_the_password_is_required_and_recorded(both, endpoint, journal):
    context = _client(endpoint.authority)
    with pytest.raises(InvalidStatus) as refusal:
        await connect(both.secure_url("CP2"), ssl=context, subprotocols=["ocpp1.6"])
    assert refusal.value.response.status_code == 401
    async with connect(
        both.secure_url("CP2"),
        ssl=context,
        subprotocols=["ocpp1.6"],
        additional_headers=_basic("CP2", "s3cret-s3cret-s3cret"),
    ):
        await both.wait_for_station("CP2", WAIT)
    (detail,) = _connects(journal, both)
    assert detail["tls"]["client_subject"] is None
    assert detail["basic_auth"] == {"user": "CP2", "valid": True}
    assert [r["status"] for r in refusals(journal, both)] == [401]


async def test_the_plain_port_still_takes_basic_auth_over_ws(both, journal):
    async with connect(
        both.url("CP1"),
        subprotocols=["ocpp1.6"],
        additional_headers=_basic("CP1", "s3cret-s3cret-s3cret"),
    ):
        await both.wait_for_station("CP1", WAIT)
    (detail,) = _connects(journal, both)
    assert "tls" not in detail and detail["basic_auth"]["valid"] is True


async def test_a_certificate_from_another_ca_is_refused_and_journaled(
    both, endpoint, journal, tmp_path
):
    stranger = RunAuthority.create(datetime.now(UTC), "not the run's CA")
    certificate, _ = _station_pair(stranger, "CP9", tmp_path)
    with pytest.raises((ssl.SSLError, InvalidMessage, OSError)):
        await connect(
            both.secure_url("CP9"),
            ssl=_client(endpoint.authority, certificate),
            subprotocols=["ocpp1.6"],
        )
    await refused(both, 1)
    (refusal,) = refusals(journal, both)
    assert "client certificate did not verify" in refusal["reason"]


async def test_an_empty_password_for_an_identity_requires_none(both, journal):
    both.settings.passwords["CP0"] = ""  # a station the case set to profile 0
    async with connect(both.url("CP0"), subprotocols=["ocpp1.6"]):
        await both.wait_for_station("CP0", WAIT)
    with pytest.raises(InvalidStatus):
        await connect(both.url("CP1"), subprotocols=["ocpp1.6"])

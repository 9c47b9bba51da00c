"""TLS for the Central System (OCPP 1.6 security whitepaper, security profiles 2 and 3;
the profiles themselves are defined in ``protocol/security_profiles.py``).

Here: the server ``ssl.SSLContext`` (``ServerTls.context``), the self-signed certificate
of ``chargecheck run --tls`` (``self_signed_certificate``), its SHA-256 fingerprint, and
``TlsLayer``: server-side TLS over memory buffers, sans-I/O like websockets' protocol
layer it feeds, so that ``StationLink`` sees a failed handshake itself (asyncio's own TLS
transport drops it without telling the protocol) and journals it with the peer's address.

Exceptions::

    TlsSetupError   a bad TLS setting of the bench (a file that does not load): ERROR
    TlsFailure      a station's TLS handshake or record failed: the connection is refused
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READ_SIZE = 1 << 16  # plaintext read per SSLObject.read call

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

# OpenSSL's reason code of a failed handshake -> what it means for the station.
_REASONS = {
    "HTTP_REQUEST": "plain HTTP on the TLS port: the station must use wss://, not ws://",
    "WRONG_VERSION_NUMBER": "not a TLS handshake (plain ws:// to a wss:// bench?)",
    "UNSUPPORTED_PROTOCOL": "the station offers no TLS version the bench accepts",
    "NO_SHARED_CIPHER": "no cipher suite in common with the station",
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": (
        "the station sent no client certificate (security profile 3 requires one)"
    ),
    "TLSV1_ALERT_UNKNOWN_CA": "the station does not trust the bench's certificate (unknown CA)",
    "SSLV3_ALERT_BAD_CERTIFICATE": "the station rejected the bench's certificate",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "the station rejected the bench's certificate",
    "TLSV1_ALERT_DECRYPT_ERROR": "the station rejected the bench's certificate",
}


class TlsSetupError(Exception):
    """A TLS setting of the bench cannot be used (missing file, key not matching...)."""


class TlsFailure(Exception):
    """A station's TLS handshake (or a later TLS record) failed; the text says why."""


def handshake_reason(exc: ssl.SSLError) -> str:
    """A failed handshake in the station's terms, OpenSSL's own words kept after it."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        what = exc.verify_message or exc.reason or str(exc)
        return f"TLS handshake failed: the station's client certificate did not verify ({what})"
    code = exc.reason or ""
    meaning = _REASONS.get(code)
    detail = code.lower().replace("_", " ") or str(exc)
    if meaning is None:
        return f"TLS handshake failed: {detail}"
    return f"TLS handshake failed: {meaning} [{detail}]"


# -- certificates ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServerTls:
    """How the bench serves ``wss://``: a certificate and key given, or a self-signed one
    made for the run (``self_signed``); ``client_ca`` asks for client certificates and
    verifies them against it (security profile 3)."""

    certificate: Path | None = None
    key: Path | None = None  # None: the key is in the certificate file
    client_ca: Path | None = None
    self_signed: bool = False

    def check(self) -> None:
        """Load the files given once: ``TlsSetupError`` names one that does not load."""
        if self.certificate is not None:
            self.context()
        elif self.client_ca is not None:
            _require_client_certificates(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), self.client_ca)

    def context(self, certificate: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
        """The server context; ``certificate``/``key`` override (a self-signed pair)."""
        return server_context(
            certificate or self.certificate, key or self.key, client_ca=self.client_ca
        )


def server_context(
    certificate: Path | None, key: Path | None, *, client_ca: Path | None = None
) -> ssl.SSLContext:
    """TLS 1.2 or later (the whitepaper's minimum); client certificates required and
    verified against ``client_ca`` when it is given. ``TlsSetupError`` names the file."""
    if certificate is None:
        raise TlsSetupError("a TLS server needs a certificate (--tls-cert FILE, or --tls)")
    for path in (certificate, key, client_ca):
        if path is not None and not Path(path).is_file():
            raise TlsSetupError(f"{path}: no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certificate, key)
    except (ssl.SSLError, OSError, ValueError) as exc:
        what = f"{certificate}" + (f" with key {key}" if key else "")
        raise TlsSetupError(
            f"{what}: not a PEM certificate and matching private key ({_short(exc)})"
        ) from None
    if client_ca is not None:
        _require_client_certificates(context, client_ca)
    return context


def _require_client_certificates(context: ssl.SSLContext, client_ca: Path) -> None:
    if not Path(client_ca).is_file():
        raise TlsSetupError(f"{client_ca}: no such file")
    try:
        context.load_verify_locations(cafile=client_ca)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TlsSetupError(f"{client_ca}: not PEM CA certificates ({_short(exc)})") from None
    context.verify_mode = ssl.CERT_REQUIRED


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason).lower().replace("_", " ") if reason else str(exc) or type(exc).__name__


def certificate_hosts(*extra: str | None) -> list[str]:
    """The names a self-signed certificate covers: loopback, this machine's hostname
    (and its fully qualified name), and the ``extra`` hosts that are not wildcards."""
    hosts = [*LOOPBACK_NAMES, socket.gethostname(), socket.getfqdn()]
    hosts += [h for h in extra if h and h not in ("0.0.0.0", "::")]
    return list(dict.fromkeys(h for h in hosts if h))


def alt_names(hosts: list[str]) -> list[Any]:
    """The subjectAltName entries that name ``hosts``: IP literals as IP addresses, the
    rest as DNS names."""
    import ipaddress

    from cryptography import x509

    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def self_signed_certificate(
    directory: Path, hosts: list[str], *, days: int = 30
) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` (mode 0600) into ``directory``: a self-signed
    certificate whose subjectAltName names every one of ``hosts`` (IP literals as IP
    addresses). A station trusts it by having it as its CA certificate."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names = alt_names(hosts)
    # RSA 2048: the key every charger's TLS stack takes (the whitepaper allows it).
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chargecheck bench"),
            x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))  # a station's clock may lag
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        # Its own trust anchor: a station installs it as the Central System's CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_bytes)
    return cert_path, key_path


def fingerprint(certificate: Path) -> str:
    """The SHA-256 fingerprint of a PEM certificate, ``AB:CD:...`` (as a charger's web
    page or ``openssl x509 -fingerprint -sha256`` shows it)."""
    text = certificate.read_text("ascii", errors="replace")
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    first = text.find(begin)  # the served certificate: the first one in the file
    der = ssl.PEM_cert_to_DER_cert(text[first : text.index(end, first) + len(end)])
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


# -- the TLS layer of one connection ----------------------------------------------------

# getpeercert()'s attribute names -> their RFC 4514 short names.
_SHORT_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "serialNumber": "serialNumber",
    "emailAddress": "emailAddress",
}


def subject_text(certificate: dict[str, Any]) -> str | None:
    """``O=Alfen BV, CN=CP001``: a peer certificate's subject, as ``getpeercert`` gave it."""
    parts = [
        f"{_SHORT_NAMES.get(name, name)}={value}"
        for rdn in certificate.get("subject", ())
        for name, value in rdn
    ]
    return ", ".join(parts) or None


class TlsLayer:
    """Server-side TLS between the socket's bytes and the WebSocket's: ciphertext goes in
    through ``receive`` and comes out as plaintext; plaintext goes in through ``send``;
    what to write to the socket comes out of ``data_to_send``. No socket, no clock."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.established = False
        self.failed = False
        self.peer_closed = False  # the station sent close_notify

    def receive(self, data: bytes) -> bytes:
        """The plaintext ``data`` completes; ``TlsFailure`` if the handshake fails (the
        alert for the station is then in ``data_to_send``)."""
        self._incoming.write(data)
        if not self.established:
            try:
                self._ssl.do_handshake()
            except ssl.SSLWantReadError:
                return b""
            except ssl.SSLError as exc:
                self.failed = True
                raise TlsFailure(handshake_reason(exc)) from None
            self.established = True
        chunks: list[bytes] = []
        while True:
            try:
                chunk = self._ssl.read(READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.peer_closed = True
                break
            except ssl.SSLError as exc:
                self.failed = True
                raise TlsFailure(f"TLS record error: {_short(exc)}") from None
            if not chunk:  # SSLObject.read gives b"" once the station's close_notify is read
                self.peer_closed = True
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def send(self, data: bytes) -> None:
        self._ssl.write(data)

    def close(self) -> None:
        """Queue our close_notify (we do not wait for the station's)."""
        if self.established and not self.failed:
            # SSLWantReadError: the station's close_notify is not here (nor awaited).
            with suppress(ssl.SSLError):
                self._ssl.unwrap()

    def data_to_send(self) -> bytes:
        return self._outgoing.read()

    def describe(self) -> dict[str, Any]:
        """What the connection negotiated: TLS version, cipher, the client certificate's
        subject (None without one)."""
        cipher = self._ssl.cipher()
        peer = self._ssl.getpeercert()
        return {
            "version": self._ssl.version(),
            "cipher": cipher[0] if cipher else None,
            "client_subject": subject_text(peer) if peer else None,
        }


def prepare(
    tls: ServerTls, directory: Path, *hosts: str | None
) -> tuple[ssl.SSLContext, dict[str, Any]]:
    """The server context of a run and what the run records about it: the certificate
    served, its SHA-256 fingerprint, whether it was made for the run (in ``directory``,
    covering ``certificate_hosts(*hosts)``) and the client CA."""
    certificate, key = tls.certificate, tls.key
    if tls.self_signed:
        certificate, key = self_signed_certificate(directory, certificate_hosts(*hosts))
    context = tls.context(certificate, key)
    assert certificate is not None  # context() refused otherwise
    info = {
        "certificate": str(certificate),
        "fingerprint_sha256": fingerprint(certificate),
        "self_signed": tls.self_signed,
        "client_ca": str(tls.client_ca) if tls.client_ca is not None else None,
    }
    return context, info

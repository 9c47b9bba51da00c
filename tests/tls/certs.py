"""Test certificates made with ``cryptography``: a CA and leaves it signs (a station's
client certificate, or a Central System's server certificate), written as PEM files."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Issued:
    certificate: Path
    key: Path
    _cert: x509.Certificate
    _key: ec.EllipticCurvePrivateKey


def _write(directory: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey):
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert_path, key_path, cert, key)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return builder.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(
        now + datetime.timedelta(days=2)
    )


def make_ca(directory: Path, name: str = "Test CA") -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(name, "chargecheck tests")
    cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, name.replace(" ", "-").lower(), cert, key)


def issue(
    ca: Issued,
    directory: Path,
    common_name: str,
    *,
    organisation: str = "Alfen BV",
    server: bool = False,
) -> Issued:
    """A leaf signed by ``ca``: a client certificate, or (``server``) one for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca._cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca._key.public_key()), False
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    cert = builder.sign(ca._key, hashes.SHA256())
    return _write(directory, common_name.lower(), cert, key)


def self_signed_with_fingerprint(directory: Path, index: int, hex_pair: str) -> Issued:
    """A self-signed server certificate for 127.0.0.1 whose SHA-256 fingerprint has
    ``hex_pair`` (e.g. ``"AB"``) as its byte ``index`` (0-based): signed again until it
    does, an ECDSA signature being random (1 in 256 tries, on average)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name("127.0.0.1", "chargecheck tests")
    builder = (
        _validity(x509.CertificateBuilder())
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    )
    for _ in range(50_000):  # ~0.1 ms each; missing 50,000 times in a row: e^-195
        cert = builder.sign(key, hashes.SHA256())
        digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        if digest[2 * index : 2 * index + 2].upper() == hex_pair.upper():
            return _write(directory, "bench", cert, key)
    raise AssertionError(f"no certificate with {hex_pair} as byte {index} of its fingerprint")

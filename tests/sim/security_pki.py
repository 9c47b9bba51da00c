"""A small certificate authority for the simulator's security tests: roots, a leaf for a
station's CSR, a firmware signing certificate and the signature over a file (RSA PKCS#1
v1.5 or ECDSA with SHA-256, as the security whitepaper specifies)."""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Authority:
    key: Key
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return pem(self.cert)

    @classmethod
    def new(cls, name: str = "Test Root", *, expired: bool = False) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        start, end = (
            (now - timedelta(days=30), now - timedelta(days=1))
            if expired
            else (now - timedelta(days=1), now + timedelta(days=365))
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(self, public_key: object, name: x509.Name) -> x509.Certificate:
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(self.cert.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def sign_csr(self, csr_pem: str) -> str:
        """The chain for a CSR: the leaf first, then this root."""
        request = x509.load_pem_x509_csr(csr_pem.encode())
        return pem(self.issue(request.public_key(), request.subject)) + self.pem

    def server_files(self, directory: Path) -> tuple[Path, Path]:
        """A TLS server certificate for 127.0.0.1 issued by this CA, and its key, as
        files in ``directory``; this CA's certificate is written beside them (ca.pem)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("127.0.0.1"))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_file, key_file = directory / "server.pem", directory / "server.key"
        cert_file.write_text(pem(cert))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (directory / "ca.pem").write_text(self.pem)
        return cert_file, key_file

    def firmware_signer(self) -> tuple[rsa.RSAPrivateKey, str]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key, pem(self.issue(key.public_key(), _name("Firmware Signer")))


def csr_subject(csr_pem: str) -> dict[str, str]:
    request = x509.load_pem_x509_csr(csr_pem.encode())
    return {attribute.oid._name: str(attribute.value) for attribute in request.subject}


def csr_key_size(csr_pem: str) -> int:
    return x509.load_pem_x509_csr(csr_pem.encode()).public_key().key_size  # type: ignore[union-attr]


def sign_file(key: Key, data: bytes) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()

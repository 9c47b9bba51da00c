"""The run's certificate authority (Improved security for OCPP 1.6-J, edition 3, its
"Certificate Management"): it signs the Charge Point's certificate from its request (use
case A02), gives the Central System root and the Manufacturer root the station installs
(use case M05), and a firmware signing certificate with its key (use case L01 "Secure
Firmware Update"). ``hash_data`` is the CertificateHashDataType of a certificate
(GetInstalledCertificateIds, DeleteCertificate).

A ``RunAuthority`` is made per run (``create``) and kept as PEM files (``save``:
``ca.pem``, ``ca.key``), or is the user's own (``load``). Time is a parameter: ``now``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PEM = serialization.Encoding.PEM
LEAF_DAYS = 365
CA_DAYS = 3650


class AuthorityError(Exception):
    """The user's CA files cannot be used (unreadable, not a CA key pair): a bench fault."""


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(parts)


def new_key() -> ec.EllipticCurvePrivateKey:
    """An EC P-256 key: the whitepaper's minimum for EC (its certificate properties)."""
    return ec.generate_private_key(ec.SECP256R1())


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(PEM).decode("ascii")


def _ca_certificate(
    key: PrivateKey, subject: x509.Name, now: datetime, days: int
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


def root_certificate(
    common_name: str, now: datetime, days: int = CA_DAYS, key: PrivateKey | None = None
) -> tuple[x509.Certificate, PrivateKey]:
    """A self-signed CA certificate valid from just before ``now`` for ``days`` (a negative
    ``days`` gives one that has expired: an invalid root for use case M05's refusal)."""
    key = key or new_key()
    if days < 0:
        subject = _name(common_name, "chargecheck")
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days * 2))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return certificate, key
    return _ca_certificate(key, _name(common_name, "chargecheck"), now, days), key


@dataclass(frozen=True)
class FirmwareSigner:
    """A firmware signing certificate from the run's CA and its key (use case L01)."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def certificate_pem(self) -> str:
        return certificate_pem(self.certificate)

    def sign(self, data: bytes) -> str:
        """Base64 of the signature over ``data``: RSA PKCS#1 v1.5 with SHA-256 for an RSA
        key, ECDSA with SHA-256 for an EC key."""
        if isinstance(self.key, rsa.RSAPrivateKey):
            raw = self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raw = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class RunAuthority:
    """The CA of a run: its certificate and key."""

    certificate: x509.Certificate
    key: PrivateKey

    @classmethod
    def create(cls, now: datetime, common_name: str = "chargecheck run CA") -> RunAuthority:
        certificate, key = root_certificate(common_name, now)
        return cls(certificate, key)

    @classmethod
    def load(cls, certificate_path: Path, key_path: Path) -> RunAuthority:
        """The user's CA (``--ca-cert``/``--ca-key``): PEM files of a CA certificate and
        its private key."""
        try:
            certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise AuthorityError(f"cannot read the CA: {exc}") from None
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise AuthorityError("the CA key is neither RSA nor EC")
        if _spki(key.public_key()) != _spki(certificate.public_key()):
            raise AuthorityError(f"{key_path} is not the key of {certificate_path}")
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise AuthorityError(f"{certificate_path} is not a CA certificate (BasicConstraints)")
        return cls(certificate, key)

    def save(self, directory: Path) -> tuple[Path, Path]:
        """``ca.pem`` and ``ca.key`` (mode 0600) in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        certificate_path, key_path = directory / "ca.pem", directory / "ca.key"
        certificate_path.write_text(self.pem, encoding="ascii")
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            self.key.private_bytes(
                PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return certificate_path, key_path

    @property
    def pem(self) -> str:
        return certificate_pem(self.certificate)

    def _leaf(
        self,
        subject: x509.Name,
        public_key: object,
        now: datetime,
        usage: x509.ObjectIdentifier,
        days: int = LEAF_DAYS,
        names: list[x509.GeneralName] | None = None,
    ) -> x509.Certificate:
        builder = x509.CertificateBuilder()
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return (
            builder.subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, True, False, False, False, False, False, False), True
            )
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
            .sign(self.key, hashes.SHA256())
        )

    def sign_request(self, request: x509.CertificateSigningRequest, now: datetime) -> str:
        """The Charge Point certificate for ``request`` (its subject kept), usable as a TLS
        client certificate, then this CA: the PEM chain, leaf first (CertificateSigned)."""
        leaf = self._leaf(
            request.subject, request.public_key(), now, ExtendedKeyUsageOID.CLIENT_AUTH
        )
        return certificate_pem(leaf) + self.pem

    def server_certificate(self, hosts: list[str], now: datetime) -> tuple[str, str]:
        """A TLS server certificate for ``hosts`` (IP literals as IP addresses) and its
        key, PEM: the chain (leaf, then this CA) and the key. A station that trusts this
        CA (its CentralSystemRootCertificate) trusts the bench's wss:// endpoint."""
        from chargecheck.csms.tls import alt_names

        names = alt_names(hosts)
        key = new_key()
        subject = _name(hosts[0] if hosts else "localhost", "chargecheck bench")
        leaf = self._leaf(
            subject, key.public_key(), now, ExtendedKeyUsageOID.SERVER_AUTH, names=names
        )
        key_pem = key.private_bytes(
            PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        return certificate_pem(leaf) + self.pem, key_pem

    def firmware_signer(self, now: datetime) -> FirmwareSigner:
        key = new_key()
        subject = _name("chargecheck firmware signing", "chargecheck")
        leaf = self._leaf(subject, key.public_key(), now, ExtendedKeyUsageOID.CODE_SIGNING)
        return FirmwareSigner(leaf, key)


def foreign_chain(identity: str, now: datetime) -> str:
    """A chain from a CA the station was never given, for a key that is not the station's
    and a commonName that is not its identity: what an invalid CertificateSigned carries
    (use case A02's refusal, InvalidChargePointCertificate)."""
    stranger = RunAuthority.create(now, "chargecheck unknown CA")
    subject = _name(f"not-{identity}", "chargecheck")
    leaf = stranger._leaf(subject, new_key().public_key(), now, ExtendedKeyUsageOID.CLIENT_AUTH)
    return certificate_pem(leaf) + stranger.pem


def _spki(key: object) -> bytes:
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_bits(key: object) -> bytes:
    """The subjectPublicKey BIT STRING's value (as RFC 6960's CertID hashes it)."""
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    raise TypeError(f"{type(key).__name__}: neither RSA nor EC")


def hash_data(certificate: x509.Certificate, issuer_key: object | None = None) -> dict[str, str]:
    """CertificateHashDataType (SHA256): the hashes of the issuer's DER name and public key,
    and the serial number in hexadecimal without leading zeroes. ``issuer_key``: the
    issuer's public key (default: the certificate's own, as for a root)."""
    key = certificate.public_key() if issuer_key is None else issuer_key
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(certificate.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(_key_bits(key)).hexdigest(),
        "serialNumber": format(certificate.serial_number, "x"),
    }


def matches(entry: Mapping[str, object], certificate: x509.Certificate) -> bool:
    """Does a CertificateHashDataType of the station name ``certificate`` (a root)? The
    hashes compare in either case, the serial number without leading zeroes; the key hash
    of the whole SubjectPublicKeyInfo is taken too (the whitepaper says only "the issuer's
    public key")."""
    mine = hash_data(certificate)
    key_hashes = {
        mine["issuerKeyHash"],
        hashlib.sha256(_spki(certificate.public_key())).hexdigest(),
    }
    text = {k: str(v).lower() for k, v in entry.items()}
    return (
        text.get("issuerNameHash") == mine["issuerNameHash"]
        and text.get("issuerKeyHash") in key_hashes
        and text.get("serialNumber", "").lstrip("0") == mine["serialNumber"]
    )


def load_certificate(pem: str) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii", "replace"))
    except ValueError:
        return None

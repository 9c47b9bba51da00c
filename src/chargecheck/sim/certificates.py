"""The station's certificates, sans I/O (OCPP 1.6 security whitepaper, edition 3):
its key pair and CSR, the checks of a CertificateSigned chain, of a root certificate
to install, of a signed firmware image, and the whitepaper's certificate hash data.

Every function takes PEM text (and the time, where validity matters) and returns values;
a problem is returned as one line of text, never raised, so the caller can answer
Rejected and tell the Central System why in a security event.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

HASH_ALGORITHM = "SHA256"  # HashAlgorithmEnumType: the one this station uses


def new_key() -> str:
    """A fresh EC P-256 private key, PEM (the whitepaper: RSA >= 2048 or EC >= 256 bits)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _private_key(key_pem: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def csr(key_pem: str, common_name: str, organization: str) -> str:
    """A PEM PKCS#10 request signed with ``key_pem``: CN = the Charge Point's identity,
    O = CpoName (whitepaper A02/A03: "the Common Name ... SHALL be the Charge Point
    serial number", "the organization name ... SHALL be the CPO name")."""
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    signed = request.sign(_private_key(key_pem), hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.PEM).decode()


def parse_chain(pem: str) -> list[x509.Certificate] | None:
    """The certificates of a PEM text, in order; None if there is none or one is broken."""
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        return None
    return chain or None


def _public_der(key: object) -> bytes:
    assert isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _in_force(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def chain_problem(chain_pem: str, key_pem: str, identity: str, now: datetime) -> str | None:
    """Why a CertificateSigned chain cannot be this station's certificate (None: it can).

    The leaf comes first; its public key must be the station's, its CN the identity, and
    it must be in force; each certificate must be signed by the next one (whitepaper A02:
    "The Charge Point SHALL verify validity of the signed certificate")."""
    chain = parse_chain(chain_pem)
    if chain is None:
        return "not a PEM certificate chain"
    leaf = chain[0]
    own = _private_key(key_pem).public_key()
    if _public_der(leaf.public_key()) != _public_der(own):
        return "the leaf certificate is not for this station's key"
    if _common_name(leaf) != identity:
        return f"the leaf certificate is issued to {_common_name(leaf)!r}, not {identity!r}"
    if not _in_force(leaf, now):
        return "the leaf certificate is not in force"
    for cert, issuer in itertools.pairwise(chain):
        if not _signed_by(cert, issuer):
            return f"{_common_name(cert)!r} is not signed by {_common_name(issuer)!r}"
    return None


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def root_problem(pem: str, now: datetime) -> str | None:
    """Why ``pem`` cannot be installed as a root certificate (None: it can): one
    self-signed CA certificate, in force."""
    chain = parse_chain(pem)
    if chain is None or len(chain) != 1:
        return "not one PEM certificate"
    cert = chain[0]
    try:
        ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if not ca:
        return "not a CA certificate"
    if not _signed_by(cert, cert):
        return "not self-signed"
    if not _in_force(cert, now):
        return "expired or not yet valid"
    return None


def hash_data(pem: str) -> dict[str, str]:
    """The whitepaper's CertificateHashDataType of a root certificate: SHA-256 of the
    issuer's DER name and of the issuer's public key (a root is its own issuer), and the
    serial number in hex."""
    chain = parse_chain(pem)
    assert chain is not None
    cert = chain[0]
    return {
        "hashAlgorithm": HASH_ALGORITHM,
        "issuerNameHash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(_public_der(cert.public_key())).hexdigest(),
        "serialNumber": format(cert.serial_number, "x"),
    }


def same_hash(a: dict[str, str], b: dict[str, str]) -> bool:
    """Do two CertificateHashData name the same certificate (hex compared as numbers)?"""
    keys = ("issuerNameHash", "issuerKeyHash")
    if any(a.get(k, "").lower() != b.get(k, "").lower() for k in keys):
        return False
    try:
        return int(a.get("serialNumber", ""), 16) == int(b.get("serialNumber", ""), 16)
    except ValueError:
        return False


def signer_problem(signing_pem: str, roots: list[str], now: datetime) -> bool:
    """Is the firmware signing certificate unusable: not issued by one of ``roots`` (the
    installed ManufacturerRootCertificates), or not in force?"""
    chain = parse_chain(signing_pem)
    if chain is None or not _in_force(chain[0], now):
        return True
    issuers = [c for pem in roots for c in (parse_chain(pem) or [])]
    return not any(_signed_by(chain[0], root) for root in issuers)


def firmware_problem(
    signing_pem: str, signature_b64: str, data: bytes, roots: list[str], now: datetime
) -> str | None:
    """Why a signed firmware image does not verify, None if it does: "InvalidCertificate"
    (``signer_problem``), else "InvalidSignature" for a signature over the file's bytes
    (RSA PKCS#1 v1.5 or ECDSA, with SHA-256: whitepaper A05 / L01) that does not hold."""
    if signer_problem(signing_pem, roots, now):
        return "InvalidCertificate"
    chain = parse_chain(signing_pem)
    assert chain is not None
    signer = chain[0]
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return "InvalidSignature"
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return "InvalidCertificate"
    except InvalidSignature:
        return "InvalidSignature"
    return None

"""The run's CA: the station's leaf from its CSR, the firmware signer, hash data."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from chargecheck.security.authority import (
    AuthorityError,
    FirmwareSigner,
    RunAuthority,
    foreign_chain,
    hash_data,
    matches,
    root_certificate,
)
from tests.security.test_csr import csr_pem

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def chain_of(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def test_a_signed_request_gives_a_chain_leaf_first_with_the_request_subject() -> None:
    ca = RunAuthority.create(NOW)
    request = x509.load_pem_x509_csr(csr_pem(ec.generate_private_key(ec.SECP256R1())).encode())
    leaf, root = chain_of(ca.sign_request(request, NOW))
    assert leaf.subject == request.subject
    assert root == ca.certificate
    leaf.verify_directly_issued_by(ca.certificate)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_the_firmware_signature_verifies_with_the_signing_certificate() -> None:
    signer = RunAuthority.create(NOW).firmware_signer(NOW)
    signature = base64.b64decode(signer.sign(b"image"))
    key = signer.certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(signature, b"image", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.verify(signature, b"other image", ec.ECDSA(hashes.SHA256()))


def test_an_rsa_signing_key_signs_pkcs1_v15_sha256() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate, _ = root_certificate("signer", NOW, key=key)
    signature = base64.b64decode(FirmwareSigner(certificate, key).sign(b"image"))
    key.public_key().verify(signature, b"image", padding.PKCS1v15(), hashes.SHA256())


def test_hash_data_hashes_the_issuer_name_and_key_and_gives_the_serial_in_hex() -> None:
    ca = RunAuthority.create(NOW)
    data = hash_data(ca.certificate)
    spki = ca.certificate.public_key()
    assert isinstance(spki, ec.EllipticCurvePublicKey)
    point = spki.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert data == {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(ca.certificate.subject.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(point).hexdigest(),
        "serialNumber": format(ca.certificate.serial_number, "x"),
    }
    assert not data["serialNumber"].startswith("0")


def test_an_rsa_root_hashes_its_pkcs1_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate, _ = root_certificate("rsa root", NOW, key=key)
    pkcs1 = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    assert hash_data(certificate)["issuerKeyHash"] == hashlib.sha256(pkcs1).hexdigest()


def test_an_expired_root_is_no_longer_valid_now() -> None:
    certificate, _ = root_certificate("old", NOW, days=-1)
    assert certificate.not_valid_after_utc < NOW


def test_a_foreign_chain_is_for_another_key_name_and_ca() -> None:
    ca = RunAuthority.create(NOW)
    leaf, stranger = chain_of(foreign_chain("CP001", NOW))
    assert "CN=not-CP001" in leaf.subject.rfc4514_string()
    assert stranger != ca.certificate
    with pytest.raises(ValueError):
        leaf.verify_directly_issued_by(ca.certificate)
    leaf.verify_directly_issued_by(stranger)


def test_a_saved_ca_loads_back(tmp_path: Path) -> None:
    ca = RunAuthority.create(NOW)
    certificate_path, key_path = ca.save(tmp_path / "pki" / "run-1")
    assert key_path.stat().st_mode & 0o077 == 0
    assert RunAuthority.load(certificate_path, key_path).certificate == ca.certificate


def test_a_key_of_another_certificate_is_refused(tmp_path: Path) -> None:
    certificate_path, _ = RunAuthority.create(NOW).save(tmp_path / "a")
    _, other_key = RunAuthority.create(NOW).save(tmp_path / "b")
    with pytest.raises(AuthorityError, match="is not the key of"):
        RunAuthority.load(certificate_path, other_key)


def test_a_leaf_is_refused_as_a_ca(tmp_path: Path) -> None:
    ca = RunAuthority.create(NOW)
    signer = ca.firmware_signer(NOW)
    (tmp_path / "leaf.pem").write_text(signer.certificate_pem)
    (tmp_path / "leaf.key").write_bytes(
        signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(AuthorityError, match="not a CA"):
        RunAuthority.load(tmp_path / "leaf.pem", tmp_path / "leaf.key")


def test_unreadable_files_are_a_bench_fault(tmp_path: Path) -> None:
    with pytest.raises(AuthorityError, match="cannot read"):
        RunAuthority.load(tmp_path / "none.pem", tmp_path / "none.key")


def test_hash_data_from_the_station_matches_in_upper_case_with_leading_zeroes() -> None:
    ca = RunAuthority.create(NOW)
    data = {k: v.upper() for k, v in hash_data(ca.certificate).items()}
    assert matches({**data, "serialNumber": "00" + data["serialNumber"]}, ca.certificate)
    assert not matches(hash_data(RunAuthority.create(NOW).certificate), ca.certificate)


def test_a_key_hash_over_the_whole_public_key_info_matches_too() -> None:
    ca = RunAuthority.create(NOW)
    spki = ca.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    data = {**hash_data(ca.certificate), "issuerKeyHash": hashlib.sha256(spki).hexdigest()}
    assert matches(data, ca.certificate)

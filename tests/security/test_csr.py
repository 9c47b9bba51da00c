"""The whitepaper's certificate properties (section 3.1), judged on a station's CSR."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from chargecheck.security.csr import check_csr


def csr_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    common_name: str = "CP001",
    organisation: str | None = "ACME CPO",
) -> str:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(parts))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def test_a_p256_request_naming_the_station_and_its_cpo_passes() -> None:
    check = check_csr(csr_pem(ec.generate_private_key(ec.SECP256R1())), "CP001", "ACME CPO")
    assert check.ok, check.faults()


def test_an_rsa_2048_request_passes() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert check_csr(csr_pem(key), "CP001", "ACME CPO").ok


def test_an_rsa_1024_key_is_too_small() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    check = check_csr(csr_pem(key), "CP001", "ACME CPO")
    assert not check.ok
    assert check.faults() == ["key type and size: RSA 1024 bits"]


def test_an_ec_key_below_256_bits_is_too_small() -> None:
    check = check_csr(csr_pem(ec.generate_private_key(ec.SECP192R1())), "CP001", "ACME CPO")
    assert [f.split(":")[0] for f in check.faults()] == ["key type and size"]


def test_a_common_name_other_than_the_identity_fails() -> None:
    check = check_csr(csr_pem(ec.generate_private_key(ec.SECP256R1()), "CP999"), "CP001", None)
    assert check.faults() == ["commonName is the identity: CN=CP999, not CP001"]


def test_an_organisation_other_than_cpo_name_fails() -> None:
    pem = csr_pem(ec.generate_private_key(ec.SECP256R1()), organisation="Other")
    assert check_csr(pem, "CP001", "ACME CPO").faults() == [
        "organizationName is CpoName: O=Other, not ACME CPO"
    ]


def test_without_a_cpo_name_reported_the_organisation_is_only_shown() -> None:
    check = check_csr(csr_pem(ec.generate_private_key(ec.SECP256R1())), "CP001", None)
    assert check.ok
    assert "O=ACME CPO" in [f.detail for f in check.findings]


def test_text_that_is_not_a_request_fails_to_parse() -> None:
    check = check_csr("-----BEGIN CERTIFICATE REQUEST-----\nxx\n", "CP001", None)
    assert check.request is None
    assert not check.ok

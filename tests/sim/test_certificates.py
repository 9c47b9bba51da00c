"""The station's certificate work without any I/O (``chargecheck.sim.certificates``):
its CSR, the checks of a CertificateSigned chain, of a root to install and of a signed
firmware image, and the whitepaper's certificate hash data."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from chargecheck.sim import certificates

from .security_pki import Authority, csr_key_size, csr_subject, pem, sign_file

NOW = datetime.now(UTC)


def test_the_csr_names_the_identity_and_the_cpo_with_a_256_bit_key():
    key = certificates.new_key()
    request = certificates.csr(key, "CP1", "Some CPO")
    assert csr_subject(request) == {"commonName": "CP1", "organizationName": "Some CPO"}
    assert csr_key_size(request) >= 256


def test_a_chain_for_the_station_key_and_identity_fits():
    ca, key = Authority.new(), certificates.new_key()
    chain = ca.sign_csr(certificates.csr(key, "CP1", "CPO"))
    assert certificates.chain_problem(chain, key, "CP1", NOW) is None


def test_a_chain_for_another_key_or_identity_does_not_fit():
    ca, key, other = Authority.new(), certificates.new_key(), certificates.new_key()
    foreign = ca.sign_csr(certificates.csr(other, "CP1", "CPO"))
    assert "key" in (certificates.chain_problem(foreign, key, "CP1", NOW) or "")
    renamed = ca.sign_csr(certificates.csr(key, "CP2", "CPO"))
    assert "CP2" in (certificates.chain_problem(renamed, key, "CP1", NOW) or "")
    assert certificates.chain_problem("junk", key, "CP1", NOW) == "not a PEM certificate chain"


def test_a_chain_whose_links_are_not_signed_by_each_other_does_not_fit():
    ca, stranger, key = Authority.new(), Authority.new("Stranger"), certificates.new_key()
    leaf = ca.sign_csr(certificates.csr(key, "CP1", "CPO")).split(ca.pem)[0]
    assert "not signed" in (certificates.chain_problem(leaf + stranger.pem, key, "CP1", NOW) or "")


def test_only_a_self_signed_ca_in_force_installs_as_a_root():
    ca = Authority.new()
    assert certificates.root_problem(ca.pem, NOW) is None
    assert certificates.root_problem(Authority.new(expired=True).pem, NOW) == (
        "expired or not yet valid"
    )
    _, signer = ca.firmware_signer()
    assert certificates.root_problem(signer, NOW) == "not a CA certificate"
    assert certificates.root_problem("junk", NOW) == "not one PEM certificate"


def test_hash_data_matches_itself_and_not_another_certificate():
    a, b = Authority.new(), Authority.new()
    data = certificates.hash_data(a.pem)
    assert data["hashAlgorithm"] == "SHA256"
    assert certificates.same_hash(data, {**data, "serialNumber": "0" + data["serialNumber"]})
    assert not certificates.same_hash(data, certificates.hash_data(b.pem))
    assert not certificates.same_hash(data, {**data, "serialNumber": "zz"})


def test_signed_firmware_verifies_against_the_manufacturer_root():
    ca = Authority.new()
    key, signer = ca.firmware_signer()
    data = b"firmware"
    signature = sign_file(key, data)
    assert certificates.firmware_problem(signer, signature, data, [ca.pem], NOW) is None
    assert (
        certificates.firmware_problem(signer, signature, b"other", [ca.pem], NOW)
        == "InvalidSignature"
    )
    assert certificates.firmware_problem(signer, "%%%", data, [ca.pem], NOW) == "InvalidSignature"
    stranger = Authority.new("Stranger")
    assert (
        certificates.firmware_problem(signer, signature, data, [stranger.pem], NOW)
        == "InvalidCertificate"
    )
    assert certificates.firmware_problem("junk", signature, data, [ca.pem], NOW) == (
        "InvalidCertificate"
    )


def test_an_ecdsa_signature_verifies_too():
    ca = Authority.new()
    signer = ca.issue(ca.key.public_key(), ca.cert.subject)
    signature = sign_file(ca.key, b"image")
    assert certificates.firmware_problem(pem(signer), signature, b"image", [ca.pem], NOW) is None
    bad = base64.b64encode(b"x" * 64).decode()
    assert certificates.firmware_problem(pem(signer), bad, b"image", [ca.pem], NOW) == (
        "InvalidSignature"
    )

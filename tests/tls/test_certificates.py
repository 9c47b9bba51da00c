"""The certificate ``chargecheck run --tls`` makes for a run: self-signed, naming every
address a station may use for this machine, its key private to the user, and a SHA-256
fingerprint that is the one ``openssl x509 -fingerprint -sha256`` prints."""

from __future__ import annotations

import ipaddress
import socket
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from chargecheck.csms.tls import (
    ServerTls,
    TlsSetupError,
    certificate_hosts,
    fingerprint,
    self_signed_certificate,
)


def test_the_self_signed_certificate_covers_loopback_and_the_hostname(bench_pair):
    cert, _ = bench_pair
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", socket.gethostname()} <= set(names.get_values_for_type(x509.DNSName))
    assert {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")} <= set(
        names.get_values_for_type(x509.IPAddress)
    )
    assert parsed.issuer == parsed.subject  # self-signed: the station's CA is itself


def test_the_fingerprint_is_the_sha256_of_the_certificate_in_colon_hex(bench_pair):
    cert, _ = bench_pair
    expected = x509.load_pem_x509_certificate(cert.read_bytes()).fingerprint(hashes.SHA256())
    assert fingerprint(cert) == ":".join(f"{b:02X}" for b in expected)


def test_the_key_is_readable_by_its_owner_only_and_loads_with_the_certificate(bench_pair):
    cert, key = bench_pair
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    ServerTls(cert, key).context()  # a mismatched pair would raise


def test_a_public_host_given_to_the_run_is_named_too(tmp_path: Path):
    hosts = certificate_hosts("0.0.0.0", "bench.example", "192.0.2.7")
    assert "0.0.0.0" not in hosts
    cert, _ = self_signed_certificate(tmp_path, hosts)
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "bench.example" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("192.0.2.7") in names.get_values_for_type(x509.IPAddress)


def test_a_key_that_is_not_the_certificate_s_is_a_setup_error(bench_pair, station_cert):
    cert, _ = bench_pair
    with pytest.raises(TlsSetupError, match="not a PEM certificate and matching private key"):
        ServerTls(cert, station_cert.key).context()

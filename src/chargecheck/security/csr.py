"""A Charge Point's certificate signing request, judged against the whitepaper's
certificate properties (Improved security for OCPP 1.6-J, edition 3, its
"Certificate Properties" and use case A02 "Update Charge Point Certificate by request of
Central System"): a PEM PKCS#10 request whose subject's commonName is the Charge Point's
identity (its serial number), whose organizationName is the CPO's name (configuration key
CpoName), with an RSA key of at least 2048 bits or an EC key of at least 256 bits, and a
signature that verifies with the request's own key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


@dataclass(frozen=True)
class CsrFinding:
    """One property of the request: its name, whether it holds, and what was found."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class CsrCheck:
    """The request (None: it did not parse) and each property judged."""

    request: x509.CertificateSigningRequest | None
    findings: tuple[CsrFinding, ...]

    @property
    def ok(self) -> bool:
        return self.request is not None and all(f.ok for f in self.findings)

    def faults(self) -> list[str]:
        return [f"{f.name}: {f.detail}" for f in self.findings if not f.ok]


def parse(pem: str) -> x509.CertificateSigningRequest | None:
    try:
        return x509.load_pem_x509_csr(pem.encode("ascii", "replace"))
    except ValueError:
        return None


def _attribute(request: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> str | None:
    values = request.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def key_description(key: object) -> tuple[bool, str]:
    """Whether a public key meets the whitepaper's minimum, and what it is."""
    if isinstance(key, rsa.RSAPublicKey):
        return key.key_size >= MIN_RSA_BITS, f"RSA {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.curve.key_size >= MIN_EC_BITS, f"EC {key.curve.name} ({key.curve.key_size} bits)"
    return False, f"{type(key).__name__}: neither RSA nor EC"


def check_csr(pem: str, identity: str, cpo_name: str | None) -> CsrCheck:
    """Judge ``pem`` for the station ``identity`` of the CPO ``cpo_name`` (None: the
    station did not report CpoName; the organisation is then only reported)."""
    request = parse(pem)
    if request is None:
        return CsrCheck(None, (CsrFinding("PEM PKCS#10", False, "not a PEM PKCS#10 request"),))
    common_name = _attribute(request, NameOID.COMMON_NAME)
    organisation = _attribute(request, NameOID.ORGANIZATION_NAME)
    key_ok, key_text = key_description(request.public_key())
    findings = [
        CsrFinding("PEM PKCS#10", True, "parsed"),
        CsrFinding(
            "commonName is the identity",
            common_name == identity,
            f"CN={common_name}" + ("" if common_name == identity else f", not {identity}"),
        ),
        CsrFinding(
            "organizationName is CpoName",
            cpo_name is None or organisation == cpo_name,
            f"O={organisation}"
            + ("" if cpo_name is None or organisation == cpo_name else f", not {cpo_name}"),
        ),
        CsrFinding("key type and size", key_ok, key_text),
        CsrFinding(
            "signature valid",
            request.is_signature_valid,
            "verifies" if request.is_signature_valid else "does not verify with its own key",
        ),
    ]
    return CsrCheck(request, tuple(findings))

"""The run's second, wss:// endpoint (Improved security for OCPP 1.6-J: security profiles
2 and 3 beside a ws:// port in the same run), so that a station can be raised from one
profile to the next during a run and the security cases that need profile 2 or 3 reach it.

Its server certificate is issued by the run's CA (``RunAuthority``): a station that has
the CA installed as its CentralSystemRootCertificate (use case M05; the cases install it
before raising the profile) trusts it. Client certificates are asked for, not required,
and verified against the run's CA (and ``--client-ca`` when given) when presented: a
station on profile 3 presents the certificate CertificateSigned gave it (use case A02).
The files are kept in ``OUT/pki/run-N``: ``ca.pem``, ``server.pem`` (chain), ``server.key``.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chargecheck.csms.tls import certificate_hosts, fingerprint, server_context
from chargecheck.security.authority import RunAuthority


@dataclass(frozen=True)
class SecureEndpoint:
    context: ssl.SSLContext
    authority: RunAuthority
    info: dict[str, Any]  # what the run records: certificate, fingerprint, CA file


def secure_endpoint(
    authority: RunAuthority | None,
    directory: Path,
    now: datetime,
    *hosts: str | None,
    client_ca: Path | None = None,
) -> SecureEndpoint:
    """The TLS context of the second endpoint, with the run's CA (``authority``, else one
    made now) saved in ``directory``; the server certificate covers
    ``certificate_hosts(*hosts)``."""
    ca = authority or RunAuthority.create(now)
    ca_path, _ = ca.save(directory)
    chain, key = ca.server_certificate(certificate_hosts(*hosts), now)
    certificate_path, key_path = directory / "server.pem", directory / "server.key"
    certificate_path.write_text(chain, encoding="ascii")
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key)
    context = server_context(certificate_path, key_path)
    context.load_verify_locations(cadata=ca.pem)
    if client_ca is not None:
        context.load_verify_locations(cafile=client_ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    info = {
        "certificate": str(certificate_path),
        "fingerprint_sha256": fingerprint(certificate_path),
        "ca": str(ca_path),
        "client_ca": str(client_ca) if client_ca is not None else None,
    }
    return SecureEndpoint(context, ca, info)

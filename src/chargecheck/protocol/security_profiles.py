"""The security profiles of the OCPP 1.6 security whitepaper (edition 2), section 2:
how a charge station and the Central System authenticate each other.

    0  no security: ``ws://``, no station authentication (the whitepaper has no number
       for it; TLS without a password or client certificate is 0 too: the station is
       not authenticated)
    1  unsecured transport with basic authentication: ``ws://`` + HTTP Basic Auth
    2  TLS with basic authentication: ``wss://`` (the Central System's certificate) +
       HTTP Basic Auth
    3  TLS with client side certificates: ``wss://``, the station proves who it is with
       its certificate (mutual TLS)
"""

from __future__ import annotations

PROFILES = {
    0: "0 (no security: no station authentication)",
    1: "1 (HTTP Basic Auth over ws://)",
    2: "2 (TLS with server certificate + HTTP Basic Auth)",
    3: "3 (TLS with client certificates)",
}


def security_profile(*, tls: bool, password: bool, client_certificates: bool) -> int:
    """The profile a Central System with these settings enforces."""
    if tls and client_certificates:
        return 3
    if tls and password:
        return 2
    return 1 if password and not tls else 0


def profile_text(profile: int | None) -> str:
    """The profile as the report names it (``not recorded`` for a run before TLS)."""
    return PROFILES.get(profile, str(profile)) if profile is not None else "not recorded"

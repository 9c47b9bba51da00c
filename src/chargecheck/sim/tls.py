"""The simulated station's side of TLS (OCPP 1.6 security whitepaper, profiles 2 and 3):
the client context it connects to a ``wss://`` Central System with, and the one line a
failed TLS connection attempt is told in.

The station verifies the Central System's certificate against ``ca_file`` (the system's
trust store without one) and the host name of the URL; with a client certificate and
key it can prove who it is (profile 3).
"""

from __future__ import annotations

import ssl
from pathlib import Path


class TlsOptionError(ValueError):
    """A TLS file of the station cannot be used; the text names it."""


def client_context(
    ca_file: Path | None = None,
    client_cert: Path | None = None,
    client_key: Path | None = None,
) -> ssl.SSLContext:
    """TLS 1.2 or later, the server's certificate and host name verified."""
    for path in (ca_file, client_cert, client_key):
        if path is not None and not Path(path).is_file():
            raise TlsOptionError(f"{path}: no such file")
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TlsOptionError(f"{ca_file}: not PEM CA certificates ({_words(exc)})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if client_cert is not None:
        try:
            context.load_cert_chain(client_cert, client_key)
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise TlsOptionError(
                f"{client_cert}: not a PEM certificate and matching key ({_words(exc)})"
            ) from None
    return context


def _words(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason).lower().replace("_", " ") if reason else str(exc) or type(exc).__name__


def tls_problem(exc: BaseException) -> str | None:
    """One line for a connection attempt that failed in TLS (None: not a TLS failure).

    The TLS error may be the attempt's exception or its cause (websockets wraps a reset
    during the HTTP upgrade: with TLS 1.3 a rejected client certificate shows up there)."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ssl.SSLError):
        seen = seen.__cause__ or seen.__context__
    if isinstance(seen, ssl.SSLCertVerificationError):
        return (
            "TLS: the Central System's certificate did not verify "
            f"({seen.verify_message or _words(seen)}): give its CA with --ca-file"
        )
    if isinstance(seen, ssl.SSLError):
        return f"TLS: the connection failed ({_words(seen)})"
    return None

"""The simulated station's side of TLS (OCPP 1.6 security whitepaper, profiles 2 and 3):
the client context it connects to a ``wss://`` Central System with, and the one line a
failed TLS connection attempt is told in.

The station verifies the Central System's certificate against ``ca_file`` (the system's
trust store without one) and the host name of the URL; with a client certificate and
key it can prove who it is (profile 3).
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from websockets.exceptions import InvalidStatus

if TYPE_CHECKING:
    from chargecheck.sim.security import Security


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


def secured_context(
    base: ssl.SSLContext | None,
    roots: list[str],
    chain: str | None,
    key: str | None,
    cert_file: Path,
) -> ssl.SSLContext:
    """The context of security profile 2 or 3 from what the Central System installed on
    the station (security whitepaper): its CentralSystemRootCertificates (PEM) trusted,
    besides whatever ``base`` (the context the station was started with, if any: it is
    extended) trusts, and, for profile 3, the chain CertificateSigned gave with the
    station's key, written to ``cert_file`` (the ssl module loads a client certificate
    from a file only)."""
    if base is None:
        context = ssl.create_default_context(cadata="".join(roots))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    else:
        context = base
        if roots:
            context.load_verify_locations(cadata="".join(roots))
    if chain is not None and key is not None:
        cert_file.write_text(chain + key)
        cert_file.chmod(0o600)
        context.load_cert_chain(cert_file)
    return context


def secured_connection(
    model: Security, url: str, tls: ssl.SSLContext | None, secure_url: str, cert_file: Path
) -> tuple[str, ssl.SSLContext | None]:
    """The URL and TLS context of the next connection: those the station was started
    with (``url``, ``tls``), or, once the Central System raised its SecurityProfile to 2
    or 3 (security whitepaper), ``secure_url`` trusting the CentralSystemRootCertificates
    installed on the station and (profile 3) presenting the client certificate
    CertificateSigned gave it."""
    if model.security_profile < 2:
        return url, tls
    roots = model.installed("CentralSystemRootCertificate")
    chain = model.client_chain if model.security_profile == 3 else None
    if not roots and (chain is None or tls is None):
        return url, tls
    return secure_url, secured_context(tls, roots, chain, model.private_key, cert_file)


def basic_header(identity: str, password: str | None) -> dict[str, str]:
    """HTTP Basic Auth of ``identity`` (the user) with ``password``; none without one."""
    if password is None:
        return {}
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def basic_auth(model: Security | None, started: dict[str, str]) -> dict[str, str]:
    """The Authorization header: Basic Auth with the AuthorizationKey the Central
    System set (security whitepaper), else the one the station was ``started`` with."""
    key = None if model is None else model.authorization_key
    if model is None or key is None:
        return started
    return basic_header(model.settings.identity, key)


def failure_event(exc: BaseException) -> tuple[str, str] | None:
    """The security event (the whitepaper's SecurityEventNotification: type, techInfo) a
    failed connection attempt is, if any: HTTP 401 FailedToAuthenticateAtCentralSystem, a
    server certificate that does not verify InvalidCentralSystemCertificate."""
    if isinstance(exc, InvalidStatus) and exc.response.status_code == 401:
        return "FailedToAuthenticateAtCentralSystem", "HTTP 401 at the WebSocket upgrade"
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ssl.SSLCertVerificationError):
        seen = seen.__cause__ or seen.__context__
    if isinstance(seen, ssl.SSLCertVerificationError):
        return "InvalidCentralSystemCertificate", str(seen.verify_message or seen)
    return None


def station_url(url: str, identity: str) -> str:
    """``url`` if its last path segment is already ``identity``, else ``url/identity``."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and unquote(segments[-1]) == identity:
        return url
    return url.rstrip("/") + "/" + quote(identity, safe="")


def connection_target(
    model: Security | None,
    url: str,
    tls: ssl.SSLContext | None,
    secure_url: str,
    cert_file: Path,
    headers: dict[str, str],
) -> tuple[str, dict[str, Any]]:
    """The URL of the station's next connection attempt and its ``connect`` options (TLS
    context, Authorization header): ``secured_connection`` and ``basic_auth`` for a
    running station, what it was started with while it reboots (``model`` None)."""
    if model is not None:
        url, tls = secured_connection(model, url, tls, secure_url, cert_file)
    options: dict[str, Any] = {"additional_headers": basic_auth(model, headers)}
    if tls is not None:
        options["ssl"] = tls
    return url, options


def tls_url(url: str) -> str:
    """``url`` with the scheme wss: a station raised to profile 2 or 3 keeps its Central
    System's address and speaks TLS to it."""
    return "wss://" + url.removeprefix("ws://") if url.startswith("ws://") else url


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

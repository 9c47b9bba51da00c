"""What the security cases share (Improved security for OCPP 1.6-J, edition 3: "the
whitepaper"): the guard that a station implements the extension, the run's CA, the facts
of the run's connection (password, TLS, client certificates), the certificate renewal
flow of use case A02 and certificate installation (use case M05).

A station implements the extension when GetConfiguration reports ``SecurityProfile``
(the whitepaper's configuration keys); one that does not gets NOT TESTED on every
security case, never FAIL.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from cryptography import x509

from chargecheck.csms.errors import NotConnected, SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import (
    CaseRun,
    CatalogueCase,
    arrives,
    ask,
    call_quietly,
    case,
    not_tested,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import configuration, configuration_read
from chargecheck.security.authority import RunAuthority, certificate_pem, hash_data, matches
from chargecheck.security.csr import CsrCheck, check_csr

WHITEPAPER = "Improved security for OCPP 1.6-J"
EXTENSION = "the station implements the security extension"
SIGN_REQUEST = "SignCertificate.req follows (whitepaper A02 SHALL)"
SecurityRun = Callable[[CaseContext, int], Any]


def security_case(
    id: str,  # noqa: A002 - the case's id, as the pack names it
    title: str,
    section: str,
    criteria: str,
    profile: str = "Core",
) -> Callable[[SecurityRun], CatalogueCase]:
    """``case``, guarded also by the extension: the body gets the station's
    SecurityProfile."""

    def make(body: SecurityRun) -> CatalogueCase:
        async def run(ctx: CaseContext) -> str:
            level = await security_profile(ctx)
            if level is None:
                return ""
            said: str = await body(ctx, level)
            return said

        run.__name__, run.__doc__ = body.__name__, body.__doc__
        guarded: CaseRun = run
        return case(id, title, section, criteria, profile)(guarded)

    return make


async def security_profile(ctx: CaseContext) -> int | None:
    """The station's SecurityProfile (0..3); None: it does not report the key (NOT TESTED)."""
    value, evidence = await configuration_read(ctx, "SecurityProfile")
    if value is None:
        not_tested(
            ctx,
            EXTENSION,
            "GetConfiguration reports no SecurityProfile key: the station does not implement "
            f"the OCPP 1.6 security extension ({WHITEPAPER})",
            evidence,
        )
        return None
    try:
        level = int(value)
    except ValueError:
        level = -1
    if level not in range(4):
        not_tested(ctx, EXTENSION, f"SecurityProfile is {value!r}, not 0..3", evidence)
        return None
    return level


def authority(ctx: CaseContext) -> RunAuthority:
    """The run's CA: the user's (``--ca-cert/--ca-key``), else one made for the run."""
    if ctx.known.authority is None:
        ctx.known.authority = RunAuthority.create(ctx.session.clock.utc())
        if ctx.known.pki is not None:
            saved, _ = ctx.known.authority.save(ctx.known.pki)
            ctx.say(f"  the run's CA: {saved}")
    made: RunAuthority = ctx.known.authority
    return made


# -- the run's connection ------------------------------------------------------------------


def run_password(ctx: CaseContext) -> str | None:
    """The password the bench requires of this station (security profiles 1 and 2)."""
    if ctx.central is None:
        return None
    passwords = ctx.central.settings.passwords
    return passwords.get(ctx.session.identity, passwords.get("*"))


def run_tls(ctx: CaseContext) -> ssl.SSLContext | None:
    return ctx.central.settings.tls if ctx.central is not None else None


async def reconnected(ctx: CaseContext, name: str, reason: str, rule: str = "") -> bool:
    """The bench closes the connection and the station connects again (within a boot and a
    connect). One refused for its credentials meanwhile FAILs ``name`` quoting ``rule``;
    one that does not come back otherwise is NOT TESTED on ``name``: the whitepaper has no
    SHALL on how soon it reconnects."""
    before = ctx.session.connections
    refusals = ctx.central.refusals if ctx.central is not None else []
    seen = len(refusals)
    ctx.say(f"  the bench closes the connection: {reason}")
    await ctx.session.disconnect(1000, f"chargecheck: {reason}")
    wait = ctx.settings.timeouts.reboot + ctx.settings.timeouts.connect
    try:
        await ctx.session.wait_connected(wait)
    except NotConnected as exc:
        mine = [r for r in refusals[seen:] if r[0] == ctx.session.identity and r[1] == 401]
        if mine and rule:
            ctx.check(False, name, f"refused {len(mine)} time(s): {mine[-1][2]}; {rule}")
        else:
            not_tested(ctx, name, f"the station did not connect again: {exc}")
        return False
    return ctx.session.connections > before


# -- use case A02: the Charge Point's certificate, by request of the Central System --------


async def certificate_requested(ctx: CaseContext, name: str) -> tuple[Message, CsrCheck] | None:
    """ExtendedTriggerMessage SignChargePointCertificate (Accepted, else NOT TESTED: the
    station may refuse), then the SignCertificate.req it leads to, answered Accepted when
    its CSR meets the whitepaper's certificate properties, else Rejected;
    the CSR judged on ``name`` (FAIL: a property it breaks)."""
    cpo_name = await configuration(ctx, "CpoName")
    identity = ctx.session.identity

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        fit = check_csr(str(payload.get("csr", "")), identity, cpo_name).ok
        return {"status": "Accepted" if fit else "Rejected"}

    with ctx.session.answers.override("SignCertificate", answer):
        cursor = ctx.mark()
        trigger = "ExtendedTriggerMessage SignChargePointCertificate is Accepted"
        result = await ask(
            ctx,
            trigger,
            "ExtendedTriggerMessage",
            {"requestedMessage": "SignChargePointCertificate"},
        )
        if result is None:
            return None
        evidence = (result.call_entry_id, result.entry_id)
        if result.get("status") != "Accepted":
            said = f"answered {result.get('status')}: the station may refuse a trigger"
            not_tested(ctx, trigger, said, evidence)
            return None
        ctx.check(True, trigger, "Accepted", evidence)
        request = await arrives(
            ctx,
            SIGN_REQUEST,
            "SignCertificate",
            None,
            cursor,
        )
    if request is None:
        return None
    ctx.check(True, SIGN_REQUEST, "received", (request.entry_id,))
    check = check_csr(str(request.payload.get("csr", "")), identity, cpo_name)
    faults = check.faults()
    ctx.check(
        not faults,
        name,
        ", ".join(f.detail for f in check.findings)
        if not faults
        else "; ".join(faults) + f" ({WHITEPAPER}, certificate properties: they SHALL hold)",
        (request.entry_id,),
    )
    return (request, check) if not faults else None


async def certificate_signed(
    ctx: CaseContext, name: str, chain: str, wanted: str, rule: str
) -> Result | None:
    """CertificateSigned.req with ``chain``; ``name`` PASSes on ``wanted``, else FAILs
    quoting ``rule``."""
    result = await ask(ctx, name, "CertificateSigned", {"certificateChain": chain})
    if result is None:
        return None
    got = result.get("status")
    detail = f"answered {got}" + ("" if got == wanted else f", not {wanted}: {rule}")
    ctx.check(got == wanted, name, detail, (result.call_entry_id, result.entry_id))
    return result


async def security_event(
    ctx: CaseContext, name: str, kind: str, cursor: Cursor, rule: str
) -> Message | None:
    """SecurityEventNotification of ``kind`` since ``cursor`` (none in time FAILs ``name``
    quoting ``rule``)."""
    event = await arrives(
        ctx,
        f"{name} ({rule})",
        "SecurityEventNotification",
        lambda p: p.get("type") == kind,
        cursor,
    )
    if event is not None:
        ctx.check(True, f"{name} ({rule})", f"type {kind}", (event.entry_id,))
    return event


# -- use cases M03..M05: installed certificates -------------------------------------------


async def install(ctx: CaseContext, name: str, kind: str, certificate: x509.Certificate) -> bool:
    """InstallCertificate of a valid ``certificate`` as ``kind``: Accepted PASSes ``name``;
    Failed is NOT TESTED (the store may be full: CertificateStoreMaxLength); Rejected FAILs
    (whitepaper M05: Rejected is for a certificate that is not valid)."""
    payload = {"certificateType": kind, "certificate": certificate_pem(certificate)}
    result = await ask(ctx, name, "InstallCertificate", payload)
    if result is None:
        return False
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got == "Failed":
        not_tested(
            ctx,
            name,
            "answered Failed: the store may be full (CertificateStoreMaxLength)",
            evidence,
        )
        return False
    rule = f"a valid certificate; {WHITEPAPER} M05: Rejected only when it is not valid"
    return ctx.check(
        got == "Accepted",
        name,
        f"answered {got}" + ("" if got == "Accepted" else f": {rule}"),
        evidence,
    )


async def installed(
    ctx: CaseContext, name: str, kind: str, certificate: x509.Certificate
) -> tuple[dict[str, Any] | None, tuple[int, ...]] | None:
    """The CertificateHashData by which GetInstalledCertificateIds of ``kind`` lists
    ``certificate`` (None: not listed; NotFound lists nothing), with the journal ids of
    the call and its result; None: no answer, ``name`` FAILed."""
    result = await ask(ctx, name, "GetInstalledCertificateIds", {"certificateType": kind})
    if result is None:
        return None
    listed = result.get("certificateHashData") or []
    found = next((e for e in listed if isinstance(e, dict) and matches(e, certificate)), None)
    return found, (result.call_entry_id, result.entry_id)


async def delete_quietly(ctx: CaseContext, certificate: x509.Certificate) -> None:
    """Clean-up: DeleteCertificate of ``certificate`` by the hash data the station lists it
    with (else the bench's), its answer not judged."""
    entry = None
    for kind in ("CentralSystemRootCertificate", "ManufacturerRootCertificate"):
        with suppress(SessionError):
            result = await ctx.session.call(
                "GetInstalledCertificateIds", {"certificateType": kind}, ctx.settings.timeouts.call
            )
            listed = result.get("certificateHashData") or []
            entry = entry or next(
                (e for e in listed if isinstance(e, dict) and matches(e, certificate)), None
            )
    payload = {"certificateHashData": entry or hash_data(certificate)}
    await call_quietly(ctx, "DeleteCertificate", payload)

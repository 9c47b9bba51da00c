# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Certificates of the OCPP 1.6 security extension ("Improved security for OCPP 1.6-J",
edition 3, the whitepaper): the Charge Point's certificate renewed by request of the
Central System (use case A02), root certificates installed, listed and deleted (M05, M03,
M04), and invalid certificates refused and reported as security events (the whitepaper's
security events). The run's CA (``security_steps.authority``) signs.

A station that does not report the SecurityProfile key does not implement the extension:
NOT TESTED on every case here.
"""

from __future__ import annotations

import ssl

from chargecheck.script.catalogue.security_files import reported
from chargecheck.script.catalogue.security_levels import at_profile
from chargecheck.script.catalogue.security_steps import (
    WHITEPAPER,
    authority,
    certificate_requested,
    certificate_signed,
    delete_quietly,
    install,
    installed,
    not_tested,
    reconnected,
    security_case,
)
from chargecheck.script.context import CaseContext
from chargecheck.security.authority import (
    certificate_pem,
    foreign_chain,
    hash_data,
    root_certificate,
)

MANUFACTURER = "ManufacturerRootCertificate"
CENTRAL_SYSTEM = "CentralSystemRootCertificate"
CSR = "the CSR meets the certificate properties (whitepaper, certificate properties SHALL)"


@security_case(
    "TC_074_CS",
    "Update Charge Point Certificate by request of Central System",
    "whitepaper A02, certificate properties",
    """
ExtendedTriggerMessage SignChargePointCertificate is Accepted (a refusal is NOT TESTED), and a SignCertificate.req follows (whitepaper A02 SHALL)
Its CSR is a PEM PKCS#10 request with CN = the identity, O = CpoName, an RSA >= 2048 or EC >= 256 bit key and a valid signature (whitepaper, certificate properties SHALL)
CertificateSigned with the chain the run's CA signed is Accepted (whitepaper A02: the Charge Point SHALL verify it; it is valid)
The station connects again on SecurityProfile 3 with the new certificate (whitepaper A02): one below 3 is raised to it over OCPP (the run's CA installed as CentralSystemRootCertificate, the run's wss:// endpoint: chargecheck run --secure-port, or --tls --client-ca; not reached: NOT TESTED)""",
)
async def certificate_renewed(ctx: CaseContext, level: int) -> str:
    requested = await certificate_requested(ctx, CSR)
    if requested is None:
        return ""
    _, check = requested
    assert check.request is not None
    ca = authority(ctx)
    chain = ca.sign_request(check.request, ctx.session.clock.utc())
    accepted = "CertificateSigned with a valid chain is Accepted (whitepaper A02)"
    rule = f"{WHITEPAPER} A02: the chain is valid, from the Central System's CA"
    result = await certificate_signed(ctx, accepted, chain, "Accepted", rule)
    if result is None or result.get("status") != "Accepted":
        return ""
    ctx.known.certified = True
    name = "the station reconnects with the new certificate (whitepaper A02, profile 3)"
    if level < 3:  # raised to 3 over OCPP: it connects again, with the new certificate
        if not await at_profile(ctx, level, (3,), name):
            return ""
    else:
        tls = ctx.central.settings.tls if ctx.central is not None else None
        if tls is not None and tls.verify_mode == ssl.CERT_REQUIRED:
            tls.load_verify_locations(cadata=ca.pem)  # the new certificate is the run CA's
        if not await reconnected(ctx, name, "reconnect with the new certificate"):
            return ""
    subject = (ctx.session.connect_detail.get("tls") or {}).get("client_subject")
    ok = subject is not None and f"CN={ctx.session.identity}" in subject.split(", ")
    ctx.check(ok, name, f"client certificate {subject}", (ctx.session.connect_entry_id,))
    return "OK, certificate renewed" if ok else ""


async def _installed_and_listed(ctx: CaseContext, kind: str, keep: bool) -> str:
    certificate, _ = root_certificate(f"chargecheck {kind}", ctx.session.clock.utc())
    if kind == MANUFACTURER and keep:
        certificate = authority(ctx).certificate  # signed firmware rests on it (L01)
    if not await install(
        ctx, f"InstallCertificate {kind} is Accepted (whitepaper M05)", kind, certificate
    ):
        return ""
    name = f"GetInstalledCertificateIds {kind} lists it (whitepaper M03 SHALL)"
    seen = await installed(ctx, name, kind, certificate)
    if seen is None:
        return ""
    entry, evidence = seen
    listed = entry is not None
    ctx.check(
        listed,
        name,
        f"listed, serial {hash_data(certificate)['serialNumber']}"
        if listed
        else f"the certificate just installed is not in certificateHashData; {WHITEPAPER} M03: SHALL report the installed certificates",
        evidence,
    )
    other = CENTRAL_SYSTEM if kind == MANUFACTURER else MANUFACTURER
    if other == CENTRAL_SYSTEM and certificate.serial_number in ctx.known.central_roots:
        ctx.say(f"  the bench installed this certificate as {other} too: not asked apart")
        return "OK, installed and listed" if listed else ""
    apart = f"GetInstalledCertificateIds {other} does not list it (whitepaper M03 SHALL)"
    seen = await installed(ctx, apart, other, certificate)
    if seen is not None:
        wrong, listing = seen[0] is not None, seen[1]
        ctx.check(
            not wrong,
            apart,
            "not listed"
            if not wrong
            else f"a {kind} listed as {other}; {WHITEPAPER} M03: SHALL list the type asked for",
            listing,
        )
    if not keep:
        await delete_quietly(ctx, certificate)
    return "OK, installed and listed" if listed and seen is not None and seen[0] is None else ""


@security_case(
    "TC_075_1_CS",
    "Install a certificate on the Charge Point - ManufacturerRootCertificate",
    "whitepaper M05, M03",
    """
InstallCertificate ManufacturerRootCertificate (the run's CA) is Accepted (whitepaper M05; Failed, a full store, is NOT TESTED; Rejected of a valid certificate FAILs)
GetInstalledCertificateIds ManufacturerRootCertificate lists it by its SHA256 hash data, and CentralSystemRootCertificate does not (whitepaper M03 SHALL)""",
)
async def manufacturer_root(ctx: CaseContext, level: int) -> str:
    return await _installed_and_listed(ctx, MANUFACTURER, keep=True)


@security_case(
    "TC_075_2_CS",
    "Install a certificate on the Charge Point - CentralSystemRootCertificate",
    "whitepaper M05, M03",
    """
InstallCertificate CentralSystemRootCertificate (a root made for the case) is Accepted (whitepaper M05; Failed, a full store, is NOT TESTED; Rejected of a valid certificate FAILs)
GetInstalledCertificateIds CentralSystemRootCertificate lists it by its SHA256 hash data, and ManufacturerRootCertificate does not (whitepaper M03 SHALL); the bench deletes it afterwards""",
)
async def central_system_root(ctx: CaseContext, level: int) -> str:
    return await _installed_and_listed(ctx, CENTRAL_SYSTEM, keep=False)


@security_case(
    "TC_076_CS",
    "Delete a specific certificate from the Charge Point",
    "whitepaper M04, M03",
    """
A root made for the case is installed as ManufacturerRootCertificate (not Accepted: NOT TESTED) and listed (whitepaper M03 SHALL)
DeleteCertificate with the hash data it is listed by is Accepted (whitepaper M04 SHALL delete it and answer Accepted; Failed is NOT TESTED)
GetInstalledCertificateIds no longer lists it (whitepaper M04, M03), and a second DeleteCertificate of it is NotFound (whitepaper M04 SHALL)""",
)
async def certificate_deleted(ctx: CaseContext, level: int) -> str:
    certificate, _ = root_certificate("chargecheck to delete", ctx.session.clock.utc())
    if not await install(
        ctx,
        f"InstallCertificate {MANUFACTURER} is Accepted (whitepaper M05)",
        MANUFACTURER,
        certificate,
    ):
        return ""
    listing_name = f"GetInstalledCertificateIds {MANUFACTURER} lists it (whitepaper M03 SHALL)"
    seen = await installed(ctx, listing_name, MANUFACTURER, certificate)
    if seen is None:
        return ""
    entry, evidence = seen
    ctx.check(
        entry is not None,
        listing_name,
        "listed" if entry is not None else f"not listed; {WHITEPAPER} M03: SHALL list it",
        evidence,
    )
    if entry is None:
        await delete_quietly(ctx, certificate)
        return ""
    # The station's own hash data: the whitepaper does not say over which encoding of the
    # issuer's key issuerKeyHash is taken.
    payload = {"certificateHashData": entry}
    name = "DeleteCertificate is Accepted (whitepaper M04)"
    result = await ctx.attempt(name, ctx.call("DeleteCertificate", payload))
    if result is None:
        return ""
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got == "Failed":
        not_tested(ctx, name, "answered Failed: the station could not delete it", evidence)
        return ""
    rule = f"the certificate was just installed; {WHITEPAPER} M04: SHALL delete it"
    if not ctx.check(
        got == "Accepted",
        name,
        f"answered {got}" + ("" if got == "Accepted" else f": {rule}"),
        evidence,
    ):
        return ""
    gone = "GetInstalledCertificateIds no longer lists it (whitepaper M04)"
    seen = await installed(ctx, gone, MANUFACTURER, certificate)
    if seen is None:
        return ""
    listed, listing = seen[0] is not None, seen[1]
    ctx.check(
        not listed,
        gone,
        "not listed"
        if not listed
        else f"still listed after Accepted; {WHITEPAPER} M04: SHALL delete it",
        listing,
    )
    again = "DeleteCertificate of it again is NotFound (whitepaper M04 SHALL)"
    result = await ctx.attempt(again, ctx.call("DeleteCertificate", payload))
    if result is None:
        return ""
    got = result.get("status")
    ctx.check(
        got == "NotFound",
        again,
        f"answered {got}"
        + ("" if got == "NotFound" else f": it is gone; {WHITEPAPER} M04: SHALL answer NotFound"),
        (result.call_entry_id, result.entry_id),
    )
    return "OK, deleted" if not listed and got == "NotFound" else ""


@security_case(
    "TC_077_CS",
    "Invalid ChargePointCertificate Security Event",
    "whitepaper A02, A04",
    """
The station sends a SignCertificate.req on ExtendedTriggerMessage (as TC_074_CS; a refusal is NOT TESTED)
CertificateSigned with a chain from a CA the station never knew is Rejected (whitepaper A02: the Charge Point SHALL verify the certificate and reject an invalid one)
The security event InvalidChargePointCertificate is sent, or is in the security log GetLog SecurityLog uploads (whitepaper A04: it is not critical, so it need not be sent, and every event SHALL be logged); neither, the log's format being the station's, is NOT TESTED""",
)
async def invalid_charge_point_certificate(ctx: CaseContext, level: int) -> str:
    requested = await certificate_requested(ctx, CSR)
    if requested is None:
        return ""
    _, check = requested
    assert check.request is not None
    cursor = ctx.mark()
    rule = f"the chain is not from the Central System's CA; {WHITEPAPER} A02: SHALL reject it"
    name = "CertificateSigned with an invalid chain is Rejected (whitepaper A02)"
    result = await certificate_signed(
        ctx, name, foreign_chain(ctx.session.identity, ctx.session.clock.utc()), "Rejected", rule
    )
    if result is None:
        return ""
    event = await reported(
        ctx,
        "the security event InvalidChargePointCertificate (whitepaper A04)",
        "InvalidChargePointCertificate",
        cursor,
    )
    return "OK, rejected and reported" if event and result.get("status") == "Rejected" else ""


@security_case(
    "TC_078_CS",
    "Invalid CentralSystemCertificate Security Event",
    "whitepaper M05, A04",
    """
InstallCertificate CentralSystemRootCertificate of an expired certificate is Rejected (whitepaper M05: the Charge Point SHALL verify it and answer Rejected when it is not valid)
The security event InvalidCentralSystemCertificate is sent, or is in the security log GetLog SecurityLog uploads (whitepaper A04: it is not critical, so it need not be sent, and every event SHALL be logged); neither, the log's format being the station's, is NOT TESTED""",
)
async def invalid_central_system_certificate(ctx: CaseContext, level: int) -> str:
    certificate, _ = root_certificate("chargecheck expired root", ctx.session.clock.utc(), days=-1)
    cursor = ctx.mark()
    payload = {"certificateType": CENTRAL_SYSTEM, "certificate": certificate_pem(certificate)}
    name = "InstallCertificate of an expired root is Rejected (whitepaper M05)"
    result = await ctx.attempt(name, ctx.call("InstallCertificate", payload))
    if result is None:
        return ""
    got = result.get("status")
    rule = f"the certificate expired; {WHITEPAPER} M05: SHALL answer Rejected"
    ctx.check(
        got == "Rejected",
        name,
        f"answered {got}" + ("" if got == "Rejected" else f": {rule}"),
        (result.call_entry_id, result.entry_id),
    )
    if got == "Accepted":
        await delete_quietly(ctx, certificate)
    event = await reported(
        ctx,
        "the security event InvalidCentralSystemCertificate (whitepaper A04)",
        "InvalidCentralSystemCertificate",
        cursor,
    )
    return "OK, rejected and reported" if event and got == "Rejected" else ""


CASES = [
    certificate_renewed,
    manufacturer_root,
    central_system_root,
    certificate_deleted,
    invalid_charge_point_certificate,
    invalid_central_system_certificate,
]

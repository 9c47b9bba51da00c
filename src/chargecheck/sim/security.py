"""The station's side of the OCPP 1.6 security extension (security whitepaper, edition 3):
what it keeps and what it sends of its own accord. The answers to the Central System's
security CALLs are ``chargecheck.sim.security_calls``'; the pure certificate work is
``chargecheck.sim.certificates``'.

A station implements the extension when its configuration has the key SecurityProfile
(the variant ``no_security_extension`` removes it, and the security CALLs are then
answered with CALLERROR NotSupported). It keeps, on its flash (``StationStore``):

- its key pair (made at the first need) and the certificate chain CertificateSigned gave it;
- a certificate store per certificateType, each at most CertificateStoreMaxLength long;
- the AuthorizationKey (write-only: GetConfiguration never reports its value);
- its security log: every security event, which GetLog(SecurityLog) uploads.

Security events (use case A04 and the whitepaper's list "Security Events"): every one goes
to the security log (A04.FR.04, N01.FR.05); the critical ones of the list are also told to
the Central System with SecurityEventNotification (A04.FR.01), and so are the few a use
case says to send although the list does not mark them critical (``SENT_ANYWAY``). They
go out as transaction messages do: on disk first, delivered in order after the boot is
Accepted, sent after a reconnection if offline (A04.FR.02). The station raises:

- StartupOfTheDevice at a power-on, ResetOrReboot at a boot after a reboot of its own (a
  Reset, a firmware install): ``boot_security_event``;
- FirmwareUpdated once a firmware is installed (``chargecheck.sim.maintenance``);
- InvalidFirmwareSignature and InvalidFirmwareSigningCertificate (use case L01);
- InvalidChargePointCertificate (A02/A03) and InvalidCentralSystemCertificate (M05, and
  a server certificate that does not verify: ``chargecheck.sim.tls``);
- FailedToAuthenticateAtCentralSystem (HTTP 401 at the WebSocket upgrade);
- ReconfigurationOfSecurityParameters (SecurityProfile, AuthorizationKey changed);
- InvalidMessages for a frame it refuses as malformed, or a result breaking the schema
  (``invalid_message``).

It never sets its clock (the simulator keeps the host's time: BootNotification.conf
currentTime is not applied), so it has no SettingSystemTime to raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chargecheck.protocol.endpoint import Inbound, InboundKind
from chargecheck.protocol.errors import SchemaViolation
from chargecheck.sim import certificates
from chargecheck.sim.actions import CloseConnection
from chargecheck.sim.core import StationCore
from chargecheck.sim.link import Outcome

CERTIFICATE_TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
SECURITY_KEYS = (
    "SecurityProfile",
    "AuthorizationKey",
    "CpoName",
    "CertificateStoreMaxLength",
    "AdditionalRootCertificateCheck",
    "CertificateSignedMaxChainSize",
)
TECH_INFO_CHARS = 255  # SecurityEventNotification.req techInfo: CiString255
# The whitepaper's list "Security Events" (edition 3), its CRITICAL column: "Security events
# that are critical should be pushed to the Central System" (A04.FR.01: SHALL send them).
SECURITY_EVENTS: dict[str, bool] = {
    "FirmwareUpdated": True,
    "FailedToAuthenticateAtCentralSystem": False,
    "CentralSystemFailedToAuthenticate": False,
    "SettingSystemTime": True,
    "StartupOfTheDevice": True,
    "ResetOrReboot": True,
    "SecurityLogWasCleared": True,
    "ReconfigurationOfSecurityParameters": False,
    "MemoryExhaustion": True,
    "InvalidMessages": False,
    "AttemptedReplayAttacks": False,
    "TamperDetectionActivated": True,
    "InvalidFirmwareSignature": False,
    "InvalidFirmwareSigningCertificate": False,
    "InvalidCentralSystemCertificate": False,
    "InvalidChargePointCertificate": False,
    "InvalidTLSVersion": False,
    "InvalidTLSCipherSuite": False,
}
# Not critical by the list, sent all the same, and why.
SENT_ANYWAY: dict[str, str] = {
    "InvalidFirmwareSignature": "L01.FR.03: SHALL send a SecurityEventNotification.req",
    "InvalidFirmwareSigningCertificate": "L01.FR.02: SHALL send a SecurityEventNotification.req",
    # A02.FR.07 / A03.FR.07 only say "trigger" the event (log it) and M05 names none, but
    # the bench's TC_077_CS / TC_078_CS (after OCTT's "Invalid ... Security Event" cases)
    # expect the notification; nothing forbids sending a non-critical event, so it goes.
    "InvalidChargePointCertificate": "the bench's TC_077_CS expects the notification",
    "InvalidCentralSystemCertificate": "the bench's TC_078_CS expects the notification",
}
# Not critical, sent by default (SENT_ANYWAY); the variant certificate_events_logged logs
# them only, as the list allows.
CERTIFICATE_EVENTS = frozenset({"InvalidChargePointCertificate", "InvalidCentralSystemCertificate"})
REBOOT_KEY = "security:reboot"  # on flash: why the station is rebooting, until it is up
UNKNOWN_ACTION_CODES = frozenset({"NotImplemented", "NotSupported"})
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
Change = tuple[str, Callable[[], None] | None]  # a ChangeConfiguration status, follow-up


def sent_to_central_system(kind: str) -> bool:
    """Is security event ``kind`` told to the Central System (not only logged)? Critical
    by the whitepaper's list, or in ``SENT_ANYWAY``; an event the list does not name (a
    vendor's own) is only logged."""
    return SECURITY_EVENTS.get(kind, False) or kind in SENT_ANYWAY


class Security(StationCore):
    # -- does it implement the extension? ------------------------------------------------

    @property
    def implements_security(self) -> bool:
        names = self.config.keys()  # Configuration.keys(): its key names
        return any(name.lower() == "securityprofile" for name in names)

    @property
    def security_profile(self) -> int:
        return self.cfg_int("SecurityProfile", 0)

    def connects_with(self, profile: int) -> None:
        """The shell connects on security ``profile`` (0: none, 1: Basic Auth, 2: TLS):
        SecurityProfile is raised to it (never lowered: a raise the Central System made
        stays)."""
        if self.implements_security and profile > self.security_profile:
            self.config.set_internal("SecurityProfile", str(profile))
            self.save_configuration()

    # -- security events (use case A04, the list "Security Events") ----------------------

    def security_event(self, kind: str, tech_info: str = "") -> None:
        """Log the event in the security log (A04.FR.04: every event, critical or not)
        and, if the station implements the extension and the event is one it sends
        (``sent_to_central_system``), tell the Central System (A04.FR.01; queued while
        offline, A04.FR.02)."""
        events: list[list[str]] = self.store.get("security:events", [])
        events.append([self.now.text, kind, tech_info])
        self.store.put("security:events", events[-1000:])
        sent = sent_to_central_system(kind) and not (
            kind in CERTIFICATE_EVENTS and "certificate_events_logged" in self.variants
        )
        self.log(f"security event {kind}: {tech_info}" + ("" if sent else " (logged only)"))
        if not sent or not self.implements_security or "no_security_events" in self.defects:
            return
        payload: dict[str, Any] = {"type": kind, "timestamp": self.now.text}
        if tech_info:
            payload["techInfo"] = tech_info[:TECH_INFO_CHARS]
        self.link.submit_transaction("SecurityEventNotification", payload, None)

    def boot_security_event(self) -> None:
        """At every power-on: ResetOrReboot ("the Charge Point was rebooted or reset") if
        the station rebooted itself (``note_reboot``: a Reset, a firmware install), else
        StartupOfTheDevice ("the Charge Point has booted"); both critical, so they are
        sent once the BootNotification is Accepted (OCPP 1.6 section 4.2: nothing else
        before), in order with what the queue already holds."""
        reason = self.store.get(REBOOT_KEY) or ("Reset" if self.after_reset else None)
        if reason is not None:
            self.store.put(REBOOT_KEY, None)
            self.security_event("ResetOrReboot", str(reason))
        else:
            self.security_event("StartupOfTheDevice", "power on")

    def note_reboot(self, reason: str) -> None:
        """The station is about to reboot itself: the next power-on is a reboot (kept on
        flash, so that a power cut after it is a startup again)."""
        self.store.put(REBOOT_KEY, reason)

    def security_event_answered(self, outcome: Outcome) -> None:
        """A SecurityEventNotification.req came back. Answered CALLERROR NotImplemented or
        NotSupported (OCPP-J 1.6 section 4.2.3: the Central System does not know or does
        not support the action; the ``ocpp`` package's ChargePoint without a handler
        answers NotImplemented), it is not resent: resending cannot help and would hold
        up the transaction messages behind it. The event stays in the security log."""
        if outcome.error_code in UNKNOWN_ACTION_CODES and not outcome.dropped:
            self.link.give_up(outcome.item)
            self.log(f"SecurityEventNotification not resent: {outcome.failure}")

    def invalid_message(self, inbound: Inbound) -> None:
        """A frame that is not a valid OCPP message (not OCPP-J, or a payload breaking the
        schema): the security event InvalidMessages, logged only (not critical)."""
        malformed = inbound.kind is InboundKind.BAD_FRAME or isinstance(
            inbound.error, SchemaViolation
        )
        if malformed and inbound.error is not None:
            self.security_event("InvalidMessages", str(inbound.error))

    def security_log_file(self) -> bytes:
        lines = [
            "chargecheck simulated charge station: security log",
            f"station: {self.settings.identity}",
            f"written: {self.now.text}",
            "",
        ]
        for utc, kind, info in self.store.get("security:events", []):
            lines.append(f"{utc} {kind}" + (f" {info}" if info else ""))
        return ("\n".join(lines) + "\n").encode()

    def log_file_name(self, log_type: str) -> str:
        stamp = self.now.utc.strftime("%Y%m%dT%H%M%SZ")
        kind = "security" if log_type == "SecurityLog" else "diagnostics"
        return f"{_UNSAFE.sub('_', self.settings.identity)}-{kind}-{stamp}.log"

    # -- its own key and certificate (whitepaper A02, A03) -----------------------------

    @property
    def private_key(self) -> str:
        key = self.store.get("security:key")
        if key is None:
            key = certificates.new_key()
            self.store.put("security:key", key)
        return str(key)

    @property
    def client_chain(self) -> str | None:
        chain = self.store.get("security:chain")
        return None if chain is None else str(chain)

    def certificate_request(self) -> str:
        """The CSR of SignCertificate.req: CN = the identity, O = CpoName."""
        common_name = self.settings.identity
        if "csr_wrong_common_name" in self.defects:
            common_name = f"not-{common_name}"
        organization = self.config.value("CpoName") or "" if self.implements_security else ""
        return certificates.csr(self.private_key, common_name, organization)

    def send_sign_certificate(self) -> None:
        self.link.submit("SignCertificate", {"csr": self.certificate_request()})

    def certificate_signed(self, chain: str) -> str:
        """CertificateSigned.req: Accepted and kept, or Rejected with the security event
        InvalidChargePointCertificate (whitepaper A02.FR.06/A03)."""
        limit = self.cfg_int("CertificateSignedMaxChainSize", 10000)
        problem = (
            f"the chain has {len(chain)} characters, more than {limit}"
            if len(chain) > limit
            else certificates.chain_problem(
                chain, self.private_key, self.settings.identity, self.now.utc
            )
        )
        if problem is not None and "accepts_any_client_certificate" not in self.defects:
            self.security_event("InvalidChargePointCertificate", problem)
            return "Rejected"
        self.store.put("security:chain", chain)
        self.log("new client certificate installed")
        return "Accepted"

    # -- the certificate store (InstallCertificate, DeleteCertificate, ...) -----------

    def installed(self, certificate_type: str) -> list[str]:
        stored: dict[str, list[str]] = self.store.get("security:certificates", {})
        return list(stored.get(certificate_type, []))

    def _put_installed(self, certificate_type: str, pems: list[str]) -> None:
        stored: dict[str, list[str]] = self.store.get("security:certificates", {})
        stored[certificate_type] = pems
        self.store.put("security:certificates", stored)

    def install_certificate(self, certificate_type: str, pem: str) -> str:
        """Accepted, Rejected (not a valid root: a CentralSystemRootCertificate also gives
        the security event InvalidCentralSystemCertificate) or Failed (the store is full,
        CertificateStoreMaxLength)."""
        problem = certificates.root_problem(pem, self.now.utc)
        if problem is not None and "accepts_invalid_root" not in self.defects:
            if certificate_type == "CentralSystemRootCertificate":
                self.security_event("InvalidCentralSystemCertificate", problem)
            return "Rejected"
        wanted = certificates.hash_data(pem)
        pems = self.installed(certificate_type)
        if any(certificates.same_hash(certificates.hash_data(p), wanted) for p in pems):
            return "Accepted"  # already there
        every = sum(len(self.installed(t)) for t in CERTIFICATE_TYPES)
        if every >= self.cfg_int("CertificateStoreMaxLength", 10):
            return "Failed"
        self._put_installed(certificate_type, [*pems, pem])
        self.log(f"{certificate_type} installed: serial {wanted['serialNumber']}")
        return "Accepted"

    def installed_hashes(self, certificate_type: str) -> list[dict[str, str]]:
        types = (
            CERTIFICATE_TYPES
            if "installed_ids_ignore_type" in self.defects
            else (certificate_type,)
        )
        return [certificates.hash_data(p) for t in types for p in self.installed(t)]

    def delete_certificate(self, wanted: dict[str, str]) -> str:
        """Accepted (gone), NotFound, or Failed: the last CentralSystemRootCertificate
        while the station connects over TLS (it could never connect again)."""
        for certificate_type in CERTIFICATE_TYPES:
            pems = self.installed(certificate_type)
            kept = [p for p in pems if not _names(p, wanted)]
            if len(kept) == len(pems):
                continue
            central = certificate_type == "CentralSystemRootCertificate"
            if central and not kept and self.security_profile >= 2:
                return "Failed"
            self._put_installed(certificate_type, kept)
            self.log(f"{certificate_type} deleted: serial {wanted.get('serialNumber')}")
            return "Accepted"
        return "Accepted" if "delete_unknown_certificate_accepted" in self.defects else "NotFound"

    # -- SecurityProfile and AuthorizationKey (whitepaper 1.3, 2.x) ----------------------

    def security_profile_change(self, value: str) -> Change:
        """ChangeConfiguration SecurityProfile: a lower value is Rejected ("the Charge
        Point SHALL NOT allow a downgrade"); a higher one only when the station has what
        it needs (2: a CentralSystemRootCertificate; 3: also its own certificate), and
        then the station reconnects on the new profile once the answer is out."""
        try:
            wanted = int(value)
        except ValueError:
            return "Rejected", None
        current = self.security_profile
        downgrade_ok = "security_profile_downgrade_accepted" in self.defects
        if not 0 <= wanted <= 3 or (wanted < current and not downgrade_ok):
            return "Rejected", None
        if wanted >= 2 and not self.installed("CentralSystemRootCertificate"):
            return "Rejected", None
        if wanted == 3 and self.client_chain is None:
            return "Rejected", None
        self.config.set_internal("SecurityProfile", str(wanted))
        self.save_configuration()
        self.security_event("ReconfigurationOfSecurityParameters", f"SecurityProfile {wanted}")
        return "Accepted", (self.reconnect if wanted != current else None)

    def authorization_key_change(self, value: str) -> Change:
        """ChangeConfiguration AuthorizationKey: kept apart from the configuration, so that
        GetConfiguration never reports it (whitepaper: write-only); the station reconnects
        with it as its Basic Auth password once the answer is out."""
        if not 16 <= len(value) <= 40:
            return "Rejected", None
        self.store.put("security:authorization_key", value)
        self.security_event("ReconfigurationOfSecurityParameters", "AuthorizationKey changed")
        return "Accepted", self.reconnect

    def reconnect(self) -> None:
        self.actions.append(CloseConnection("security parameters changed: reconnecting"))

    @property
    def authorization_key(self) -> str | None:
        key = self.store.get("security:authorization_key")
        return None if key is None else str(key)


def _names(pem: str, wanted: dict[str, str]) -> bool:
    """Is ``pem`` the certificate CertificateHashData ``wanted`` names?"""
    return certificates.same_hash(certificates.hash_data(pem), wanted)

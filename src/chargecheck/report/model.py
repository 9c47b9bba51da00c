"""What every report renders from: one finished run, loaded from the journal alone.

``load_run(journal, run_id)`` reads the run's info, its verdict and finding records and
every journal entry, and returns a ``RunReport`` value. Nothing else is consulted, so a
report can be regenerated at any time after the run.

Frames are re-read from their raw text: the Central System leaves the ``action`` and
``unique_id`` columns of a ``frame_in`` empty, and a CALLRESULT carries no action at all
(OCPP-J 1.6 section 4.2.2), so each reply is paired with the CALL of the same UniqueId
sent the other way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from chargecheck import __version__
from chargecheck.journal.store import FRAME_IN, FRAME_OUT, Entry, Journal, RunInfo
from chargecheck.protocol import Call, CallError, CallResult, FrameError, decode_frame
from chargecheck.protocol.versions import BY_SUBPROTOCOL
from chargecheck.script.packs import DEFAULT_PACK, SEED_HEADER, SEED_TITLE
from chargecheck.script.verdict import Outcome, Verdict, combine

# The order of the report's summary and of its colours.
OUTCOMES = (Outcome.PASS, Outcome.FAIL, Outcome.NOT_TESTED, Outcome.ERROR)

# FindingView severities, most serious first (``chargecheck.conformance``).
SEVERITIES = ("violation", "warning", "note")


_MESSAGE_TYPES = {CallResult: "CALLRESULT", CallError: "CALLERROR", Call: "CALL"}
_DIRECTIONS = {FRAME_IN: "in", FRAME_OUT: "out"}


class ReportError(Exception):
    """The run cannot be reported: it does not exist or its records are unreadable."""


@dataclass(frozen=True)
class LogEntry:
    """One journal entry as the reports show it: a frame (decoded) or an event."""

    id: int
    utc: str
    kind: str  # frame_in, frame_out, or an event kind (connect, close, bad_frame, ...)
    station: str | None = None
    raw: str | None = None
    direction: str | None = None  # "in": station -> bench, "out": bench -> station
    message_type: str | None = None  # CALL, CALLRESULT, CALLERROR; None if undecodable
    unique_id: str | None = None
    action: str | None = None  # for a reply: the action of the CALL it answers
    payload: dict[str, Any] | None = None
    error_code: str | None = None  # of a CALLERROR
    decode_error: str | None = None  # why the raw text is not an OCPP-J frame
    partner: int | None = None  # the CALL of a reply, the reply of a CALL
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def is_frame(self) -> bool:
        return self.direction is not None


@dataclass(frozen=True)
class StationIdentity:
    """Who was tested: the charge point identity, its BootNotification values and the
    OCPP version it connected with."""

    identity: str
    vendor: str = ""
    model: str = ""
    serial_number: str = ""
    firmware_version: str = ""
    boot: dict[str, Any] = field(default_factory=dict)  # the BootNotification.req as sent
    ocpp_version: str = ""  # "1.6", "2.0.1" (``ocpp_version``); "": no connection recorded


@dataclass(frozen=True)
class FindingView:
    """A conformance finding as the reports show it, whatever keys its record used
    (``chargecheck.conformance.Finding`` is the value the checks produce)."""

    severity: str
    rule: str
    title: str
    message: str
    station: str = ""
    evidence: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # any other keys, kept for JSON


@dataclass(frozen=True)
class Refusal:
    """A connection the bench refused (a ``refuse`` journal entry): wrong password, an
    untrusted client certificate, plain ws:// to a wss:// bench, a failed handshake."""

    entry: int
    remote: str
    reason: str
    station: str | None = None


@dataclass(frozen=True)
class SecurityEvent:
    """A SecurityEventNotification the station sent (the OCPP 1.6 security extension)."""

    entry: int
    type: str
    timestamp: str
    tech_info: str = ""


@dataclass(frozen=True)
class ConnectionSecurity:
    """How the station was connected: the security profile the bench enforced (OCPP 1.6
    security whitepaper; ``chargecheck.csms.tls``), what its TLS connection negotiated, and
    the connections refused during the run."""

    profile: int | None = None  # None: not recorded (a run from before TLS)
    tls_version: str | None = None  # None: ws://
    cipher: str | None = None
    client_subject: str | None = None  # the station's client certificate (profile 3)
    server_fingerprint: str | None = None  # SHA-256 of the certificate the bench served
    refusals: tuple[Refusal, ...] = ()
    events: tuple[SecurityEvent, ...] = ()  # every SecurityEventNotification, in order


@dataclass(frozen=True)
class ScriptInfo:
    """The script pack the run ran (``chargecheck.script.packs``): its name, the report's
    title (with ``{model}``-style fields) and the station fields of the header. A run
    recorded before packs existed ran the seed's script, ``greenflux-2020``."""

    name: str = DEFAULT_PACK
    title: str = SEED_TITLE
    header: tuple[str, ...] = SEED_HEADER


def script_info(info: dict[str, Any]) -> ScriptInfo:
    """The run's script pack as its info recorded it (missing parts: the seed's)."""
    script = info.get("script")
    if not isinstance(script, dict):
        return ScriptInfo()
    header = script.get("header")
    return ScriptInfo(
        name=str(script.get("name") or DEFAULT_PACK),
        title=str(script.get("title") or SEED_TITLE),
        header=tuple(map(str, header)) if isinstance(header, list) else SEED_HEADER,
    )


@dataclass(frozen=True)
class RunReport:
    run_id: int
    kind: str
    started_utc: str
    ended_utc: str | None
    station: StationIdentity
    central_system: str  # "chargecheck 0.1.0"
    bench_version: str
    settings: str
    info: dict[str, Any]
    verdicts: tuple[Verdict, ...]
    findings: tuple[FindingView, ...]
    entries: tuple[LogEntry, ...]
    security: ConnectionSecurity = field(default_factory=ConnectionSecurity)
    script: ScriptInfo = field(default_factory=ScriptInfo)
    _by_id: dict[int, LogEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    @property
    def frames(self) -> list[LogEntry]:
        return [e for e in self.entries if e.is_frame]

    def entry(self, entry_id: int) -> LogEntry | None:
        return self._by_id.get(entry_id)

    def counts(self) -> dict[Outcome, int]:
        """Rows per outcome, every outcome present (zero where none)."""
        counted = Counter(v.outcome for v in self.verdicts)
        return {o: counted.get(o, 0) for o in OUTCOMES}

    @property
    def outcome(self) -> Outcome:
        """The run's outcome: a failed row fails the run; no row at all is an ERROR."""
        return combine([v.outcome for v in self.verdicts])

    def findings_by_severity(self) -> dict[str, list[FindingView]]:
        """Findings grouped by severity, most serious first; unknown severities last."""
        groups: dict[str, list[FindingView]] = {s: [] for s in SEVERITIES}
        for finding in self.findings:
            groups.setdefault(finding.severity, []).append(finding)
        return groups

    def evidence_frames(self, ids: list[int] | tuple[int, ...]) -> list[LogEntry]:
        """The entries with these ids and the CALL or reply each one pairs with."""
        wanted = set(ids)
        for i in ids:
            partner = self._by_id[i].partner if i in self._by_id else None
            if partner is not None:
                wanted.add(partner)
        return [self._by_id[i] for i in sorted(wanted) if i in self._by_id]


# -- loading ------------------------------------------------------------------------


def load_run(journal: Journal, run_id: int) -> RunReport:
    """Everything the reports need about run ``run_id``, from the journal alone."""
    try:
        run = journal.run(run_id)
    except KeyError:
        raise ReportError(f"no run {run_id} in {journal.path}") from None
    verdicts = load_verdicts(journal, run_id)
    findings = tuple(finding_from_record(body) for body in journal.records(run_id, "finding"))
    entries = tuple(log_entries(journal.entries(run_id)))
    central = str(run.info.get("central_system") or f"chargecheck {__version__}")
    station = station_identity(run, verdicts, entries)
    station = replace(station, ocpp_version=ocpp_version(station.identity, entries))
    return RunReport(
        run_id=run.id,
        kind=run.kind,
        started_utc=run.started_utc,
        ended_utc=run.ended_utc,
        station=station,
        central_system=central,
        bench_version=str(run.info.get("bench_version") or central.rpartition(" ")[2]),
        settings=str(run.info.get("settings") or ""),
        info=run.info,
        verdicts=verdicts,
        findings=findings,
        entries=entries,
        security=connection_security(run.info, station.identity, entries),
        script=script_info(run.info),
    )


def connection_security(
    info: dict[str, Any], identity: str, entries: Iterable[LogEntry]
) -> ConnectionSecurity:
    """The profile and certificate from the run info; TLS version, cipher and client
    subject from the station's first connection over TLS; every refusal in the run; every
    security event the station sent."""
    tls: dict[str, Any] = {}
    refusals: list[Refusal] = []
    events: list[SecurityEvent] = []
    for entry in entries:
        if (
            entry.direction == "in"
            and entry.message_type == "CALL"
            and entry.action == "SecurityEventNotification"
            and entry.station in (identity, None)
            and isinstance(entry.payload, dict)
        ):
            payload = entry.payload
            events.append(
                SecurityEvent(
                    entry.id,
                    str(payload.get("type", "")),
                    str(payload.get("timestamp", "")),
                    str(payload.get("techInfo", "")),
                )
            )
        elif entry.kind == "refuse":
            refusals.append(
                Refusal(
                    entry.id,
                    str(entry.detail.get("remote") or "?"),
                    str(entry.detail.get("reason") or ""),
                    entry.station,
                )
            )
        elif entry.kind == "connect" and not tls and entry.station in (identity, None):
            found = entry.detail.get("tls")
            tls = found if isinstance(found, dict) else {}
    profile = info.get("security_profile")
    served = info.get("tls")
    served = served if isinstance(served, dict) else {}
    return ConnectionSecurity(
        profile=profile if isinstance(profile, int) else None,
        tls_version=tls.get("version"),
        cipher=tls.get("cipher"),
        client_subject=tls.get("client_subject"),
        server_fingerprint=served.get("fingerprint_sha256"),
        refusals=tuple(refusals),
        events=tuple(events),
    )


def load_verdicts(journal: Journal, run_id: int) -> tuple[Verdict, ...]:
    """The run's verdicts in the order the run ran them (``--only 7,3,1``: rows 7, 3
    and 1, as the console showed them); ``ReportError`` if a record cannot be read."""
    return tuple(_verdict(body, run_id) for body in journal.records(run_id, "verdict"))


def _verdict(body: dict[str, Any], run_id: int) -> Verdict:
    try:
        return Verdict.from_dict(body)
    except (KeyError, ValueError, TypeError) as exc:
        raise ReportError(
            f"run {run_id} has an unreadable verdict record (row {body.get('row', '?')}): {exc}"
        ) from None


def station_identity(
    run: RunInfo, verdicts: tuple[Verdict, ...], entries: Iterable[LogEntry]
) -> StationIdentity:
    """The station's identity and boot values: from row 1's recorded request, else the
    run info's ``boot``, else the first BootNotification the station sent.

    ``entries`` is read once and only as far as needed, so a lazy iterator over a long
    journal costs only its first frames.
    """
    boot: dict[str, Any] | None = None
    row1 = next((v for v in verdicts if v.row == 1 and v.id == "1"), None)  # the seed's
    if row1 is not None and isinstance(row1.values.get("request"), dict):
        boot = row1.values["request"]
    elif isinstance(run.info.get("boot"), dict):
        boot = run.info["boot"]
    identity = run.station or ""
    for entry in entries:
        if boot is not None and identity:
            break
        identity = identity or entry.station or ""
        if (
            boot is None
            and entry.direction == "in"
            and entry.message_type == "CALL"
            and entry.action == "BootNotification"
        ):
            boot = entry.payload
    boot = boot or {}
    # OCPP 2.0.1 names the station in a ChargingStationType (part 2, BootNotificationRequest).
    named = boot.get("chargingStation")
    if isinstance(named, dict):
        return StationIdentity(
            identity=identity,
            vendor=str(named.get("vendorName", "")),
            model=str(named.get("model", "")),
            serial_number=str(named.get("serialNumber", "")),
            firmware_version=str(named.get("firmwareVersion", "")),
            boot=dict(boot),
        )
    return StationIdentity(
        identity=identity,
        vendor=str(boot.get("chargePointVendor", "")),
        model=str(boot.get("chargePointModel", "")),
        serial_number=str(boot.get("chargePointSerialNumber", "")),
        firmware_version=str(boot.get("firmwareVersion", "")),
        boot=dict(boot),
    )


def ocpp_version(identity: str, entries: Iterable[LogEntry]) -> str:
    """The OCPP version of the station's first connection in the run, by the subprotocol
    its connect entry records ("1.6", "2.0.1"; an unknown subprotocol as written); ""
    if none is recorded."""
    for entry in entries:
        if entry.kind == "connect" and entry.station in (identity, None):
            subprotocol = str(entry.detail.get("subprotocol") or "")
            version = BY_SUBPROTOCOL.get(subprotocol)
            return version.name if version is not None else subprotocol
    return ""


# Where each field of a finding may be found, first match wins. ``chargecheck.conformance``
# stores ``FindingView.to_dict()``: severity, rule, section, text, message, station, entries
# (and ``schema``); the other names keep hand-written or older records readable.
_FINDING_KEYS: dict[str, tuple[str, ...]] = {
    "severity": ("severity", "level"),
    "rule": ("rule", "rule_id", "id"),
    "title": ("title", "rule_text"),
    "text": ("text",),
    "section": ("section",),
    "message": ("message", "detail", "description"),
    "station": ("station", "identity"),
    "evidence": ("entries", "evidence", "entry_ids"),
}
_FINDING_BOOKKEEPING = {"schema", "schema_version", "type"}


def finding_from_record(body: dict[str, Any]) -> FindingView:
    """The one mapping from a stored finding record to what the reports show.

    The title is the rule's wording with its OCPP section, ``text (section)``, as the
    conformance rules table words it.
    """

    def pick(name: str) -> Any:
        return next((body[k] for k in _FINDING_KEYS[name] if body.get(k) not in (None, "")), "")

    used = {k for keys in _FINDING_KEYS.values() for k in keys} | _FINDING_BOOKKEEPING
    evidence = pick("evidence")
    if isinstance(evidence, int):
        evidence = [evidence]
    ids = tuple(int(e) for e in evidence or () if str(e).lstrip("-").isdigit())
    text, section = str(pick("text")), str(pick("section"))
    rule_text = f"{text} ({section})" if text and section else text or section
    return FindingView(
        severity=str(pick("severity") or "note").lower(),
        rule=str(pick("rule")),
        title=str(pick("title") or rule_text),
        message=str(pick("message")),
        station=str(pick("station")),
        evidence=ids,
        extra={k: v for k, v in body.items() if k not in used},
    )


def log_entries(entries: Iterable[Entry]) -> list[LogEntry]:
    """Decode every frame and pair each reply with its CALL (by UniqueId, other way)."""
    out: list[LogEntry] = []
    open_calls: dict[tuple[str, str], int] = {}  # (direction of the CALL, unique id) -> index
    for entry in entries:
        item = decode_entry(entry)
        if item.message_type == "CALL" and item.direction and item.unique_id is not None:
            open_calls[(item.direction, item.unique_id)] = len(out)
        elif item.message_type in ("CALLRESULT", "CALLERROR") and item.unique_id is not None:
            other = "out" if item.direction == "in" else "in"
            at = open_calls.pop((other, item.unique_id), None)
            if at is not None:
                call = out[at]
                out[at] = replace(call, partner=item.id)
                item = replace(item, partner=call.id, action=call.action)
        out.append(item)
    return out


# "scheme://user:password@": the file services' per-run password travels in the
# UpdateFirmware / GetDiagnostics frames; a report never shows it (issue: files).
_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s\"]*:)[^@\s\"/]+@")


def redact_credentials(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(r"\1***@", text)


def decode_entry(entry: Entry) -> LogEntry:
    """One journal entry as the reports show it, its frame decoded but not yet paired.

    Passwords inside URLs are masked before anything is decoded or shown."""
    if entry.raw is not None and "@" in entry.raw:
        entry = replace(entry, raw=redact_credentials(entry.raw))
    direction = _DIRECTIONS.get(entry.kind)
    base = LogEntry(
        id=entry.id,
        utc=entry.utc,
        kind=entry.kind,
        station=entry.station,
        raw=entry.raw,
        direction=direction,
        unique_id=entry.unique_id,
        action=entry.action,
        detail=dict(entry.detail),
    )
    if direction is None or entry.raw is None:
        return base
    try:
        frame = decode_frame(entry.raw)
    except FrameError as exc:
        return replace(base, decode_error=str(exc))
    return replace(
        base,
        message_type=_MESSAGE_TYPES[type(frame)],
        unique_id=frame.unique_id,
        action=frame.action if isinstance(frame, Call) else entry.action,
        payload=frame.payload if isinstance(frame, Call | CallResult) else frame.error_details,
        error_code=frame.error_code if isinstance(frame, CallError) else None,
    )

"""A whole bench run: Central System, file services, the script, verdicts, findings and
reports, journaled in one SQLite file. ``chargecheck run`` and ``chargecheck demo`` both
come through here; the demo adds the simulator and an operator that drives it."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from chargecheck import __version__
from chargecheck.clock import Clock
from chargecheck.csms import Answers, CentralSystem, NotConnected, ServerSettings, Session
from chargecheck.csms.tls import ServerTls
from chargecheck.journal import Journal
from chargecheck.protocol.security_profiles import profile_text, security_profile
from chargecheck.script.context import CaseContext
from chargecheck.script.knowledge import StationKnowledge
from chargecheck.script.operator import EvConnectedOperator, Operator
from chargecheck.script.packs import Pack, load_pack, pack_cases
from chargecheck.script.runner import run_case, select
from chargecheck.script.settings import Settings
from chargecheck.script.verdict import Outcome, Verdict
from chargecheck.web import WebView
from chargecheck.web import live_events as live
from chargecheck.wording import counted


class NoStation(Exception):
    """No station connected in time: nothing was tested (the journal keeps the attempt)."""


STYLE = {
    Outcome.PASS: "green",
    Outcome.FAIL: "red",
    Outcome.NOT_TESTED: "yellow",
    Outcome.ERROR: "magenta",
}


@dataclass
class RunOptions:
    settings: Settings
    out: Path = Path("runs")
    host: str = "127.0.0.1"
    port: int = 9000
    public_host: str | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    tls: ServerTls | None = None  # wss:// (security profiles 2 and 3)
    only: Sequence[str | int] = ()  # row ids (the seed's are its numbers)
    skip: Sequence[str | int] = ()
    script: Pack | None = None  # the script pack (None: the seed's, greenflux-2020)
    firmware: Path | None = None
    # The version the firmware installs: with ``firmware``, what the user says it is;
    # without, the version of a generated image (the simulator's).
    firmware_version: str | None = None
    formats: tuple[str, ...] = ("md", "html", "json", "junit")
    kind: str = "run"
    strict: bool = True  # a violation of the specification fails the run
    show_frames: bool = False  # a line per frame and connection event on the console
    web: WebView | None = None  # the live web view of the run (--web)
    # the CA of the security cases (--ca-cert/--ca-key: a security.authority.RunAuthority);
    # None: one is made for the run when a case first needs it, kept in OUT/pki/run-N
    authority: Any = None
    # a second, wss:// listener for stations raised to profile 2 or 3 (security/endpoint.py):
    # its port (0: any free); None: none
    secure_port: int | None = None


@dataclass
class RunSummary:
    run_id: int
    station: str
    verdicts: list[Verdict]
    reports: dict[str, Path]
    violations: int
    strict: bool = True
    # The bench's own failures outside every row (starting, shutting down, a callback
    # between rows): the rows judged stand, but the run did not end cleanly.
    bench_errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A row failed or errored, or (strict) the trace breaks the specification."""
        rows = any(v.outcome in (Outcome.FAIL, Outcome.ERROR) for v in self.verdicts)
        return rows or (self.strict and self.violations > 0) or bool(self.bench_errors)

    @property
    def exit_code(self) -> int:
        """0: every row passed (or was not tested) and the trace is clean; 1: a row
        FAILED or ERRORED, or the trace breaks the specification; 3: the bench itself
        failed outside the rows (the reports hold the rows judged before)."""
        return 3 if self.bench_errors else 1 if self.failed else 0


Hook = Callable[[CentralSystem, Any], Awaitable[None]]


async def run_bench(
    options: RunOptions,
    operator: Operator,
    console: Console,
    *,
    ready: Hook | None = None,
    clock: Clock | None = None,
) -> RunSummary:
    """Run the script against the first station (or ``settings.station``) to connect.

    ``ready(central, files)`` is awaited once the servers listen (the demo starts its
    simulator there). With ``options.web``, the live view is served from the start of the
    run until after its reports (and its ``linger``)."""
    async with contextlib.AsyncExitStack() as stack:
        return await _run_bench(options, operator, console, ready, clock, stack)


async def _run_bench(
    options: RunOptions,
    operator: Operator,
    console: Console,
    ready: Hook | None,
    clock: Clock | None,
    stack: contextlib.AsyncExitStack,
) -> RunSummary:
    from chargecheck.files import FileServices, journal_sink

    clock = clock or Clock()
    settings = options.settings
    pack = options.script or load_pack()
    cases = select(pack_cases(pack), options.only, options.skip)
    options.out.mkdir(parents=True, exist_ok=True)
    journal = Journal(options.out / "journal.sqlite", clock.utc_text, clock.mono)
    run_id = journal.start_run(
        options.kind,
        settings=settings.name,
        central_system=f"chargecheck {__version__}",
        bench_version=__version__,
        rows=[c.row for c in cases],
        row_ids=[c.id for c in cases],
        script=pack.info(),
        ev_connected=list(settings.ev_connected),
        security_profile=_security_profile(options),
    )
    if settings.ev_connected:
        operator = EvConnectedOperator(operator, settings.ev_connected)
    view = options.web
    if view is not None:
        live.run_started(view.live, run_id, options.kind, pack, cases)
    pki = options.out / "pki" / f"run-{run_id}"
    secure = _secure(journal, run_id, options, pki, clock)
    server = ServerSettings(
        host=options.host,
        port=options.port,
        passwords=dict(options.passwords),
        tls=_tls(journal, run_id, options, console),
        secure=secure.context if secure is not None else None,
        secure_port=options.secure_port or 0,
        preferred_version=options.script.ocpp if options.script is not None else "1.6",
        **settings.limits.server_keys(),
    )
    verdicts: list[Verdict] = []
    bench_errors: list[str] = []
    station = "-"
    try:
        try:
            files = FileServices(
                options.out / "files" / f"run-{run_id}",
                host=options.host,
                public_host=options.public_host,
                on_event=journal_sink(journal, run_id),
            )
            with files:
                firmware = _firmware(files, options)
                central = CentralSystem(
                    journal, server, clock=clock, answers=lambda identity: Answers()
                )
                central.fault_recorder.say = lambda line: console.print(
                    line, markup=False, highlight=False, style="magenta"
                )
                try:
                    async with central:
                        central.run_id = run_id
                        taps = [_frame_printer(console)] if options.show_frames else []
                        if view is not None:
                            taps.append(live.frame_tap(view.live))
                        central.writer.tap = live.all_of(taps)
                        console.print(
                            f"Central System at [bold]{_station_url(central)}[/]; "
                            f"files at {files.where}"
                        )
                        if secure is not None:
                            _secure_printed(central, secure, journal, run_id, console)
                        if view is not None:
                            await stack.enter_async_context(
                                live.served(view, central, journal, run_id, options.out, console)
                            )
                        if ready is not None:
                            await ready(central, files)
                        session = await _station(central, settings, console)
                        station = session.identity
                        await _wait_boot(session, settings)
                        if view is not None:
                            live.station(view.live, session, _security_profile(options))
                        known = StationKnowledge(  # what one row learns, the next knows
                            authority=secure.authority if secure else options.authority,
                            pki=pki,
                        )
                        for case in cases:
                            verdicts.append(
                                await _run_row(
                                    case,
                                    session,
                                    settings,
                                    operator,
                                    central,
                                    files,
                                    firmware,
                                    options,
                                    console,
                                    clock,
                                    known,
                                    view,
                                )
                            )
                            journal.add_record(run_id, "verdict", verdicts[-1].to_dict())
                        _record_station(journal, run_id, session)
                finally:
                    in_rows = {e for v in verdicts for c in v.criteria for e in c.evidence}
                    bench_errors += [f.text for f in central.faults if f.entry_id not in in_rows]
        except NoStation:
            raise
        except Exception as exc:  # the bench's own failure: the rows judged still count
            bench_errors.append(_bench_error(journal, run_id, console, exc))
        finally:
            try:
                journal.end_run(run_id)
            except Exception as exc:  # the rows' verdicts are in; the reports still follow
                bench_errors.append(_bench_error(journal, run_id, console, exc))
        violations = _check(journal, run_id, console, bench_errors)
        reports = _reports(journal, run_id, options, console, bench_errors)
        summary = RunSummary(
            run_id, station, verdicts, reports, violations, options.strict, bench_errors
        )
        closing = _closing(summary)
        console.print(f"[bold]run {run_id}[/]{closing[len(f'run {run_id}') :]}")
        if view is not None:  # the journal stays open: a refused request is journaled
            live.run_ended(view.live, journal, run_id, reports)
            view.live.publish("end", summary=closing)
            await live.linger(view, console)
    finally:
        journal.close()
    return summary


def _closing(summary: RunSummary) -> str:
    """The run's last line: its rows' outcomes, and whether it failed."""
    counts = Counter(str(v.outcome) for v in summary.verdicts)
    tally = ", ".join(f"{counts[str(o)]} {o}" for o in Outcome if counts[str(o)])
    ending = "FAILED" if summary.failed else "no row failed"
    if summary.bench_errors:
        errors = counted(len(summary.bench_errors), "bench error")
        ending = f"the bench failed ({errors} outside the rows)"
    return f"run {summary.run_id}: {counted(len(summary.verdicts), 'row')}, {tally}; {ending}"


async def _station(central: CentralSystem, settings: Settings, console: Console) -> Session:
    console.print("waiting for a station to connect ...")
    try:
        session = await central.wait_for_station(
            settings.station or None, settings.timeouts.connect
        )
    except NotConnected as exc:
        raise NoStation(f"{exc}: point the station at {_station_url(central)}") from None
    console.print(f"station [bold]{session.identity}[/] connected")
    return session


def _security_profile(options: RunOptions) -> int:
    tls = options.tls
    return security_profile(
        tls=tls is not None,
        password=bool(options.passwords),
        client_certificates=tls is not None and tls.client_ca is not None,
    )


def _tls(journal: Journal, run_id: int, options: RunOptions, console: Console) -> Any:
    """The server's TLS context (None: ws://); a certificate made for the run is kept in
    ``OUT/tls/run-N`` and its fingerprint printed for the station's CA setting."""
    from chargecheck.csms.tls import prepare

    if options.tls is None:
        return None
    directory = options.out / "tls" / f"run-{run_id}"
    context, info = prepare(options.tls, directory, options.host, options.public_host)
    journal.update_run(run_id, tls=info)
    made = "self-signed certificate made for this run" if info["self_signed"] else "certificate"
    console.print(
        f"TLS: {made} {info['certificate']}\n"
        f"     SHA-256 fingerprint {info['fingerprint_sha256']}\n"
        f"     security profile {profile_text(_security_profile(options))}",
        markup=False,
        highlight=False,
        soft_wrap=True,  # the fingerprint is copied as one line
    )
    return context


def _secure(journal: Journal, run_id: int, options: RunOptions, pki: Path, clock: Clock) -> Any:
    """The second, wss:// endpoint of ``--secure-port`` (None: the run has none)."""
    if options.secure_port is None:
        return None
    from chargecheck.security.endpoint import secure_endpoint

    client_ca = options.tls.client_ca if options.tls is not None else None
    made = secure_endpoint(
        options.authority,
        pki,
        clock.utc(),
        options.host,
        options.public_host,
        client_ca=client_ca,
    )
    journal.update_run(run_id, secure=made.info)
    return made


def _secure_printed(
    central: CentralSystem, secure: Any, journal: Journal, run_id: int, console: Console
) -> None:
    url = central.secure_url("<identity>")
    journal.update_run(run_id, secure={**secure.info, "url": url})
    console.print(
        f"wss:// also at {url} (security profiles 2 and 3): certificate issued by the run's "
        f"CA {secure.info['ca']}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _station_url(central: CentralSystem) -> str:
    """Where to point a station: a wildcard listen address names no address of its own."""
    from chargecheck.files.addresses import is_wildcard

    if is_wildcard(central.settings.host):
        scheme = "ws" if central.settings.tls is None else "wss"
        return f"{scheme}://<this machine's address>:{central.port}/ocpp/<identity>"
    return central.url("<identity>")


def _bench_error(journal: Journal, run_id: int, console: Console, exc: Exception) -> str:
    """Journal and print (one line) a failure of the bench outside the rows."""
    import traceback

    from chargecheck.csms.faults import fault_text

    text = fault_text({"message": "the bench failed", "exception": exc})
    with contextlib.suppress(Exception):  # a broken journal is itself the failure
        journal.append(
            "bench_error",
            run_id=run_id,
            detail={"error": text, "traceback": "".join(traceback.format_exception(exc))},
        )
        journal.flush()
    console.print(f"chargecheck: {text}", markup=False, highlight=False, style="magenta")
    return text


def _frame_printer(console: Console) -> Callable[[str, dict[str, Any]], None]:
    """One console line per journaled frame or event: what the station and the bench
    say to each other as it happens (passwords in URLs masked)."""
    from chargecheck.report.model import redact_credentials

    arrows = {"frame_in": "<-", "frame_out": "->"}

    def show(kind: str, fields: dict[str, Any]) -> None:
        station = fields.get("station") or "-"
        if kind in arrows:
            text = redact_credentials(str(fields.get("raw", "")))
            line = f"  {station} {arrows[kind]} {text}"
        else:
            detail = fields.get("detail")  # JSON as the journal keeps it: a close code is 1006
            said = json.dumps(detail, ensure_ascii=False, default=str) if detail else ""
            line = f"  {station} .. {kind} {redact_credentials(said)}".rstrip()
        if not console.soft_wrap:  # a terminal: one line of its width; a file or pipe: whole
            line = line[: max(40, console.width - 1)]
        console.print(line, markup=False, highlight=False, style="dim")

    return show


def _new_firmware_version(options: RunOptions) -> str | None:
    """The firmwareVersion the station must boot with after row 12, where known: given,
    or read from a chargecheck image (the simulator's); None for any other file."""
    from chargecheck.protocol.firmware_image import firmware_version

    if options.firmware_version is not None or options.firmware is None:
        return options.firmware_version
    try:
        with options.firmware.open("rb") as image:
            return firmware_version(image.read(1 << 20))  # the manifest is its first line
    except OSError:
        return None


def _firmware(files: Any, options: RunOptions) -> str | None:
    if options.firmware is not None:
        return str(files.add_firmware(options.firmware))
    if options.firmware_version is not None:
        return str(files.make_firmware(options.firmware_version))
    return None


async def _wait_boot(session: Session, settings: Settings) -> None:
    from chargecheck.csms.errors import ExpectTimeout
    from chargecheck.csms.session import Cursor

    with contextlib.suppress(ExpectTimeout):
        await session.expect("BootNotification", timeout=settings.timeouts.boot, cursor=Cursor())


async def _run_row(
    case: Any,
    session: Session,
    settings: Settings,
    operator: Operator,
    central: CentralSystem,
    files: Any,
    firmware: str | None,
    options: RunOptions,
    console: Console,
    clock: Clock,
    known: StationKnowledge,
    view: WebView | None = None,
) -> Verdict:
    console.rule(f"[bold]{case.id}. {case.function}")

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)
        if view is not None:
            view.live.publish("say", row=str(case.id), text=text)

    ctx = CaseContext(
        session,
        settings,
        operator,
        central,
        files.for_station(session),  # its URLs name the address it reached us at
        firmware,
        _new_firmware_version(options),
        say=say,
        known=known,
        live=view.live if view is not None else None,
        row_id=str(case.id),
    )
    if view is not None:
        view.live.publish("row_start", id=str(case.id))
    verdict = await run_case(case, ctx, clock)
    console.print(verdict_line(verdict), highlight=False)
    if view is not None:
        view.live.publish(
            "row_end", id=verdict.id, outcome=str(verdict.outcome), result=verdict.result
        )
    return verdict


def verdict_line(verdict: Verdict) -> str:
    """``PASS OK, received 125 items``, ``FAIL: <criterion>: <detail>``: the outcome in
    its colour, said once (a result that does not pass starts with it), as rich markup."""
    from rich.markup import escape

    from chargecheck.report.text import result_after_outcome

    style, rest = STYLE[verdict.outcome], result_after_outcome(verdict)
    if rest == verdict.result:  # a PASS's "OK, ...": the outcome goes before it
        return f"[{style}]{verdict.outcome}[/] {escape(rest)}".rstrip()
    return f"[{style}]{verdict.outcome}[/]" + (f": {escape(rest)}" if rest else "")


def _record_station(journal: Journal, run_id: int, session: Session) -> None:
    boots = [m for m in session.inbox if m.action == "BootNotification" and m.valid]
    journal.update_run(
        run_id,
        station=session.identity,
        boot=boots[0].payload if boots else {},
        boot_last=boots[-1].payload if boots else {},
    )


def _check(journal: Journal, run_id: int, console: Console, bench_errors: list[str]) -> int:
    from chargecheck.conformance import check, store_findings, summarise

    try:
        findings = check(journal.entries(run_id))
        store_findings(journal, run_id, findings)
    except Exception as exc:  # the reports still get written, without findings
        bench_errors.append(_bench_error(journal, run_id, console, exc))
        return 0
    violations = summarise(findings)["violation"]
    console.print(
        f"findings: {len(findings)} ({counted(violations, 'violation')} of the specification)"
    )
    return violations


def _reports(
    journal: Journal,
    run_id: int,
    options: RunOptions,
    console: Console,
    bench_errors: list[str],
) -> dict[str, Path]:
    """Every format that can be written is (one that fails is a bench error)."""
    from chargecheck.report import write_reports

    written: dict[str, Path] = {}
    for fmt in options.formats:
        try:
            written.update(write_reports(journal, run_id, options.out, [fmt]))
        except Exception as exc:
            bench_errors.append(_bench_error(journal, run_id, console, exc))
            continue
        console.print(f"report ({fmt}): {written[fmt]}")
    return written

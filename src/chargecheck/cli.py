"""The ``chargecheck`` command line: the bench (run, demo), the simulator (simulate), and
past runs (runs, report, check, diff).

A bad option gets one line that says what is wrong and what to do, and exit code 2.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from chargecheck.option_checks import journal_run_id, listen_port
from chargecheck.report.commands import diff_command, report_command, runs_command
from chargecheck.sim.command import simulate
from chargecheck.terminal import is_terminal, output_console
from chargecheck.web.serve_command import serve_command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = output_console()  # one line per event in a file or a pipe; emoji codes off
T = TypeVar("T")

if TYPE_CHECKING:
    from chargecheck.csms.tls import ServerTls
    from chargecheck.script.operator import Operator
    from chargecheck.script.packs import Pack
    from chargecheck.script.settings import Settings
    from chargecheck.web import WebView


@app.callback()
def _root() -> None:
    """chargecheck: OCPP 1.6J acceptance test bench for EV charge stations."""


def usage_error(message: str) -> NoReturn:
    """One line on standard error, exit code 2."""
    print(f"chargecheck: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_rows(text: str, option: str, what: str = "row numbers") -> list[int]:
    """``"6,7"`` -> ``[6, 7]``; anything else is a usage error."""
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        usage_error(f"{option} takes {what} separated by commas, e.g. {option} 1,2")


def parse_ids(text: str, option: str) -> list[str]:
    """``"6,7"`` -> ``["6", "7"]``: row ids of the script pack (the seed's are numbers)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def load_script(source: str | None, option: str = "--script") -> Pack:
    """The script pack (a shipped name or a TOML file), checked whole; a bad one is a
    usage error naming the file and line, before anything starts."""
    from chargecheck.script.packs import PackError, load_pack, renamed

    notice = renamed(source)
    if notice:
        print(f"chargecheck: note: {option}: {notice}", file=sys.stderr)
    try:
        return load_pack(source)
    except PackError as exc:
        usage_error(f"{option}: {exc}")


def select_rows(pack: Pack, only: list[str], skip: list[str]) -> None:
    from chargecheck.script.packs import pack_cases
    from chargecheck.script.runner import SelectionError, select

    try:
        select(pack_cases(pack), only, skip)
    except SelectionError as exc:
        usage_error(f"{exc} of script pack {pack.name} (chargecheck scripts lists the packs)")


_SCRIPT_HELP = (
    "Script pack to run: a shipped pack's name (chargecheck scripts lists them) or a TOML "
    "file (default: greenflux-2020, the seed's 18 rows)."
)


def load_settings(source: str | None) -> Settings:
    from chargecheck.script.settings import SettingsError, load

    try:
        return load(source)
    except SettingsError as exc:
        usage_error(f"{exc} (see chargecheck/script/profiles/bench.toml for every setting)")


@app.command()
def run(
    port: int = typer.Option(
        9000,
        help="Port the Central System listens on (1-65535; 0: any free port, printed).",
        callback=listen_port,
    ),
    host: str = typer.Option(
        "0.0.0.0",
        help="Address the Central System and its FTP/HTTP servers listen on (0.0.0.0: every "
        "IPv4 interface; '::' every IPv6 one).",
    ),
    public_host: str = typer.Option(
        None,
        help="Host written into the FTP/HTTP URLs given to the station (firmware, "
        "diagnostics) instead of the address the station reached the bench at (the default); "
        "for a NAT in between or a DNS name.",
    ),
    station: str = typer.Option(
        None, help="Identity of the station to test (default: the first to connect)."
    ),
    settings: str = typer.Option(None, help="Settings profile name (bench, demo) or TOML file."),
    script: str = typer.Option(None, "--script", help=_SCRIPT_HELP),
    only: str = typer.Option("", help="Rows to run, in this order, by id: e.g. 6,7 or TC_010_CS."),
    skip: str = typer.Option("", help="Rows to leave out, by id, e.g. 10."),
    out: Path = typer.Option(Path("runs"), help="Directory for the journal, files and reports."),
    firmware: Path = typer.Option(None, help="Firmware file the station installs in row 12."),
    firmware_version: str = typer.Option(
        None,
        help="The firmwareVersion the station reports after installing --firmware (row 12 "
        "checks it; without it, only a chargecheck image's version is known).",
    ),
    password: str = typer.Option(
        None,
        help="HTTP Basic Auth password the station must give (security profile 1; with TLS, "
        "profile 2).",
    ),
    tls: bool = typer.Option(
        False,
        "--tls",
        help="Serve wss:// with a self-signed certificate made for the run (kept in "
        "OUT/tls/run-N; its SHA-256 fingerprint is printed for the station's CA setting).",
    ),
    tls_cert: Path = typer.Option(
        None, help="Serve wss:// with this PEM certificate (chain) instead (profile 2 or 3)."
    ),
    tls_key: Path = typer.Option(
        None, help="The PEM private key of --tls-cert (default: inside the --tls-cert file)."
    ),
    client_ca: Path = typer.Option(
        None,
        help="Require client certificates signed by this PEM CA (security profile 3; needs "
        "--tls or --tls-cert).",
    ),
    ca_cert: Path = typer.Option(
        None,
        help="The PEM CA certificate that signs the station's certificate and the firmware "
        "of the security cases (with --ca-key; default: a CA made for the run, kept in "
        "OUT/pki/run-N).",
    ),
    ca_key: Path = typer.Option(None, help="The PEM private key of --ca-cert."),
    secure_port: int = typer.Option(
        None,
        help="Also serve wss:// on this port (0: any free port), for a station raised to "
        "security profile 2 or 3 during the run: its certificate is issued by the run's CA "
        "(--ca-cert, else OUT/pki/run-N/ca.pem), client certificates verified when presented.",
        callback=listen_port,
    ),
    non_interactive: bool = typer.Option(
        False, "--non-interactive", help="Make every physical step NOT TESTED at once."
    ),
    step_command: str = typer.Option(
        None,
        help="Do each physical step by running this program with STEP CONNECTOR [ID_TAG] "
        "appended (exit 0: done), e.g. a lab's EV simulator hook, or "
        "'python -m chargecheck.sim.step --control http://127.0.0.1:8765' for the simulator.",
    ),
    ev_connected: str = typer.Option(
        "",
        help="Connectors with an EV (or EV simulator) connected for the whole run, e.g. 1,2: "
        "steps that only need a car connected there ask nobody.",
    ),
    junit: Path = typer.Option(None, help="Also write the JUnit XML report to this path."),
    quiet: bool = typer.Option(False, "--quiet", help="No line per message, only rows."),
    lenient: bool = typer.Option(
        False,
        "--lenient",
        help="Protocol violations found in the trace do not fail the run (rows still do).",
    ),
    web: str = typer.Option(
        None,
        "--web",
        help="Serve a live view of the run at [ADDR:]PORT (e.g. 8080 or 127.0.0.1:8080): rows, "
        "frames, waits and the physical steps with Done/Skip. On an address other than "
        "loopback it needs the token in the URL the bench prints.",
    ),
) -> None:
    """Wait for a station, run the script pack (default: the seed's 18 rows), write the
    reports. Exit 0 only if no row
    failed."""
    from chargecheck.run import NoStation, RunOptions, run_bench
    from chargecheck.script.operator import ConsoleOperator, NonInteractiveOperator

    chosen = load_settings(settings)
    pack = load_script(script)
    if station:
        from dataclasses import replace

        chosen = replace(chosen, station=station)
    rows_only, rows_skip = parse_ids(only, "--only"), parse_ids(skip, "--skip")
    if ev_connected:
        from dataclasses import replace

        connectors = parse_rows(ev_connected, "--ev-connected", "connector ids")
        if any(c < 1 for c in connectors):
            usage_error("--ev-connected takes connector ids from 1, e.g. --ev-connected 1,2")
        chosen = replace(chosen, ev_connected=tuple(connectors))
    select_rows(pack, rows_only, rows_skip)
    if firmware is not None and not firmware.is_file():
        usage_error(f"--firmware {firmware}: no such file")
    if firmware_version is not None and firmware is None:
        usage_error("--firmware-version names the version of --firmware FILE: give both")
    options = RunOptions(
        chosen,
        out=out,
        host=host,
        port=port,
        public_host=public_host,
        passwords={"*": password} if password else {},
        tls=server_tls(tls, tls_cert, tls_key, client_ca),
        only=rows_only,
        skip=rows_skip,
        script=pack,
        firmware=firmware,
        firmware_version=firmware_version,
        strict=not lenient,
        show_frames=not quiet,
        web=web_view(web) if web is not None else None,
        authority=run_authority(ca_cert, ca_key),
        secure_port=secure_port,
    )
    operator: Operator = (
        step_operator(step_command, non_interactive)
        if step_command is not None
        else NonInteractiveOperator()
        if non_interactive
        else ConsoleOperator(console)
    )
    if options.web is not None:
        from chargecheck.web.operator import WebOperator

        # With no terminal to ask (standard input is a file or a pipe), the page alone.
        asks_terminal = not isinstance(operator, ConsoleOperator) or sys.stdin.isatty()
        operator = WebOperator(
            options.web.live,
            operator if asks_terminal else None,
            lambda text: console.print(text, markup=False, highlight=False),
        )
    try:
        summary = _run_async(run_bench(options, operator, console))
    except NoStation as exc:
        print(f"chargecheck: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if junit is not None and "junit" in summary.reports:
        junit.write_bytes(summary.reports["junit"].read_bytes())
    raise SystemExit(summary.exit_code)


def web_view(text: str) -> WebView:
    """The ``--web [ADDR:]PORT`` live view; a bad address is a usage error."""
    from chargecheck.web import WebView
    from chargecheck.web.access import parse_address

    try:
        host, port = parse_address(text)
    except ValueError as exc:
        usage_error(f"--web {exc}")
    return WebView(host, port)


def step_operator(command: str, non_interactive: bool) -> Operator:
    """The ``--step-command`` operator; a program that cannot run is a usage error."""
    import shlex
    import shutil

    from chargecheck.script.operator import CommandOperator

    if non_interactive:
        usage_error("--step-command does the physical steps, --non-interactive skips them: one")
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        usage_error(f"--step-command {command!r}: {exc}")
    if not argv or shutil.which(argv[0]) is None:
        usage_error(f"--step-command {command!r}: no program {argv[0] if argv else ''!r} found")
    return CommandOperator(argv)


def run_authority(cert: Path | None, key: Path | None) -> Any:
    """The user's CA (``--ca-cert``/``--ca-key``), checked; None: one is made for the run."""
    from chargecheck.security.authority import AuthorityError, RunAuthority

    if cert is None and key is None:
        return None
    if cert is None or key is None:
        usage_error("--ca-cert and --ca-key go together: the CA certificate and its key")
    try:
        return RunAuthority.load(cert, key)
    except AuthorityError as exc:
        usage_error(f"--ca-cert/--ca-key: {exc}")


def server_tls(
    tls: bool, cert: Path | None, key: Path | None, client_ca: Path | None
) -> ServerTls | None:
    """The run's TLS options, checked: a certificate that does not load is a usage error."""
    from chargecheck.csms.tls import ServerTls, TlsSetupError

    if tls and cert is not None:
        usage_error("--tls makes a certificate, --tls-cert serves yours: give one of them")
    if key is not None and cert is None:
        usage_error("--tls-key is the key of --tls-cert FILE: give both")
    if client_ca is not None and not tls and cert is None:
        usage_error("--client-ca asks for client certificates over TLS: add --tls or --tls-cert")
    if not tls and cert is None:
        return None
    chosen = ServerTls(cert, key, client_ca, self_signed=tls)
    try:
        chosen.check()
    except TlsSetupError as exc:
        usage_error(f"{exc} (see chargecheck run --help)")
    return chosen


@app.command()
def demo(
    out: Path = typer.Option(Path("runs"), help="Directory for the journal, files and reports."),
    tls: bool = typer.Option(
        False,
        "--tls",
        help="Over wss:// (security profile 2): a self-signed certificate the simulator "
        "trusts, and a password.",
    ),
    only: str = typer.Option("", help="Rows to run, in this order, by id: e.g. 1,2."),
    script: str = typer.Option(None, "--script", help=_SCRIPT_HELP),
    variant: list[str] | None = typer.Option(
        None,
        "--variant",
        metavar="NAME",
        help="Give the simulator a legal behaviour real chargers show, e.g. power_only "
        "(repeatable; the list: chargecheck.sim.variants).",
    ),
    web: str = typer.Option(
        None,
        "--web",
        help="Serve a live view of the demo at [ADDR:]PORT (e.g. 8080 or 127.0.0.1:8080).",
    ),
    ocpp: str = typer.Option(
        None,
        "--ocpp",
        help="The OCPP version of the simulated station: 1.6 (the Alfen NG920) or 2.0.1 "
        "(a generic Core station; default script octt201-cs) [default: the script's].",
    ),
) -> None:
    """Start the simulated Alfen NG920 (or, with --ocpp 2.0.1, a generic OCPP 2.0.1
    station) and the bench over loopback; run every row of the script pack (default: the
    seed's 18)."""
    from chargecheck.demo import run_demo
    from chargecheck.sim.variants import checked_variants

    try:
        variants = checked_variants(variant or ())
    except ValueError as exc:
        usage_error(f"--variant: {exc}")
    if ocpp is not None and ocpp not in ("1.6", "2.0.1"):
        usage_error(f"--ocpp: {ocpp!r} is not a version the demo speaks (1.6 or 2.0.1)")
    if script is None and ocpp == "2.0.1":
        script = "octt201-cs"
    pack = load_script(script)
    version = ocpp or (pack.ocpp if pack is not None else "1.6")
    written_for = pack.ocpp if pack is not None else "1.6"
    if version != written_for:
        usage_error(
            f"--ocpp {version}: the script {script or 'greenflux-2020'} is written for OCPP "
            f"{written_for} (leave --ocpp out, or give a {version} script: chargecheck scripts)"
        )
    if version != "1.6" and (tls or variants):
        usage_error(f"--tls and --variant are for the OCPP 1.6 simulator, not {version}")
    rows = parse_ids(only, "--only")
    select_rows(pack, rows, [])
    view = web_view(web) if web is not None else None
    started = time.monotonic()
    summary = _run_async(
        run_demo(
            out,
            console,
            only=rows,
            tls=tls,
            script=pack,
            variants=variants,
            web=view,
            ocpp=version,
        )
    )
    console.print(f"demo finished in {time.monotonic() - started:.1f} s")
    raise SystemExit(summary.exit_code)


@app.command()
def scripts(
    cases: str = typer.Option(
        "",
        "--cases",
        help="A pack's coverage table: each row's official OCTT id and title, feature "
        "profile, manual steps and the shipped simulator's outcome, then the official "
        "cases the pack lacks (e.g. --cases octt16-cs).",
    ),
) -> None:
    """List the script packs that ship with chargecheck: name, title, rows."""
    from rich.table import Table

    from chargecheck.script.packs import DEFAULT_PACK, TITLE_FIELDS, PackError, load_pack, shipped

    if cases:
        _coverage(load_script(cases, "--cases"))
    table = Table(title="Script packs (chargecheck run/demo --script NAME|FILE)")
    for column in ("Name", "Title", "Rows"):
        table.add_column(column)
    broken = False
    for name in shipped():
        try:
            pack = load_pack(name)
        except PackError as exc:  # a broken shipped pack is a bug: say so, fail
            broken = True
            table.add_row(name, f"cannot be run: {exc}", "-")
            continue
        default = " (default)" if name == DEFAULT_PACK else ""
        title = pack.title.format_map({field: f"<{field}>" for field in TITLE_FIELDS})
        table.add_row(name + default, title, str(len(pack.rows)))
    Console(highlight=False, soft_wrap=True).print(table)
    raise SystemExit(1 if broken else 0)


def _coverage(pack: Pack) -> NoReturn:
    from rich.table import Table

    from chargecheck.script.catalogue.coverage import COLUMNS, coverage

    rows = coverage(pack)
    if not is_terminal(sys.stdout):  # a file or a pipe: a Markdown table, a line a row
        print(f"Coverage of {pack.name}: {len(pack.rows)} rows\n")
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for row in rows:
            cells = (row.id, row.title, row.profile, row.manual, row.simulator)
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        raise SystemExit(0)
    table = Table(title=f"Coverage of {pack.name}: {len(pack.rows)} rows")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.id, row.title, row.profile, row.manual, row.simulator)
    Console(highlight=False, soft_wrap=True).print(table)
    raise SystemExit(0)


@app.command()
def check(
    run_id: int = typer.Argument(
        ..., help="Run id (see chargecheck runs).", callback=journal_run_id
    ),
    db: Path = typer.Option(Path("runs/journal.sqlite"), help="The journal of the runs."),
    lenient: bool = typer.Option(False, "--lenient", help="Exit 0 even with violations."),
) -> None:
    """Print the protocol findings of a past run, grouped by severity."""
    from chargecheck.conformance import CheckSettings
    from chargecheck.conformance.command import check_command

    raise SystemExit(
        check_command(db, run_id, settings=CheckSettings(strict=not lenient), console=console)
    )


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it is installed (it is a dependency off Windows)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


app.command("report")(report_command)
app.command("runs")(runs_command)
app.command("diff")(diff_command)
app.command("serve")(serve_command)


app.command()(simulate)


def main() -> None:
    try:
        # Outside standalone mode an Exit's code comes back as the return value.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # a usage error: unknown option, bad value, ...
        context = getattr(exc, "ctx", None)
        command = f" {context.command.name}" if context is not None and context.parent else ""
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        usage_error(f"{message} (see chargecheck{command} --help)")

"""The real Central System as a bench target: ``CentralSystem`` with a SQLite journal.

    python -m bench.server --journal /tmp/x/journal.sqlite [--port 0] [--profile out.prof]
    python -m bench.server --journal /tmp/x/journal.sqlite --tls    # wss://, server "real-tls"

Default settings of ``ServerSettings`` and default ``Answers``: every frame is
validated and journaled (committed before it is acted on). The process runs on uvloop
with the collector thresholds of ``chargecheck.csms.gc_tuning`` (``--default-gc``:
CPython's). ``--tls`` serves wss:// with a self-signed certificate made next to the
journal, as ``chargecheck run --tls`` does. Prints ``{"port": N}`` (and ``"ca"``: that
certificate, for the load generator's ``--ca-file``) once listening; stops on SIGTERM or
SIGINT, flushing and closing the journal.
``--profile`` writes a cProfile of the whole run (slows it down several times).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import signal
import sys
from pathlib import Path

from bench import loop
from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.tls import ServerTls, certificate_hosts, self_signed_certificate
from chargecheck.journal import Journal


async def serve_until_stopped(
    journal_path: Path, host: str, port: int, journal_process: bool = False, tls: bool = False
) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set_result, None)
    clock = Clock()
    journal = Journal(journal_path, clock.utc_text, clock.mono)
    run_id = journal.start_run("bench")
    ready: dict[str, object] = {"run_id": run_id}
    context = None
    if tls:
        certificate, key = self_signed_certificate(journal_path.parent / "tls", certificate_hosts())
        context = ServerTls(certificate, key).context()
        ready["ca"] = str(certificate)
    try:
        async with CentralSystem(
            journal,
            # The load generator drives each station far past a charger's rate: with the
            # throttle (csms/limits.py) on, the bench would measure the throttle.
            ServerSettings(
                host=host,
                port=port,
                journal_process=journal_process,
                tls=context,
                max_frames_per_second=None,
                max_pending_calls=1_000_000,
            ),
            clock=clock,
        ) as cs:
            cs.run_id = run_id
            sys.stdout.write(json.dumps({"port": cs.port, **ready}) + "\n")
            sys.stdout.flush()
            await stop
        journal.end_run(run_id)
    finally:
        journal.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    parser.add_argument("--journal", type=Path, required=True)
    loop.server_arguments(parser)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    parser.add_argument(
        "--journal-process", action="store_true", help="commit in a journal writer process"
    )
    parser.add_argument("--tls", action="store_true", help="wss:// (self-signed certificate)")
    args = parser.parse_args(argv)
    loop.prepare_server_process(args)
    main_coroutine = serve_until_stopped(
        args.journal, args.host, args.port, args.journal_process, args.tls
    )
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        loop.run(main_coroutine, uvloop=not args.no_uvloop)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()

"""TLS from the command line, as real processes over 127.0.0.1: ``chargecheck demo
--tls``, ``chargecheck run --tls --password`` with ``chargecheck simulate wss://
--ca-file``, a simulator whose CA does not verify the bench (one line, retries, no
traceback), and the TLS options that are wrong (one line, exit 2)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from chargecheck.csms.tls import fingerprint
from chargecheck.report.json_report import report_schema
from tests.tls.certs import self_signed_with_fingerprint
from tests.tls.conftest import WAIT, refusals, refused

CHARGECHECK = [sys.executable, "-m", "chargecheck"]
LISTENING = re.compile(r"wss://127\.0\.0\.1:(\d+)/")
MADE = re.compile(r"TLS: self-signed certificate made for this run (\S+)")


def the_report(out: Path) -> dict:
    (path,) = out.glob("report-*.json")
    document = json.loads(path.read_text())
    jsonschema.validate(document, report_schema())
    return document


def test_demo_over_tls_boots_the_simulator_with_profile_2_in_the_report(tmp_path: Path):
    done = subprocess.run(
        [*CHARGECHECK, "demo", "--tls", "--only", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cert = tmp_path / "tls" / "run-1" / "cert.pem"
    assert f"SHA-256 fingerprint {fingerprint(cert)}" in done.stdout
    assert "wss://127.0.0.1:" in done.stdout
    document = the_report(tmp_path)
    assert document["verdicts"][0]["outcome"] == "PASS"
    security = document["security"]
    assert security["profile"] == 2
    assert security["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert security["server_fingerprint_sha256"] == fingerprint(cert)


def test_the_fingerprint_printed_is_the_certificates_even_where_its_hex_is_an_emoji_code(
    tmp_path: Path,
):
    """Why ``test_demo_over_tls_boots...`` failed now and then: rich read the fingerprint's
    ``:AB:`` or ``:CD:`` as its emoji codes ``:ab:`` and ``:cd:`` and printed ``..🆎..``,
    whatever the width or the path (SHA-256 of a fresh certificate: about 1 run in 9).
    Here the fingerprint's second byte is AB, the first one rich would read; the path of
    over 200 characters in 80 columns, the cause first suspected, must not matter either."""
    directory = tmp_path / ("certificates-" + "d" * 200)
    cert = self_signed_with_fingerprint(directory, 1, "AB")
    assert fingerprint(cert.certificate)[2:6] == ":AB:"
    hidden = ("FORCE_COLOR", "TTY_COMPATIBLE")  # a pipe, whatever the runner's terminal
    env = {k: v for k, v in os.environ.items() if k not in hidden} | {"COLUMNS": "80"}
    bench = start_bench(
        tmp_path / "out", "--tls-cert", str(cert.certificate), "--tls-key", str(cert.key), env=env
    )
    printed: list[str] = []
    try:
        assert bench.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("SHA-256" in p for p in printed):
            line = bench.stdout.readline()
            if not line and bench.poll() is not None:
                break
            printed.append(line.rstrip("\n"))
    finally:
        bench.kill()
        bench.wait()
    assert f"TLS: certificate {cert.certificate}" in printed, printed
    assert f"     SHA-256 fingerprint {fingerprint(cert.certificate)}" in printed, printed


def start_bench(
    out: Path, *options: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``chargecheck run`` on 127.0.0.1, any port, nobody at the keyboard, the demo's
    settings, with ``options``; its output on a pipe."""
    return subprocess.Popen(
        [
            *CHARGECHECK,
            *("run", "--host", "127.0.0.1", "--port", "0", *options),
            *("--non-interactive", "--settings", "demo", "--out", str(out)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def read_until(process: subprocess.Popen[str], pattern: re.Pattern[str]) -> re.Match[str]:
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        found = pattern.search(line)
        if found:
            return found
    raise AssertionError(f"never printed {pattern.pattern}")


def test_run_tls_with_password_and_simulate_with_ca_file_complete_the_boot(tmp_path: Path):
    out = tmp_path / "out"
    bench = start_bench(out, "--tls", "--password", "s3cret", "--only", "1,2")
    station = None
    try:
        cert = read_until(bench, MADE).group(1)
        port = read_until(bench, LISTENING).group(1)
        station = subprocess.Popen(
            [
                *CHARGECHECK,
                "simulate",
                f"wss://127.0.0.1:{port}/ocpp",
                "CP-TLS",
                "--ca-file",
                cert,
                "--password",
                "s3cret",
                "--no-console",
                "--state-dir",
                str(tmp_path / "sim"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        output, _ = bench.communicate(timeout=120)
    finally:
        bench.kill()
        bench.wait()
        if station is not None:
            station.kill()
            station.wait()
    assert bench.returncode == 0, output[-3000:]
    document = the_report(out)
    assert [v["outcome"] for v in document["verdicts"]] == ["PASS", "PASS"]
    assert document["station"]["identity"] == "CP-TLS"
    assert document["security"]["profile"] == 2
    assert document["security"]["tls_version"] in ("TLSv1.2", "TLSv1.3")


async def test_a_simulator_whose_ca_does_not_verify_the_bench_says_one_line_and_retries(
    tls_bench, station_ca, journal, tmp_path: Path
):
    async with tls_bench() as central:
        station = await asyncio.create_subprocess_exec(
            *CHARGECHECK,
            "simulate",
            central.url(""),
            "CP-WRONG-CA",
            "--ca-file",
            str(station_ca.certificate),  # not the bench's certificate
            "--no-console",
            "--state-dir",
            str(tmp_path / "sim"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # Every attempt is a failed handshake the bench journals: two are a retry.
            await refused(central, 2, 4 * WAIT)
        finally:
            station.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(station.communicate(), WAIT)
    text = stdout.decode() + stderr.decode()
    assert "Traceback" not in text
    told = [line for line in text.splitlines() if "TLS" in line]
    assert len(told) == 1, text
    assert "CP-WRONG-CA" in told[0] and "did not verify" in told[0]
    assert "--ca-file" in told[0] and "retrying" in told[0]
    assert all(r["reason"].startswith("TLS handshake") for r in refusals(journal, central))


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["run", "--client-ca", "ca.pem"], "--client-ca asks for client certificates over TLS"),
        (["run", "--tls-cert", "missing.pem"], "missing.pem: no such file"),
        (["run", "--tls", "--tls-cert", "bench.pem"], "give one of them"),
        (["run", "--tls-key", "key.pem"], "--tls-key is the key of --tls-cert"),
        (["run", "--tls-cert", "bench.pem"], "not a PEM certificate and matching private key"),
        (["simulate", "ws://127.0.0.1:9/ocpp", "CP1", "--ca-file", "ca.pem"], "wss:// URL"),
        (["simulate", "wss://127.0.0.1:9/ocpp", "CP1", "--ca-file", "missing.pem"], "no such"),
    ],
)
def test_a_wrong_tls_option_is_one_line_and_exit_2(tmp_path: Path, arguments, says):
    (tmp_path / "bench.pem").write_text("not a certificate\n")
    done = subprocess.run(
        [*CHARGECHECK, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr

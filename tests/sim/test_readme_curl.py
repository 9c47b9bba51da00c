"""The README's control API lines ("The simulator alone") are sent, as written, to a real
control server driving a real station: a renamed field, path or verb fails here, not in
a reader's terminal. Sent by curl when it is installed, else by urllib."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chargecheck.sim.control import ControlServer

from .conftest import WAIT

README = Path(__file__).resolve().parents[2] / "README.md"
DOC_ADDRESS = "127.0.0.1:8765"
# Every action the issue asks the README to show, by the request that does it.
REQUIRED = {
    ("GET", "/stations"),
    ("POST", "/plug"),
    ("POST", "/unplug"),
    ("POST", "/present_id_tag"),
    ("POST", "/inject_fault"),
    ("POST", "/clear_fault"),
    ("POST", "/go_offline"),
    ("POST", "/reboot"),
    ("POST", "/power_cycle"),
}


@dataclass(frozen=True)
class CurlLine:
    text: str
    words: list[str]  # the shell words, comment dropped
    method: str
    path: str
    body: dict[str, Any] | None


def simulator_section(readme: str) -> str:
    found = re.search(r"^## The simulator alone\n(.*?)(?=^## )", readme, re.M | re.S)
    assert found, "README.md has no section '## The simulator alone'"
    return found.group(1)


def parse_curl(line: str) -> CurlLine:
    """The request of one README curl line; only the flags the README may use."""
    words = shlex.split(line, comments=True)
    assert words[0] == "curl", line
    method, url, data = None, None, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        if word == "-X":
            method = next(rest)
        elif word == "-d":
            data = next(rest)
        elif not word.startswith("-") and url is None:
            url = word
        else:
            raise AssertionError(f"README curl line with {word!r} the test does not know: {line}")
    assert url is not None and url.startswith(DOC_ADDRESS + "/"), line
    body = None if data is None else json.loads(data)  # the JSON must be valid as written
    method = method or ("POST" if data is not None else "GET")
    return CurlLine(line, words, method, url[len(DOC_ADDRESS) :], body)


def readme_curl_lines() -> list[CurlLine]:
    section = simulator_section(README.read_text())
    return [parse_curl(line) for line in section.splitlines() if line.startswith("curl ")]


def test_the_readme_shows_every_control_action_and_a_timed_offline():
    lines = readme_curl_lines()
    assert {(line.method, line.path) for line in lines} >= REQUIRED
    assert any(
        line.path == "/go_offline" and line.body and "seconds" in line.body for line in lines
    )
    section = simulator_section(README.read_text())
    assert f"--control-port {DOC_ADDRESS.rsplit(':', 1)[1]}" in section  # the port they use


def test_a_curl_line_with_an_unknown_flag_is_not_waved_through():
    with pytest.raises(AssertionError, match="'-k' the test does not know"):
        parse_curl("curl -k 127.0.0.1:8765/plug -d '{}'")


def no_proxy_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


async def send_with_curl(line: CurlLine, port: int) -> tuple[int, Any]:
    words = [w.replace(DOC_ADDRESS, f"127.0.0.1:{port}") for w in line.words]
    process = await asyncio.create_subprocess_exec(
        *words,
        "-w",
        "\n%{http_code}",
        stdout=asyncio.subprocess.PIPE,
        env=no_proxy_env(),
    )
    out, _ = await asyncio.wait_for(process.communicate(), WAIT)
    text, _, code = out.decode().rpartition("\n")
    return int(code), json.loads(text)


def send_with_urllib(line: CurlLine, port: int) -> tuple[int, Any]:
    data = None if line.body is None else json.dumps(line.body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{line.path}", data=data, method=line.method
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=WAIT) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_every_readme_curl_line_is_answered_200_by_a_real_station(bench):
    sim, session = await bench.start()
    booted = session.mark()
    curl = shutil.which("curl")
    async with ControlServer({"CP1": sim}) as control:
        for line in readme_curl_lines():
            if curl is not None:
                status, answer = await send_with_curl(line, control.port)
            else:
                status, answer = await asyncio.to_thread(send_with_urllib, line, control.port)
            assert status == 200, (line.text, answer)
            assert "stations" in answer if line.method == "GET" else answer["station"] == "CP1"
    # What the lines did reached the Central System: the card, the fault, the reboots.
    await session.expect("Authorize", lambda p: p["idTag"] == "04A2B3C4", WAIT, booted)
    await session.expect("StatusNotification", lambda p: p.get("info") == "253 V", WAIT, booted)
    await session.expect("BootNotification", timeout=WAIT, cursor=booted)

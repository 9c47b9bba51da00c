"""The console written to a pipe or a file (a CI log, ``| tee``) is not wrapped (issue
#21): one event, one line, so ``grep FAIL run.log`` finds a whole verdict and a frame is
whole JSON. Real processes over 127.0.0.1, the width rich would otherwise wrap at forced
to 80 columns."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console

from chargecheck.run import _frame_printer
from tests.cli.processes import run_against_simulate

FRAME = re.compile(r"^  CP-CLI (<-|->) (.*)$")


def test_on_a_pipe_every_frame_and_verdict_is_one_whole_line(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # a pipe, whatever runs the tests
        monkeypatch.delenv(name, raising=False)
    code, output = run_against_simulate(tmp_path, ["--host", "127.0.0.1", "--only", "1"])
    assert code == 0, output[-3000:]
    lines = output.splitlines()

    frames = [found.group(2) for found in map(FRAME.match, lines) if found]
    boot = [json.loads(frame) for frame in frames if '"BootNotification"' in frame]
    assert [message[0] for message in boot] == [2], frames  # the station's CALL, parsed whole
    assert all(isinstance(json.loads(frame), list) for frame in frames)
    assert max(len(frame) for frame in frames) > 80  # the frames tested are long ones

    (path,) = (tmp_path / "out").glob("report-*.json")
    (verdict,) = json.loads(path.read_text())["verdicts"]
    assert verdict["outcome"] == "PASS"
    told = f"PASS {verdict['result']}"
    assert len(told) > 80 and told in lines  # the verdict, not half of it
    assert f"report (json): {path}" in lines


def test_a_frame_is_cut_to_one_line_on_a_terminal_only():
    frame = '[2,"1","BootNotification",{"chargePointVendor":"' + "V" * 200 + '"}]'
    for soft_wrap, shown in ((False, f"  CP1 <- {frame}"[:79]), (True, f"  CP1 <- {frame}")):
        screen = io.StringIO()
        console = Console(file=screen, width=80, soft_wrap=soft_wrap, color_system=None)
        _frame_printer(console)("frame_in", {"station": "CP1", "raw": frame})
        assert screen.getvalue() == shown + "\n"

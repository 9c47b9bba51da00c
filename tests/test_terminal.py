"""``chargecheck.terminal``: unwrapped in a file or a pipe, wrapped on a terminal, and
never an emoji for a fingerprint's hex."""

from __future__ import annotations

import io
import sys

from chargecheck.terminal import is_terminal, output_console

LONG = "PASS " + "criterion " * 30  # 305 characters


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_or_file_gets_one_line_per_print_whatever_the_width(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    console = output_console()
    assert console.soft_wrap
    console.print(LONG)
    assert capsys.readouterr().out == LONG + "\n"


def test_a_terminal_gets_lines_of_its_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    screen = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", screen)
    console = output_console()
    assert not console.soft_wrap
    console.print(LONG, highlight=False)
    lines = screen.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 80 for line in lines)


def test_a_fingerprints_hex_is_printed_as_it_is_not_as_emoji(capsys):
    text = "SHA-256 fingerprint 01:AB:02:CD:03"  # rich's :ab: is 🆎, its :cd: 💿
    output_console().print(text, markup=False, highlight=False)
    output_console(stderr=True).print(text)
    captured = capsys.readouterr()
    assert captured.out == captured.err == text + "\n"


def test_a_closed_or_bare_stream_is_no_terminal():
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed)
    assert not is_terminal(object())  # type: ignore[arg-type]

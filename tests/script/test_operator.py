"""The console operator reads the person's answer from standard input (a real pipe)."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console

from chargecheck.script.operator import (
    ConsoleOperator,
    NonInteractiveOperator,
    PhysicalStep,
    StepKind,
    StepNotDone,
)

PLUG = PhysicalStep(StepKind.PLUG, 2)


@pytest.fixture
def pipe():
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "r")
    yield reader, write_fd
    reader.close()
    os.close(write_fd)


def _operator(reader):
    return ConsoleOperator(Console(file=io.StringIO()), stdin=reader)


async def test_done_confirms_the_step_and_the_prompt_names_it(pipe):
    reader, write_fd = pipe
    operator = _operator(reader)
    os.write(write_fd, b"done\n")
    await operator.perform(PLUG, timeout=5)
    assert "connector 2" in operator.console.file.getvalue()


async def test_skip_makes_the_step_not_done(pipe):
    reader, write_fd = pipe
    os.write(write_fd, b"skip\n")
    with pytest.raises(StepNotDone, match="skipped"):
        await _operator(reader).perform(PLUG, timeout=5)


async def test_no_answer_in_time_makes_the_step_not_done(pipe):
    reader, _ = pipe
    with pytest.raises(StepNotDone, match=r"not done within 0\.1 s"):
        await _operator(reader).perform(PLUG, timeout=0.1)


async def test_a_stdin_that_cannot_be_watched_is_read_at_once():
    with open(os.devnull) as devnull, pytest.raises(StepNotDone):
        await _operator(devnull).perform(PLUG, timeout=5)


async def test_non_interactive_never_waits():
    with pytest.raises(StepNotDone, match="non-interactive"):
        await NonInteractiveOperator().perform(PLUG, timeout=60)

"""The console operator reads the person's answer from standard input (a real pipe)."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console

from chargecheck.script.operator import (
    ConsoleOperator,
    EvConnectedOperator,
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


class _Recording:
    """An inner operator that does every step and remembers it."""

    def __init__(self) -> None:
        self.steps: list[PhysicalStep] = []

    async def perform(self, step: PhysicalStep, timeout: float) -> None:
        self.steps.append(step)


async def test_an_ev_connected_all_run_needs_nobody_to_plug_it_or_to_tidy_up():
    inner = _Recording()
    operator = EvConnectedOperator(inner, [1, 2])
    await operator.perform(PhysicalStep(StepKind.PLUG, 1), timeout=1)
    await operator.perform(PhysicalStep(StepKind.UNPLUG, 2, cleanup=True), timeout=1)
    await operator.perform(PhysicalStep(StepKind.PLUG, 2), timeout=1)
    assert inner.steps == []


def test_the_bench_can_tell_which_steps_an_ev_connected_all_run_leaves_as_they_are():
    operator = EvConnectedOperator(_Recording(), [1])
    assert operator.keeps(PhysicalStep(StepKind.PLUG, 1))
    assert operator.keeps(PhysicalStep(StepKind.UNPLUG, 1, cleanup=True))
    assert not operator.keeps(PhysicalStep(StepKind.UNPLUG, 1))  # the act: somebody does it
    assert not operator.keeps(PhysicalStep(StepKind.PLUG, 2))  # no EV there
    assert not operator.keeps(PhysicalStep(StepKind.PRESENT_CARD, 1, "TAG"))


async def test_the_acts_themselves_still_go_to_the_operator_with_an_ev_connected():
    inner = _Recording()
    operator = EvConnectedOperator(inner, [1])
    acts = [
        PhysicalStep(StepKind.PLUG_IN, 1),
        PhysicalStep(StepKind.UNPLUG, 1),
        PhysicalStep(StepKind.PRESENT_CARD, 1, "TAG"),
        PhysicalStep(StepKind.CREATE_ERROR, 1),
        PhysicalStep(StepKind.PLUG, 2),  # no EV on connector 2
    ]
    for step in acts:
        await operator.perform(step, timeout=1)
    assert inner.steps == acts


async def test_once_the_cable_is_pulled_the_car_must_be_plugged_again_by_someone():
    inner = _Recording()
    operator = EvConnectedOperator(inner, [1])
    unplug, plug = PhysicalStep(StepKind.UNPLUG, 1), PhysicalStep(StepKind.PLUG, 1)
    await operator.perform(unplug, timeout=1)
    await operator.perform(plug, timeout=1)  # asked: the car is no longer connected
    await operator.perform(plug, timeout=1)  # connected again: nobody asked
    assert inner.steps == [unplug, plug]


async def test_an_unplug_nobody_did_is_not_done_and_the_car_stays_connected():
    operator = EvConnectedOperator(NonInteractiveOperator(), [1])
    with pytest.raises(StepNotDone, match="Unplug"):
        await operator.perform(PhysicalStep(StepKind.UNPLUG, 1), timeout=1)
    await operator.perform(PhysicalStep(StepKind.PLUG, 1), timeout=1)  # still connected
    with pytest.raises(StepNotDone, match="Plug the car"):
        await operator.perform(PhysicalStep(StepKind.PLUG_IN, 1), timeout=1)


@pytest.mark.parametrize(
    ("step", "told"),
    [
        (
            PhysicalStep(StepKind.PRESENT_CARD, 1, "04A2"),
            "Present the valid card 04A2 at connector 1 (or let plug & charge start).",
        ),
        (
            PhysicalStep(StepKind.PRESENT_CARD, 1, "XX12", refused="the bench will refuse it"),
            "Present card XX12 at connector 1 (the bench will refuse it).",
        ),
        (
            PhysicalStep(StepKind.PRESENT_INVALID_CARD, 2, "BAD1"),
            "Present card BAD1 at connector 2 (the bench will refuse it).",
        ),
        (
            PhysicalStep(StepKind.PRESENT_INVALID_CARD, 2),
            "Present a card at connector 2 (the bench will refuse it).",
        ),
    ],
)
def test_a_card_to_be_refused_is_never_called_valid(step, told):
    assert step.instruction == told

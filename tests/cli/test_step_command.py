"""``chargecheck run --step-command``: each physical step is a program's run, the hook a
lab writes for its EV simulator or RFID emulator. Against ``chargecheck simulate`` with
the shipped hook ``python -m chargecheck.sim.step``, every row is judged with nobody at
the keyboard; a hook that fails or hangs makes its step NOT TESTED with its own words."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chargecheck.script.operator import CommandOperator, PhysicalStep, StepKind, StepNotDone
from chargecheck.sim.step import STEPS, requests_for
from tests.cli.processes import CHARGECHECK, run_against_simulate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_row_passes_with_the_simulator_hook_doing_the_steps(tmp_path: Path):
    port = _free_port()
    hook = f"{sys.executable} -m chargecheck.sim.step --control http://127.0.0.1:{port}"
    code, output = run_against_simulate(
        tmp_path,
        ["--host", "127.0.0.1"],
        station_options=("--control-port", str(port)),
        operator=("--step-command", hook),
    )
    assert code == 0, output[-3000:]
    (report,) = (tmp_path / "out").glob("report-*.json")
    verdicts = json.loads(report.read_text())["verdicts"]
    assert len(verdicts) == 18
    failing = [(v["row"], v["outcome"], v["result"]) for v in verdicts if v["outcome"] != "PASS"]
    assert not failing, failing


async def test_a_step_is_done_when_the_program_exits_0_and_gets_the_step(tmp_path: Path):
    seen = tmp_path / "seen.txt"
    script = (
        "import os, sys; open(sys.argv[1], 'w').write(' '.join(sys.argv[2:]) + '|' + "
        "os.environ['CHARGECHECK_STEP'] + '|' + os.environ['CHARGECHECK_INSTRUCTION'])"
    )
    operator = CommandOperator([sys.executable, "-c", script, str(seen)])
    await operator.perform(PhysicalStep(StepKind.PRESENT_CARD, 2, "04A2"), 30)
    args, step, instruction = seen.read_text().split("|")
    assert args == "present_card 2 04A2"
    assert step == "present_card"
    assert instruction == PhysicalStep(StepKind.PRESENT_CARD, 2, "04A2").instruction


async def test_a_failing_program_is_not_done_with_its_last_line():
    script = "import sys; print('warming up'); print('relay card offline'); sys.exit(3)"
    operator = CommandOperator([sys.executable, "-c", script])
    with pytest.raises(StepNotDone) as caught:
        await operator.perform(PhysicalStep(StepKind.UNPLUG, 1), 30)
    assert "exited 3" in str(caught.value)
    assert str(caught.value).endswith(": relay card offline")


async def test_a_program_that_hangs_is_killed_at_the_step_timeout():
    operator = CommandOperator([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(StepNotDone) as caught:
        await operator.perform(PhysicalStep(StepKind.CREATE_ERROR, 0), 0.5)
    assert "no answer within 0.5 s" in str(caught.value)


async def test_a_step_cancelled_while_its_program_runs_leaves_no_program_behind(tmp_path):
    # The run ends (Ctrl-C, a bench fault) in the middle of a step: the hook is killed.
    started = tmp_path / "pid"
    script = f"import os, time; open({str(started)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    operator = CommandOperator([sys.executable, "-c", script])
    step = asyncio.ensure_future(operator.perform(PhysicalStep(StepKind.UNPLUG, 1), 60))
    for _ in range(3000):  # bounded: the program writes its pid as it starts
        if started.exists() and started.read_text():
            break
        await asyncio.sleep(0.01)
    pid = int(started.read_text())
    step.cancel()
    with pytest.raises(asyncio.CancelledError):
        await step
    with pytest.raises(ProcessLookupError):  # killed and reaped: the pid is gone
        os.kill(pid, 0)


def test_each_step_maps_to_control_requests():
    assert {step.value for step in StepKind} == set(STEPS)
    assert requests_for("plug_in", 1, None) == [
        ("/unplug", {"connector": 1}),
        ("/plug", {"connector": 1}),
    ]
    assert requests_for("present_card", 2, "AB") == [
        ("/present_id_tag", {"connector": 2, "idTag": "AB"})
    ]
    assert requests_for("create_error", 0, None)[0][1]["errorCode"] == "OtherError"
    assert requests_for("create_error", 1, None)[0][1]["errorCode"] == "GroundFailure"
    with pytest.raises(ValueError, match="valid: plug"):
        requests_for("dance", 1, None)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--step-command", "no-such-program-here --x"], "no program 'no-such-program-here'"),
        (["--step-command", "echo 'unclosed"], "No closing quotation"),
        (["--step-command", "true", "--non-interactive"], "--non-interactive skips them"),
    ],
)
def test_a_bad_step_command_is_one_line_and_exit_2(tmp_path: Path, options, says):
    done = subprocess.run(
        [*CHARGECHECK, "run", "--port", "0", "--out", str(tmp_path), *options],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr

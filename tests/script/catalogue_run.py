"""Runs cases of the open catalogue (``chargecheck.script.catalogue``) against the simulator
over loopback, as ``chargecheck demo --script octt16-cs`` does, and the checks their tests
share.

``run_cases`` takes the case ids, the simulator's defects and legal variants, ``nobody``
(nobody at the keyboard: ``--non-interactive``), ``step_hook`` (each step done by the
simulator's ``--step-command`` hook) and ``edits`` to the shipped station profile, each an
(old, new) text pair made by ``edit_key``, ``claiming`` or ``without_feature_profile``."""

from __future__ import annotations

import io
import json
import tomllib
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import chargecheck.demo as demo
import chargecheck.run as run_module
from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.catalogue.octt import OFFICIAL
from chargecheck.script.runner import Case
from chargecheck.script.settings import Settings
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from chargecheck.sim.simulator import Simulator
from tests.script.conftest import FAST

SECURITY_IDS = {o.id for o in OFFICIAL if o.security}
SHIPPED_PROFILE = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")

Edit = tuple[str, str]  # a text of the shipped profile, and what replaces it


# -- edits to the station profile ---------------------------------------------------------------


def shipped_key(name: str) -> str:
    """The shipped profile's entry for the configuration key ``name``, as written."""
    (entry,) = [
        line.strip().rstrip(",")
        for line in SHIPPED_PROFILE.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(f'{{ name = "{name}",')
    ]
    return entry


def _fields(name: str) -> dict[str, Any]:
    return tomllib.loads(f"key = {shipped_key(name)}")["key"]


def edit_key(name: str, **fields: object) -> Edit:
    """The key ``name`` with ``fields`` set (None: left out), e.g. ``edit_key("ConnectionTimeOut",
    readonly=True)``: a station whose ConnectionTimeOut cannot be changed."""
    entry = {**_fields(name), **fields}
    body = ", ".join(f"{k} = {json.dumps(v)}" for k, v in entry.items() if v is not None)
    return shipped_key(name), f"{{ {body} }}"


def claiming(*profiles: str) -> Edit:
    """SupportedFeatureProfiles claiming ``profiles`` alone (``claiming("Core")``)."""
    return edit_key("SupportedFeatureProfiles", value=",".join(profiles))


def without_feature_profile(profile: str) -> Edit:
    """SupportedFeatureProfiles claiming what the shipped profile does but ``profile``."""
    claimed = _fields("SupportedFeatureProfiles")["value"].split(",")
    assert profile in claimed, claimed
    return claiming(*(p for p in claimed if p != profile))


def edited_profile(tmp_path: Path, edits: Iterable[Edit]) -> Path:
    """The shipped profile with each edit's old text (there exactly once) replaced."""
    text = SHIPPED_PROFILE.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "alfen.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the run -------------------------------------------------------------------------------------


async def run_cases(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ids: Sequence[str],
    defects: Iterable[str] = (),
    *,
    variants: Iterable[str] = (),
    nobody: bool = False,
    step_hook: bool = False,
    edits: Iterable[Edit] = (),
    secure: bool | None = None,
    settings: Settings = FAST,
    on_simulator: Callable[[Simulator], Any] | None = None,
) -> dict[str, Verdict]:
    """The catalogue cases ``ids``, as the rows of a pack in that order, run against a fresh
    simulator; the verdicts by case id. A bench error fails the test. ``secure``: the run
    also serves its second, wss:// endpoint (default: when a security case is among
    ``ids``, as the demo of a pack with them). ``settings``: the bench's (default
    ``FAST``); ``on_simulator(sim)``: called once the simulator runs."""
    cases = [
        Case(row, CATALOGUE[i].title, CATALOGUE[i].criteria, CATALOGUE[i].run, i)
        for row, i in enumerate(ids, 1)
    ]
    monkeypatch.setattr(run_module, "pack_cases", lambda pack: cases)
    chosen = list(edits)
    if chosen:
        profile = edited_profile(tmp_path, chosen)
        monkeypatch.setattr(demo, "Simulator", partial(Simulator, profile=profile))
    summary = await demo.run_demo(
        tmp_path / "out",
        Console(file=io.StringIO(), width=200),
        settings=settings,
        defects=list(defects),
        variants=list(variants),
        nobody=nobody,
        step_hook=step_hook,
        secure=bool(set(ids) & SECURITY_IDS) if secure is None else secure,
        on_simulator=on_simulator,
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


async def run_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case_id: str, *args: Any, **kwargs: Any
) -> Verdict:
    """``run_cases`` of the one case ``case_id``: its verdict."""
    return (await run_cases(tmp_path, monkeypatch, [case_id], *args, **kwargs))[case_id]


# -- the checks ----------------------------------------------------------------------------------


def not_passed(verdict: Verdict) -> list[str]:
    """Each criterion that did not PASS, with its outcome and detail (an assertion's message)."""
    return [f"{c.outcome}: {c.name}: {c.detail}" for c in verdict.criteria if c.outcome != "PASS"]


def passed_with_evidence(*verdicts: Verdict) -> None:
    """Each verdict PASSes, says OK, and names the frames that show each criterion."""
    failed = {v.id: not_passed(v) for v in verdicts if v.outcome is not Outcome.PASS}
    assert not failed, failed
    assert all(v.result.startswith("OK") for v in verdicts), [(v.id, v.result) for v in verdicts]
    bare = [(v.id, c.name) for v in verdicts for c in v.criteria if not c.evidence]
    assert not bare, bare


def fails_on(verdict: Verdict, criterion: str) -> list[Criterion]:
    """The verdict FAILs, and only on criteria whose name holds ``criterion``: those."""
    assert verdict.outcome is Outcome.FAIL, (verdict.id, verdict.result, not_passed(verdict))
    failed = [c for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert failed and all(criterion in c.name for c in failed), not_passed(verdict)
    return failed


def not_tested_because(verdict: Verdict, reason: str) -> None:
    """The verdict is NOT TESTED, its result giving ``reason``."""
    assert verdict.outcome is Outcome.NOT_TESTED, (verdict.id, verdict.result)
    assert reason in verdict.result, (verdict.id, verdict.result)

"""Fixtures: a recorded run in a real journal file, and its loaded report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chargecheck.journal import Journal
from chargecheck.report import RunReport, load_run
from tests.report.recorded import Recorder, record_run


@pytest.fixture
def recorded(tmp_path) -> Iterator[tuple[Journal, Recorder]]:
    journal, rec = record_run(tmp_path / "journal.sqlite")
    yield journal, rec
    journal.close()


@pytest.fixture
def report(recorded) -> RunReport:
    journal, rec = recorded
    return load_run(journal, rec.run_id)

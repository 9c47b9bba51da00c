"""``chargecheck run`` refuses options it cannot work with in one line, before it
journals or listens on anything."""

from __future__ import annotations

from typer.testing import CliRunner

from chargecheck.cli import app

runner = CliRunner()


def test_listening_on_every_interface_needs_a_public_host(tmp_path):
    out = tmp_path / "runs"
    refused = runner.invoke(app, ["run", "--out", str(out), "--port", "0"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("chargecheck: error: --host 0.0.0.0 listens on every")
    assert refused.stderr.count("\n") == 1
    assert "--public-host" in refused.stderr and "Traceback" not in refused.stderr
    assert not (out / "journal.sqlite").exists()  # nothing started, nothing journaled

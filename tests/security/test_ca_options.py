"""``chargecheck run --ca-cert/--ca-key``: the user's CA for the security cases, checked
before the run starts; without them a CA is made for the run when a case needs it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from chargecheck.cli import app, run_authority
from chargecheck.security.authority import RunAuthority

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _refused(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "runs"
    refused = CliRunner().invoke(app, ["run", "--out", str(out), "--host", "127.0.0.1", *args])
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1
    assert not (out / "journal.sqlite").exists()
    return str(refused.stderr)


def test_a_ca_certificate_without_its_key_is_refused_in_one_line(tmp_path):
    certificate, _ = RunAuthority.create(NOW).save(tmp_path / "ca")
    assert "--ca-key" in _refused(tmp_path, "--ca-cert", str(certificate))


def test_a_key_of_another_ca_is_refused_in_one_line(tmp_path):
    certificate, _ = RunAuthority.create(NOW).save(tmp_path / "a")
    _, key = RunAuthority.create(NOW).save(tmp_path / "b")
    said = _refused(tmp_path, "--ca-cert", str(certificate), "--ca-key", str(key))
    assert "is not the key of" in said


def test_the_users_ca_is_loaded_and_none_without_the_options(tmp_path):
    ca = RunAuthority.create(NOW)
    certificate, key = ca.save(tmp_path / "ca")
    assert run_authority(certificate, key).certificate == ca.certificate
    assert run_authority(None, None) is None

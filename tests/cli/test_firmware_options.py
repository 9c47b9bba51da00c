"""Row 12 knows the firmwareVersion the station must boot with: given with
``--firmware-version``, or read from a chargecheck image; never guessed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chargecheck.cli import app
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.run import RunOptions, _new_firmware_version
from chargecheck.script.settings import load


def _options(firmware: Path | None, version: str | None = None) -> RunOptions:
    return RunOptions(load("demo"), firmware=firmware, firmware_version=version)


def test_the_version_of_a_chargecheck_image_is_read_from_the_file(tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(firmware_image("4.4.9-9999"))
    assert _new_firmware_version(_options(image)) == "4.4.9-9999"


def test_a_vendor_file_has_no_known_version_unless_the_user_gives_it(tmp_path):
    vendor = tmp_path / "vendor.bin"
    vendor.write_bytes(bytes(range(256)) * 256)
    assert _new_firmware_version(_options(vendor)) is None
    assert _new_firmware_version(_options(vendor, "5.0.1")) == "5.0.1"


def test_firmware_version_without_a_firmware_file_is_refused_in_one_line(tmp_path):
    out = tmp_path / "runs"
    refused = CliRunner().invoke(
        app,
        ["run", "--out", str(out), "--host", "127.0.0.1", "--firmware-version", "5.0.1"],
    )
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and "--firmware-version" in refused.stderr
    assert not (out / "journal.sqlite").exists()

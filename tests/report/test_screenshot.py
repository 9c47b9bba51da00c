"""The HTML report opened in a real browser (headless Chromium): a screenshot, and a
PDF printed with every section open.

The pictures are kept in ``tests/report/artifacts/`` (git-ignored) for a person to look
at. Chromium is Debian's ``chromium`` package; where it is missing the test skips.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from chargecheck.report import write_reports

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get update && apt-get install -y chromium)",
)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and a count of distinct byte values in the image data."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels[: 4 * width * 400]))


@pytest.fixture
def html_file(recorded) -> Path:
    journal, rec = recorded
    ARTIFACTS.mkdir(exist_ok=True)
    return write_reports(journal, rec.run_id, ARTIFACTS, formats=["html"])["html"]


def test_the_report_renders_in_chromium_to_a_full_screenshot(html_file, tmp_path):
    png = ARTIFACTS / "report.png"
    png.unlink(missing_ok=True)
    done = _chromium(
        tmp_path / "profile",
        f"--screenshot={png}",
        "--window-size=1280,2000",
        html_file.resolve().as_uri(),
    )
    assert png.is_file(), done.stderr[-2000:]
    width, height, colours = _png_size_and_colours(png)
    assert (width, height) == (1280, 2000)
    assert colours > 64, "the screenshot is (nearly) blank"
    print(f"screenshot: {png}")


def test_the_report_prints_to_pdf_with_the_rows_open(html_file, tmp_path):
    pdf = ARTIFACTS / "report.pdf"
    pdf.unlink(missing_ok=True)
    done = _chromium(
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html_file.resolve().as_uri(),
    )
    assert pdf.is_file(), done.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: PDF printed, text not checked")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "TestScript Charge Station NG920-61002" in text
    assert '"meterStart": 1234567890123456789' in text  # inside row 6's <details>: printed open
    assert "Frame log" in text
    assert "not an OCPP-J frame" in text and "| not json" in text  # the log, printed open
    print(f"pdf: {pdf}")

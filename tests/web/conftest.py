"""A real Chromium for the live view's tests: Debian's ``chromium`` driven by Selenium
through Debian's ``chromium-driver``; Selenium is never let download a browser or a
driver. Where one of them is missing the browser tests skip, saying what to install.

Selenium's calls block, so a test that runs the bench in its own event loop makes them in
a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)

try:
    import selenium  # noqa: F401

    SELENIUM = True
except ImportError:
    SELENIUM = False

MISSING = (
    "chromium is not installed (apt-get install -y chromium)"
    if CHROMIUM is None
    else "chromedriver is not installed (apt-get install -y chromium-driver)"
    if CHROMEDRIVER is None
    else "selenium is not installed (pip install -e '.[dev]')"
    if not SELENIUM
    else ""
)
needs_browser = pytest.mark.skipif(bool(MISSING), reason=MISSING or "-")


def _driver(profile: Path, width: int, height: int) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    # A Service with the driver's path: Selenium Manager is not consulted (no download).
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


@pytest.fixture
def browser(tmp_path) -> Iterator[Callable[..., Any]]:
    """``browser(width=1280, height=900)``: a new headless Chromium, quit after the test."""
    drivers: list[Any] = []

    def start(width: int = 1280, height: int = 900) -> Any:
        driver = _driver(tmp_path / f"chromium-{len(drivers)}", width, height)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()

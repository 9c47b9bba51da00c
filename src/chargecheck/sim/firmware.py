"""What the simulated station installs as firmware, and which version it then runs
(UpdateFirmware, OCPP 1.6 section 5.19; FirmwareStatusNotification, section 4.5;
BootNotification.req firmwareVersion, section 4.2, CiString50).

The charger profile's top-level ``firmware_check`` decides what installs:

``"any"`` (the default)
    Every non-empty file installs, as on a station that cannot tell a vendor's image
    from anything else a Central System serves. The new firmwareVersion is the one the
    file's manifest names (``chargecheck.protocol.firmware_image``) where it has one;
    otherwise it is derived from the version running, ``derived_version``: its part
    before any ``+``, then ``+`` and the first 8 hex digits of the file's SHA-256
    ("4.4.0-3106" and a file whose SHA-256 starts 1f2e3d4c give "4.4.0-3106+1f2e3d4c").
    The same file always gives the same version, and a second update replaces the
    suffix instead of adding one.
``"manifest"``
    Only a chargecheck firmware image installs; any other file ends InstallationFailed,
    for testing a Central System's failure path.

An empty file installs under neither: the station counts it as a failed download
(``chargecheck.sim.maintenance``). Nor does a damaged chargecheck image, under either
check: a file whose first line is a JSON manifest of the chargecheck format that names
no valid firmwareVersion (the station knows the format and sees the image is broken:
InstallationFailed). The bench's "Installation Failed" case serves such a file.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from chargecheck.protocol.firmware_image import FORMAT, MAX_VERSION_LENGTH
from chargecheck.protocol.firmware_image import firmware_version as _named_version
from chargecheck.sim.configuration import ConfigurationError, read_profile

FIRMWARE_CHECKS = {
    "any": "install any file",
    "manifest": "install chargecheck firmware images only",
}
DEFAULT_FIRMWARE_CHECK = "any"
_DIGEST_CHARS = 8


class FirmwareFormatError(ValueError):
    """The downloaded file is not a firmware image the station can install."""


def firmware_version(data: bytes) -> str:
    """The version an image installs; ``FirmwareFormatError`` if it is not an image."""
    version = _named_version(data)
    if version is None:
        raise FirmwareFormatError("not a chargecheck firmware image (no manifest first line)")
    return version


def damaged_image(data: bytes) -> bool:
    """Does ``data`` begin as a chargecheck image, a JSON manifest line of its format,
    without being one (no firmwareVersion of 1 to 50 characters)?"""
    line, newline, _ = data[:1024].partition(b"\n")
    try:
        manifest = json.loads(line) if newline else None
    except ValueError:
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and _named_version(data) is None
    )


def derived_version(running: str, data: bytes) -> str:
    """The version a file without a manifest installs over ``running`` (module docstring),
    cut to fit CiString50."""
    digest = hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS]
    base = running.partition("+")[0][: MAX_VERSION_LENGTH - _DIGEST_CHARS - 1]
    return f"{base}+{digest}" if base else digest


def installed_version(data: bytes, running: str, check: str) -> str:
    """The firmwareVersion after installing ``data`` over ``running`` under ``check``;
    ``FirmwareFormatError`` if the check refuses the file."""
    named = _named_version(data)
    if named is not None:
        return named
    if damaged_image(data):
        raise FirmwareFormatError("a damaged chargecheck firmware image (no valid version)")
    if check == "manifest":
        raise FirmwareFormatError(
            "not a chargecheck firmware image (no manifest first line) and the profile "
            'has firmware_check = "manifest"'
        )
    return derived_version(running, data)


@lru_cache(maxsize=32)
def firmware_check(profile: str | Path) -> str:
    """The ``firmware_check`` of a charger profile, read once per process;
    ``ConfigurationError`` if the profile names an unknown one."""
    data, source = read_profile(profile)
    check = data.get("firmware_check", DEFAULT_FIRMWARE_CHECK)
    if not isinstance(check, str) or check not in FIRMWARE_CHECKS:
        choices = ", ".join(f'"{name}" ({what})' for name, what in FIRMWARE_CHECKS.items())
        raise ConfigurationError(f"{source}: firmware_check = {check!r} is unknown; use {choices}")
    return check

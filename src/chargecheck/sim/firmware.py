"""The simulator's firmware image format (no ``chargecheck.files`` on main yet).

A firmware image is a JSON manifest on the first line, then any bytes::

    {"firmwareVersion": "4.5.0-3200"}\\n<payload>

The station installs an image by reading its ``firmwareVersion`` and boots with it; an
image whose first line is not such a manifest fails with InstallationFailed (OCPP 1.6
section 4.5 FirmwareStatus).
"""

from __future__ import annotations

import json

MANIFEST_MAX_BYTES = 4096


class FirmwareFormatError(ValueError):
    """The downloaded file is not a firmware image of this format."""


def firmware_image(version: str, payload: bytes = b"") -> bytes:
    """An image that installs firmware ``version``."""
    return json.dumps({"firmwareVersion": version}).encode() + b"\n" + payload


def firmware_version(data: bytes) -> str:
    """The version an image installs; ``FirmwareFormatError`` if it is not an image."""
    head = data[:MANIFEST_MAX_BYTES].split(b"\n", 1)[0]
    try:
        manifest = json.loads(head)
    except ValueError:
        raise FirmwareFormatError("the first line is not a JSON manifest") from None
    version = manifest.get("firmwareVersion") if isinstance(manifest, dict) else None
    if not isinstance(version, str) or not 0 < len(version) <= 50:
        raise FirmwareFormatError("the manifest has no firmwareVersion of 1 to 50 characters")
    return version

"""What the simulated station accepts as firmware: an image of the format in
``chargecheck.protocol.firmware_image``; anything else fails with InstallationFailed
(OCPP 1.6 section 4.5 FirmwareStatus)."""

from __future__ import annotations

from chargecheck.protocol.firmware_image import firmware_version as _named_version


class FirmwareFormatError(ValueError):
    """The downloaded file is not a firmware image the station can install."""


def firmware_version(data: bytes) -> str:
    """The version an image installs; ``FirmwareFormatError`` if it is not an image."""
    version = _named_version(data)
    if version is None:
        raise FirmwareFormatError("not a chargecheck firmware image (no manifest first line)")
    return version

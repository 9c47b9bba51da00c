"""The firmware image format the bench serves and the simulator installs.

A station updates its firmware from the file at ``UpdateFirmware.req.location`` (OCPP
1.6 section 5.16) and reports the version it runs in ``BootNotification.req``
``firmwareVersion`` (section 4.2, CiString50). A generated image names that version in
its first line, a JSON manifest, followed by padding, so the simulator learns from the
downloaded bytes alone which version it "installs"::

    {"format":"chargecheck-firmware/1","firmwareVersion":"4.4.1-3200"}\\n<padding>

Pure functions, no I/O: the bench (chargecheck.files) serves these images and the
simulator, which shares only ``protocol`` with the bench, installs them.
"""

from __future__ import annotations

import hashlib
import json
import re

FORMAT = "chargecheck-firmware/1"
DEFAULT_SIZE = 4096
# OCPP 1.6 section 4.2: firmwareVersion is CiString50Type.
MAX_VERSION_LENGTH = 50
# A manifest line is short; reading more than this never finds one.
_MAX_MANIFEST_BYTES = 1024
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def firmware_image(version: str, size: int = DEFAULT_SIZE) -> bytes:
    """An image of at least ``size`` bytes whose manifest names ``version``.

    The padding is derived from the version, so two versions never share bytes after
    the manifest and the same version always gives the same image.
    """
    if not version or len(version) > MAX_VERSION_LENGTH:
        raise ValueError(
            f"firmware version {version!r} must be 1 to {MAX_VERSION_LENGTH} characters "
            "(OCPP 1.6 firmwareVersion is CiString50)"
        )
    manifest = json.dumps(
        {"format": FORMAT, "firmwareVersion": version}, separators=(",", ":")
    ).encode()
    header = manifest + b"\n"
    missing = max(0, size - len(header))
    block = hashlib.sha256(header).digest()
    padding = (block * (missing // len(block) + 1))[:missing]
    return header + padding


def firmware_version(data: bytes) -> str | None:
    """The version named by an image from ``firmware_image``; ``None`` for any other data."""
    line, newline, _ = data[:_MAX_MANIFEST_BYTES].partition(b"\n")
    if not newline:
        return None
    try:
        manifest = json.loads(line)
    except ValueError:
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    version = manifest.get("firmwareVersion")
    if not isinstance(version, str) or not 0 < len(version) <= MAX_VERSION_LENGTH:
        return None
    return version


def firmware_file_name(version: str) -> str:
    """The file name ``make_firmware`` gives an image: safe in a path and in a URL."""
    return f"chargecheck-fw-{_UNSAFE_NAME_CHARS.sub('_', version)}.bin"

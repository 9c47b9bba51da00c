"""The firmware image format shared by the bench (serves it) and the simulator (reads it)."""

from __future__ import annotations

import json

import pytest

from chargecheck.protocol.firmware_image import (
    DEFAULT_SIZE,
    firmware_file_name,
    firmware_image,
    firmware_version,
)


def test_an_image_names_the_version_it_was_made_for():
    assert firmware_version(firmware_image("4.4.1-3200")) == "4.4.1-3200"


def test_an_image_is_padded_to_the_requested_size():
    assert len(firmware_image("1.0")) == DEFAULT_SIZE
    assert len(firmware_image("1.0", size=10_000)) == 10_000


def test_an_image_smaller_than_its_manifest_is_just_the_manifest():
    image = firmware_image("1.0", size=1)
    assert image.endswith(b"\n") and firmware_version(image) == "1.0"


def test_the_same_version_gives_the_same_bytes_and_another_version_other_padding():
    assert firmware_image("1.0") == firmware_image("1.0")
    first, second = firmware_image("1.0"), firmware_image("1.1")
    assert first.partition(b"\n")[2] != second.partition(b"\n")[2]


def test_the_manifest_is_one_json_line():
    line = firmware_image("2.0").partition(b"\n")[0]
    assert json.loads(line) == {"format": "chargecheck-firmware/1", "firmwareVersion": "2.0"}


@pytest.mark.parametrize("version", ["", "x" * 51])
def test_a_version_outside_ocpp_cistring50_is_refused(version):
    with pytest.raises(ValueError, match="CiString50"):
        firmware_image(version)


def test_a_fifty_character_version_is_accepted():
    assert firmware_version(firmware_image("v" * 50)) == "v" * 50


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x7fELF\x02\x01\x01" + bytes(200),  # a real binary
        b'{"format":"chargecheck-firmware/1","firmwareVersion":"1.0"}',  # no newline
        b'{"format":"other/1","firmwareVersion":"1.0"}\n',
        b'{"format":"chargecheck-firmware/1","firmwareVersion":7}\n',
        b'{"format":"chargecheck-firmware/1","firmwareVersion":""}\n',
        b'["chargecheck-firmware/1"]\n',
        b"\xff\xfe not json\n",
    ],
)
def test_data_that_is_no_image_names_no_version(data):
    assert firmware_version(data) is None


def test_file_names_keep_only_path_and_url_safe_characters():
    assert firmware_file_name("4.4.1-3200") == "chargecheck-fw-4.4.1-3200.bin"
    assert firmware_file_name("1.0 beta/../x") == "chargecheck-fw-1.0_beta_.._x.bin"

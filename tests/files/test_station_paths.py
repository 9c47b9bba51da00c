"""Pure path decisions: what a station's path means and which ones are refused."""

from __future__ import annotations

import pytest

from chargecheck.files.paths import (
    PATH_REFUSED,
    UPLOAD_REFUSED,
    Refusal,
    firmware_request,
    partial_candidates,
    redact_url,
    station_path,
    upload_refusal,
)


@pytest.mark.parametrize(
    ("raw", "cwd", "parts"),
    [
        ("diag.zip", "/", ("diag.zip",)),
        ("/diag.zip", "/", ("diag.zip",)),
        ("diag.zip", "/sub", ("sub", "diag.zip")),
        ("/diag.zip", "/sub", ("diag.zip",)),
        ("./a//b/./c", "/", ("a", "b", "c")),
        ("/", "/sub", ()),
        ("firmware/fw.bin", "/", ("firmware", "fw.bin")),
    ],
)
def test_a_station_path_is_resolved_against_the_virtual_cwd(raw, cwd, parts):
    assert station_path(raw, cwd) == parts


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../x", "'..'"),
        ("/../../etc/passwd", "'..'"),
        ("sub/../x", "'..'"),
        ("..", "'..'"),
        ("..\\x", "backslash"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("", "empty"),
    ],
)
def test_paths_that_climb_or_smuggle_are_refused_as_leaving_the_run_directory(raw, reason):
    refusal = station_path(raw, "/")
    assert isinstance(refusal, Refusal)
    assert refusal.kind == PATH_REFUSED and reason in refusal.reason


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ((), "no file name"),
        (("firmware", "x.bin"), "read-only"),
        (("diag.zip.partial",), ".partial"),
    ],
)
def test_uploads_are_refused_where_the_run_directory_forbids_them(parts, reason):
    refusal = upload_refusal(parts)
    assert refusal is not None and refusal.kind == UPLOAD_REFUSED and reason in refusal.reason


def test_an_upload_to_an_ordinary_name_is_allowed():
    assert upload_refusal(("diag.zip",)) is None
    assert upload_refusal(("sub", "diag.zip")) is None


def test_partial_names_are_tried_in_order_and_all_end_in_partial():
    names = list(partial_candidates("diag.zip"))
    assert names[:3] == ["diag.zip.partial", "diag.zip.1.partial", "diag.zip.2.partial"]
    assert len(set(names)) == len(names) and all(n.endswith(".partial") for n in names)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/firmware/fw.bin", "fw.bin"),
        ("/firmware/fw%20v2.bin", "fw v2.bin"),
        ("http://127.0.0.1:8080/firmware/fw.bin?x=1", "fw.bin"),
        ("/firmware/", None),
        ("/other/fw.bin", None),
        ("/firmware/a/b", None),
        ("", None),
    ],
)
def test_an_http_target_names_a_firmware_file_or_nothing(target, expected):
    assert firmware_request(target) == expected


@pytest.mark.parametrize(
    "target", ["/firmware/../secret", "/firmware/%2e%2e/secret", "/../etc/passwd", "/a%5c..%5cb"]
)
def test_an_http_target_that_climbs_is_refused(target):
    refusal = firmware_request(target)
    assert isinstance(refusal, Refusal) and refusal.kind == PATH_REFUSED


def test_redaction_masks_the_password_and_keeps_the_rest():
    assert redact_url("ftp://cc-1:s3cret@127.0.0.1:2121/firmware/x") == (
        "ftp://cc-1:***@127.0.0.1:2121/firmware/x"
    )
    assert redact_url("http://127.0.0.1:80/x") == "http://127.0.0.1:80/x"

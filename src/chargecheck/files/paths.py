"""What a station may name: pure decisions over the paths it sends.

The station sees its run directory as ``/`` (FTP paths are the server's to define,
RFC 959 section 3.1.1.1; an HTTP request target is ``/firmware/<name>``). These
functions take the raw text and decide without touching the disk; the checks that need
it (symbolic links, existing directories) live in ``sandbox``.

Two kinds of refusal, so a report can tell an escape attempt from a mere mistake:

- ``path_refused``: the path would leave the run directory (``..``, a backslash, an
  absolute path naming a directory the run does not have, a symbolic link out);
- ``upload_refused``: the place is inside, but storing there is not allowed
  (the read-only firmware directory, a reserved ``.partial`` name, append, resume).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

PATH_REFUSED = "path_refused"
UPLOAD_REFUSED = "upload_refused"

FIRMWARE_DIR = "firmware"
PARTIAL_SUFFIX = ".partial"
_MAX_PARTIAL_CANDIDATES = 1000


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: str  # PATH_REFUSED or UPLOAD_REFUSED
    reason: str


def station_path(raw: str, cwd: str = "/") -> tuple[str, ...] | Refusal:
    """The components below the run directory of ``raw``, relative to the virtual ``cwd``.

    ``..`` is refused wherever it appears, even where it would stay inside: a station
    has no reason to climb, and a test bench reports the attempt rather than fixing it.
    """
    if not raw:
        return Refusal(PATH_REFUSED, "empty path")
    if any(ord(char) < 32 or ord(char) == 127 for char in raw):
        return Refusal(PATH_REFUSED, "control character in path")
    if "\\" in raw:
        return Refusal(PATH_REFUSED, "backslash in path (a separator elsewhere, refused here)")
    base = [] if raw.startswith("/") else [p for p in cwd.split("/") if p not in ("", ".")]
    for piece in raw.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            return Refusal(PATH_REFUSED, "'..' would leave the run directory")
        base.append(piece)
    return tuple(base)


def upload_refusal(parts: tuple[str, ...]) -> Refusal | None:
    """Why a station may not store a file at ``parts`` (inside the run directory), if so."""
    if not parts:
        return Refusal(UPLOAD_REFUSED, "no file name")
    if parts[0] == FIRMWARE_DIR:
        return Refusal(UPLOAD_REFUSED, "the firmware directory is read-only")
    if parts[-1].endswith(PARTIAL_SUFFIX):
        return Refusal(UPLOAD_REFUSED, f"names ending in {PARTIAL_SUFFIX} mark incomplete uploads")
    return None


def partial_candidates(name: str) -> Iterator[str]:
    """Names for an upload in progress: ``diag.zip.partial``, ``diag.zip.1.partial``, ...

    An upload is written under such a name and renamed to ``name`` only once complete,
    so a file that never completed (cut at the cap, client gone, bench killed) never
    looks complete.
    """
    yield name + PARTIAL_SUFFIX
    for n in range(1, _MAX_PARTIAL_CANDIDATES):
        yield f"{name}.{n}{PARTIAL_SUFFIX}"


def firmware_request(target: str) -> str | Refusal | None:
    """The firmware file name an HTTP request target asks for.

    ``None`` for a target that is no firmware path (answered 404), a ``Refusal`` for one
    that tries to leave the firmware directory (answered 403 and reported).
    """
    path = unquote(urlsplit(target).path)
    if not path:
        return None
    parts = station_path(path)
    if isinstance(parts, Refusal):
        return parts
    if len(parts) == 2 and parts[0] == FIRMWARE_DIR:
        return parts[1]
    return None


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, for printing and reports."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()

"""The run directory on disk: where a station's path lands, and the files it moves.

``paths`` decides what a path string may mean; ``Sandbox`` adds what only the disk
knows (symbolic links, which directories exist) and opens files so that every byte
that passes is counted and hashed (``TrackedFile``). Used by the FTP and HTTP servers
from their own threads; it keeps no mutable state of its own.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from chargecheck.files.paths import (
    FIRMWARE_DIR,
    PATH_REFUSED,
    UPLOAD_REFUSED,
    Refusal,
    partial_candidates,
    upload_refusal,
)


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


class Sandbox:
    """One run's directory: uploads anywhere inside, firmware in ``firmware/`` (read-only)."""

    def __init__(self, run_dir: Path) -> None:
        self.root = run_dir.resolve()
        self.firmware_dir = self.root / FIRMWARE_DIR

    def locate(self, parts: tuple[str, ...], *, write: bool) -> Path | Refusal:
        """The real path of ``parts`` (from ``station_path``), or why it is refused."""
        target = self.root.joinpath(*parts)
        if not inside(Path(os.path.realpath(target)), self.root):
            return Refusal(PATH_REFUSED, "a symbolic link leads out of the run directory")
        if not write:
            return target
        directory = "/" + "/".join(parts[:-1])
        if not target.parent.is_dir():
            return Refusal(PATH_REFUSED, f"directory {directory} is not in the run directory")
        if target.is_symlink():
            return Refusal(PATH_REFUSED, "the target is a symbolic link")
        if target.is_dir():
            return Refusal(UPLOAD_REFUSED, "the target is a directory")
        return upload_refusal(parts) or target

    def name_of(self, path: Path) -> str:
        """The name the station knows ``path`` by: relative to the run directory."""
        return path.relative_to(self.root).as_posix()

    def download_name(self, path: Path) -> str:
        """A download's name: a firmware file by its own name, anything else as ``name_of``."""
        return path.name if path.parent == self.firmware_dir else self.name_of(path)

    def open_upload(self, target: Path, cap: int | None) -> TrackedFile:
        """A new file for an upload to ``target``, written under a ``.partial`` name."""
        for candidate in partial_candidates(target.name):
            partial = target.with_name(candidate)
            try:
                raw = open(partial, "xb")  # noqa: SIM115 - closed by the transfer
            except FileExistsError:
                continue
            return TrackedFile(raw, target, partial=partial, cap=cap)
        raise FileExistsError(errno.EEXIST, "no free .partial name", str(target))

    def open_download(self, target: Path) -> TrackedFile:
        return TrackedFile(open(target, "rb"), target)


class TrackedFile:
    """A file in transfer: counts and hashes the bytes that pass; enforces the upload cap.

    ``name`` is the target path as text, as pyftpdlib's data channel expects of a file
    object. Past the cap, ``write`` keeps the bytes up to it, sets ``overflowed`` and
    raises ``OSError(EFBIG)``, which ends the transfer.
    """

    def __init__(
        self, raw: BinaryIO, target: Path, *, partial: Path | None = None, cap: int | None = None
    ) -> None:
        self.raw = raw
        self.target = target
        self.partial = partial
        self.cap = cap
        self.name = str(target)
        self.size = 0
        self.overflowed = False
        self._hash = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def write(self, data: bytes) -> int:
        if self.cap is not None and self.size + len(data) > self.cap:
            self._take(data[: self.cap - self.size], write=True)
            self.overflowed = True
            raise OSError(errno.EFBIG, f"upload exceeds the cap of {self.cap} bytes")
        return self._take(data, write=True)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self._take(data, write=False)
        return data

    def _take(self, data: bytes, *, write: bool) -> int:
        if write:
            self.raw.write(data)
        self.size += len(data)
        self._hash.update(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> TrackedFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

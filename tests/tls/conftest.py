"""Fixtures of the TLS tests: a self-signed bench certificate (as ``run --tls`` makes
it), a test CA with a station's client certificate, and a Central System serving wss://
on 127.0.0.1:0 with a real journal (``tests/conftest.py``'s ``journal``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.tls import ServerTls, certificate_hosts, self_signed_certificate
from chargecheck.journal import Journal
from tests.tls.certs import Issued, issue, make_ca

WAIT = 20.0  # real seconds any single expectation may take at most


@pytest.fixture(scope="session")
def bench_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bench's self-signed certificate and key (generated once: RSA takes a while)."""
    return self_signed_certificate(tmp_path_factory.mktemp("bench"), certificate_hosts())


@pytest.fixture(scope="session")
def station_ca(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    return make_ca(tmp_path_factory.mktemp("station-ca"), "Station CA")


@pytest.fixture(scope="session")
def station_cert(tmp_path_factory: pytest.TempPathFactory, station_ca: Issued) -> Issued:
    return issue(station_ca, tmp_path_factory.mktemp("station"), "CP3")


@pytest.fixture(scope="session")
def stranger_cert(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """A client certificate from a CA the bench does not know."""
    other = make_ca(tmp_path_factory.mktemp("other-ca"), "Other CA")
    return issue(other, tmp_path_factory.mktemp("stranger"), "CP3")


@pytest.fixture
def tls_bench(journal: Journal, bench_pair: tuple[Path, Path]) -> Callable[..., Any]:
    """``async with tls_bench(client_ca=..., passwords=...) as cs``: a wss:// bench."""

    @asynccontextmanager
    async def start(
        client_ca: Path | None = None, passwords: dict[str, str] | None = None
    ) -> AsyncIterator[CentralSystem]:
        cert, key = bench_pair
        tls = ServerTls(cert, key, client_ca).context()
        settings = ServerSettings(port=0, ping_interval=None, tls=tls, passwords=passwords or {})
        async with CentralSystem(journal, settings) as cs:
            cs.run_id = journal.start_run("tls-tests", security_profile=None)
            _WATCHES[cs] = RefusalWatch(cs)
            try:
                yield cs
            finally:
                del _WATCHES[cs]

    return start


class RefusalWatch:
    """Counts the ``refuse`` entries a Central System journals (through its writer's tap)."""

    def __init__(self, central: CentralSystem) -> None:
        self.central = central
        self.count = 0
        self._changed = asyncio.Event()
        central.writer.tap = self._seen

    def _seen(self, kind: str, fields: dict[str, Any]) -> None:
        if kind == "refuse":
            self.count += 1
            self._changed.set()

    async def reach(self, count: int, timeout: float = WAIT) -> None:
        """Until ``count`` refusals are journaled and committed."""
        async with asyncio.timeout(timeout):
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()
        await self.central.writer.persisted()


_WATCHES: dict[CentralSystem, RefusalWatch] = {}


async def refused(central: CentralSystem, count: int, timeout: float = WAIT) -> None:
    """Until the bench has journaled ``count`` refusals (a TLS failure may be seen by the
    bench after the station has given up)."""
    await _WATCHES[central].reach(count, timeout)


def refusals(journal: Journal, central: CentralSystem) -> list[dict[str, Any]]:
    return [e.detail for e in journal.entries(central.run_id) if e.kind == "refuse"]

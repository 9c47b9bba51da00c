"""The peer station of ``test_pack_against_peer`` stops when told, whatever it is doing:
a test that waits for it must end, never hang. The bad interleaving is forced: the peer is
cancelled at the moment its connection is lost (a child of the connection's task group
failing with ConnectionClosed while the cancellation arrives), where asyncio's TaskGroup
hands back the connection's error and not the cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed

from tests.conftest import UNIT
from tests.v201.peer201 import Link, Peer201

BOUND = 25 * UNIT  # real seconds the peer may take to stop


class CancelledAsItsConnectionIsLost(Link):
    """The connection as the peer serves it, but the peer's task is cancelled in the very
    step its reader sees the connection closed."""

    async def start(self) -> None:
        try:
            await super().start()
        except ConnectionClosed:
            running = self.peer.task
            assert running is not None
            running.cancel()
            raise


async def _until(condition: Callable[[], object]) -> None:
    """Until ``condition()`` holds, BOUND seconds at most (then the test fails)."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(BOUND / 100)
    raise AssertionError("not reached in time")


async def _online(central, peer: Peer201) -> asyncio.Task[None]:
    task = peer.task = asyncio.create_task(peer.run())
    await _until(lambda: peer.online)
    return task


async def test_a_peer_cancelled_as_its_connection_is_lost_stops(central):
    peer = Peer201(central.url("PEER-STOP"), "PEER-STOP", reboot_delay=UNIT)
    peer.link_class = CancelledAsItsConnectionIsLost
    task = await _online(central, peer)
    await central.sessions["PEER-STOP"].disconnect(1001, "the bench closes")
    done, _ = await asyncio.wait({task}, timeout=BOUND)
    assert done == {task} and task.cancelled(), peer.attempts


async def test_a_stopped_peer_ends_while_connected_and_while_backing_off(central):
    peer = Peer201(central.url("PEER-STOP2"), "PEER-STOP2", reboot_delay=UNIT)
    task = await _online(central, peer)
    peer.stop()
    done, _ = await asyncio.wait({task}, timeout=BOUND)
    assert done == {task} and task.exception() is None
    backing_off = Peer201("ws://127.0.0.1:9/ocpp/NOBODY", "NOBODY", reboot_delay=UNIT)
    task = backing_off.task = asyncio.create_task(backing_off.run())
    await _until(lambda: backing_off.refusals)  # port 9 on loopback: refused at once
    backing_off.stop()
    done, _ = await asyncio.wait({task}, timeout=BOUND)
    assert done == {task} and task.exception() is None

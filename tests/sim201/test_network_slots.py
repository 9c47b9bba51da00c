"""Where the 2.0.1 station connects (OCPP 2.0.1 part 2, use case B10): the slots of
NetworkConfigurationPriority in order, NetworkProfileConnectionAttempts on each
(B10.FR.03), the first entry after a reboot (B10.FR.04) and the fallback to the slot of
the last successful connection (B10.FR.07); by plain calls, then against a CSMS we did
not write (``peer``) that refuses a path."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ocpp.v201 import call

from chargecheck.sim.v201.network import NetworkSlots
from chargecheck.sim.v201.simulator import Simulator201

from .peer import WAIT, Central, running_csms
from .test_ocpp_peer import booted, var

START = "ws://bench/ocpp"
NEW = {"2": {"ocppCsmsUrl": "ws://bench/new"}}


def _next(slots: NetworkSlots, n: int) -> list[str]:
    """The URLs of ``n`` attempts that all fail."""
    urls = []
    for _ in range(n):
        urls.append(slots.url)
        slots.failed()
    return urls


def test_the_first_entry_first_then_the_next_after_its_attempts() -> None:
    slots = NetworkSlots(START, "CS1")
    slots.begin(["2", "1"], NEW, attempts=2)
    assert _next(slots, 4) == [
        "ws://bench/new/CS1",
        "ws://bench/new/CS1",
        "ws://bench/ocpp/CS1",
        "ws://bench/ocpp/CS1",
    ]


def test_a_slot_with_no_profile_holds_the_url_it_was_started_with() -> None:
    slots = NetworkSlots("ws://bench/ocpp/CS1", "CS1")
    slots.begin(["1"], {}, attempts=3)
    assert slots.url == "ws://bench/ocpp/CS1" and slots.slot == "1"


def test_every_entry_failed_falls_back_to_the_last_successful_slot() -> None:
    slots = NetworkSlots(START, "CS1")
    slots.begin(["1"], NEW, attempts=1)
    slots.succeeded()  # connected on slot 1 before the migration
    slots.begin(["2", "1"], NEW, attempts=1)
    assert _next(slots, 4) == [
        "ws://bench/new/CS1",
        "ws://bench/ocpp/CS1",
        "ws://bench/ocpp/CS1",  # B10.FR.07: slot 1, not the list again
        "ws://bench/ocpp/CS1",
    ]
    assert slots.fallback and slots.slot == "1"


def test_with_no_successful_connection_yet_the_list_starts_again() -> None:
    slots = NetworkSlots(START, "CS1")
    slots.begin(["2", "1"], NEW, attempts=1)
    assert _next(slots, 3) == ["ws://bench/new/CS1", "ws://bench/ocpp/CS1", "ws://bench/new/CS1"]
    assert not slots.fallback


def test_a_success_is_remembered_and_begin_starts_from_the_first_entry() -> None:
    slots = NetworkSlots(START, "CS1")
    slots.begin(["2", "1"], NEW, attempts=1)
    slots.failed()
    slots.succeeded()
    assert slots.last_success == "1"
    slots.begin(["2", "1"], NEW, attempts=1)
    assert slots.slot == "2"


# -- against a CSMS ----------------------------------------------------------------------------

FAST = 100.0  # station seconds per real second


def _profile(csms: Central, path: str) -> dict[str, Any]:
    return {
        "ocpp_version": "OCPP20",
        "ocpp_transport": "JSON",
        "ocpp_csms_url": csms.url.replace("/ocpp", path),
        "message_timeout": 30,
        "security_profile": 0,
        "ocpp_interface": "Wired0",
    }


async def _migrate(csms: Central, **variables: str) -> None:
    """Slot 2 holds ``/new``, NetworkConfigurationPriority "2,1", ``variables`` of
    OCPPCommCtrlr set, then Reset OnIdle."""
    got = await csms.peer.call(
        call.SetNetworkProfile(configuration_slot=2, connection_data=_profile(csms, "/new"))
    )
    assert got.status == "Accepted"
    items = [var("OCPPCommCtrlr", "NetworkConfigurationPriority", attribute_value="2,1")]
    items += [var("OCPPCommCtrlr", k, attribute_value=v) for k, v in variables.items()]
    got = await csms.peer.call(call.SetVariables(set_variable_data=items))
    statuses = [r["attribute_status"] for r in got.set_variable_result]
    assert statuses == ["RebootRequired"] + ["Accepted"] * len(variables)
    assert (await csms.peer.call(call.Reset(type="OnIdle"))).status == "Accepted"


async def test_after_the_reset_it_boots_over_the_new_profile(tmp_path: Path) -> None:
    async with (
        running_csms() as csms,
        Simulator201(csms.url, "CSN", state_dir=tmp_path, time_scale=FAST) as sim,
    ):
        await booted(csms, sim)
        mark = csms.mark()
        await _migrate(csms)
        await csms.first("BootNotification", start=mark)
    assert csms.paths == ["/ocpp/CSN", "/new/CSN"]


async def test_the_new_profile_refused_it_falls_back_to_the_next_entry(tmp_path: Path) -> None:
    async with (
        running_csms() as csms,
        Simulator201(csms.url, "CSF", state_dir=tmp_path, time_scale=FAST) as sim,
    ):
        await booted(csms, sim)
        csms.closed_paths["/new/"] = None
        mark = csms.mark()
        await _migrate(csms, NetworkProfileConnectionAttempts="2")
        await csms.first("BootNotification", start=mark, timeout=2 * WAIT)
        tried = list(sim.shell.tried)
    assert csms.refused_paths == ["/new/CSF", "/new/CSF"]  # B10.FR.03: two attempts
    assert csms.paths == ["/ocpp/CSF", "/ocpp/CSF"]
    assert [urlsplit(u).path for u in tried] == ["/ocpp/CSF", "/new/CSF", "/new/CSF", "/ocpp/CSF"]


async def test_every_entry_refused_it_reconnects_to_the_last_successful_one(
    tmp_path: Path,
) -> None:
    async with (
        running_csms() as csms,
        Simulator201(csms.url, "CSB", state_dir=tmp_path, time_scale=FAST) as sim,
    ):
        await booted(csms, sim)
        csms.closed_paths.update({"/new/": None, "/ocpp/": 1})
        mark = csms.mark()
        await _migrate(
            csms,
            NetworkProfileConnectionAttempts="1",
            RetryBackOffRepeatTimes="0",
            RetryBackOffRandomRange="0",
            RetryBackOffWaitMinimum="7",
        )
        await csms.first("BootNotification", start=mark, timeout=2 * WAIT)
        waits = list(sim.shell.waits)
    assert csms.refused_paths == ["/new/CSB", "/ocpp/CSB"]
    assert csms.paths == ["/ocpp/CSB", "/ocpp/CSB"]  # B10.FR.07: not /new again
    assert waits[-2:] == [7.0, 7.0]  # part 4 section 5.3: RetryBackOffWaitMinimum each time

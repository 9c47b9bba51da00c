"""The bench's physical steps done on a simulated station, for a run with nobody there.

``python -m chargecheck.sim.step --control http://127.0.0.1:PORT STEP CONNECTOR [ID_TAG]``
does one step (plug, plug_in, unplug, present_card, present_invalid_card, create_error,
clear_error, lock_failure, clear_lock_failure, power_cycle, local_list_failure,
clear_local_list_failure, security_profile (ID_TAG: the profile, 0..3):
``chargecheck.script.operator.StepKind``) through a station's control
interface (``chargecheck simulate --control-port PORT``), and exits 0 once the station
took it. It is the hook ``chargecheck run --step-command`` calls for every step:

    chargecheck simulate ws://127.0.0.1:9000/ocpp CP1 --control-port 8765 &
    chargecheck run --step-command "python -m chargecheck.sim.step --control http://127.0.0.1:8765"

A lab writes its own hook the same way for its EV simulator, RFID emulator or relay card.
On an OCPP 2.0.1 station (``simulate --ocpp 2.0.1``) CONNECTOR is the EVSE id; a step
that needs an act it does not have (create_error, power_cycle, lock_failure, ...) exits 1:
its control interface answers 404.
Exit codes: 0 done; 1 the station refused the step (the control interface's error on
standard error); 2 a bad argument.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

# What "create an error" is on the simulator: on the station itself, an internal fault;
# on a connector, the RCD trips.
FAULTS: dict[int | None, tuple[str, str]] = {
    0: ("OtherError", "internal power supply fault"),
    None: ("GroundFailure", "RCD"),
}
EV_AMPS = 32  # what a car that draws again asks for
STEPS = (
    "plug",
    "plug_in",
    "unplug",
    "present_card",
    "present_invalid_card",
    "create_error",
    "clear_error",
    "lock_failure",
    "clear_lock_failure",
    "power_cycle",
    "local_list_failure",
    "clear_local_list_failure",
    "security_profile",
    "ev_suspend",
    "ev_resume",
    "ev_side_unplug",
    "ev_side_plug",
)


def requests_for(step: str, connector: int, id_tag: str | None) -> list[tuple[str, dict[str, Any]]]:
    """The control requests (path, JSON body) that do ``step``, in order."""
    on = {"connector": connector}
    if step == "plug":
        return [("/plug", on)]
    if step == "plug_in":  # the act of plugging in: out first if a car is in
        return [("/unplug", on), ("/plug", on)]
    if step == "unplug":
        return [("/unplug", on)]
    if step == "present_card":
        return [("/present_id_tag", {**on, "idTag": id_tag or ""})]
    if step == "present_invalid_card":
        return [("/present_id_tag", {**on, "idTag": id_tag or "INVALID"})]
    if step == "create_error":
        code, info = FAULTS.get(connector) or FAULTS[None]
        return [("/inject_fault", {**on, "errorCode": code, "info": info})]
    if step == "clear_error":
        return [("/clear_fault", on)]
    if step == "lock_failure":
        return [("/lock_failure", on)]
    if step == "clear_lock_failure":
        return [("/clear_lock_failure", on)]
    if step == "power_cycle":  # the whole station, whichever connector the step names
        return [("/power_cycle", {})]
    if step in ("local_list_failure", "clear_local_list_failure"):  # the station itself
        return [(f"/{step}", {})]
    if step == "security_profile":  # the station's local configuration: the profile
        if id_tag not in ("0", "1", "2", "3"):
            raise ValueError(f"security_profile takes the profile 0..3, not {id_tag!r}")
        return [("/security_profile", {"profile": int(id_tag)})]
    if step in ("ev_suspend", "ev_resume"):  # the car's current: 0 is a pause
        return [("/ev_max_current", {**on, "amps": 0 if step == "ev_suspend" else EV_AMPS})]
    if step == "ev_side_unplug":  # the simulators' cables are attached: the plug comes out
        return [("/unplug", on)]
    if step == "ev_side_plug":
        return [("/plug", on)]
    raise ValueError(f"no step {step!r}; valid: {', '.join(STEPS)}")


def _post(base: str, path: str, body: dict[str, Any], timeout: float) -> None:
    request = urllib.request.Request(
        base.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout):
        pass


def _loopback(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise ValueError(f"--control {url!r}: give http://127.0.0.1:PORT (simulate --control-port)")
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chargecheck.sim.step",
        description="Do one of the bench's physical steps on a simulated station.",
    )
    parser.add_argument("--control", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("step", help=", ".join(STEPS))
    parser.add_argument("connector", type=int)
    parser.add_argument("id_tag", nargs="?")
    args = parser.parse_args(argv)
    try:
        base = _loopback(args.control)
        requests = requests_for(args.step, args.connector, args.id_tag)
    except ValueError as exc:
        print(f"chargecheck.sim.step: {exc}", file=sys.stderr)
        return 2
    for path, body in requests:
        try:
            _post(base, path, body, args.timeout)
        except urllib.error.HTTPError as exc:
            reason = exc.read().decode(errors="replace").strip()
            print(f"{path}: HTTP {exc.code} {reason}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

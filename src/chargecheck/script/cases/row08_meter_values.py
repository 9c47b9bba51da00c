"""Row 8 - Receive meter reading (OCPP 1.6 sections 4.7, 9.1 MeterValueSampleInterval).

The bench sets MeterValueSampleInterval to the settings' interval (the seed asks for at
most 30 s while charging) and MeterValuesSampledData to include voltage, current and
power, starts a transaction, and checks: meter values at its start and stop
(meterStart / meterStop, plus Transaction.Begin / Transaction.End readings where sent),
periodic MeterValues of that transaction at the interval, and each measurand in them.

What each FAIL rests on: the seed ("Meter values are received at the start of
transaction and stop of transaction"; "according to meter interval that can be set by
user (at least 30 seconds interval when charging)"; "Voltage, current and power reading
are received"). Whether MeterValuesSampledData accepts the bench's list is not judged
(the seed does not ask it), only whether the readings come.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.session import Message
from chargecheck.script.context import CaseContext
from chargecheck.script.reach import start_remote
from chargecheck.script.runner import seed_case
from chargecheck.script.steps import (
    configured,
    make_idle,
    sampled_meter_values,
    spacing,
    stop_remote,
)
from chargecheck.script.verdict import Outcome
from chargecheck.wording import counted

ENERGY = "Energy.Active.Import.Register"


def measurands(message: Message) -> set[str]:
    return {
        sv.get("measurand", ENERGY)
        for mv in message.payload.get("meterValue", [])
        for sv in mv.get("sampledValue", [])
    }


async def run(ctx: CaseContext) -> str:
    meter, c = ctx.settings.meter, ctx.settings.connector
    await make_idle(ctx)
    wanted = ",".join([ENERGY, *meter.measurands])
    async with (
        configured(
            ctx, "MeterValueSampleInterval", str(meter.interval), "the meter interval can be set"
        ) as interval_set,
        # Not a criterion: the seed asks for the readings, not for a settable list (a
        # station may send them already, or cap the list's length).
        configured(ctx, "MeterValuesSampledData", wanted, "") as measurands_set,
    ):
        if not interval_set:
            return ""
        cursor = ctx.mark()
        tx = await start_remote(ctx, c, "a transaction to measure")
        if tx is None:
            return ""
        try:
            periodic = await _periodic(
                ctx, tx, meter.interval, meter.samples, meter.tolerance, cursor
            )
        finally:
            stopped = await stop_remote(ctx, tx, c)
        _start_and_stop(ctx, tx, cursor, stopped)
        if periodic:
            got = set().union(*(measurands(m) for m in periodic))
            for measurand in meter.measurands:
                ctx.check(
                    measurand in got,
                    f"{measurand} is received",
                    "present"
                    if measurand in got
                    else f"missing (got {', '.join(sorted(got)) or 'no measurand'})"
                    + ("" if measurands_set else "; MeterValuesSampledData could not be set"),
                    tuple(m.entry_id for m in periodic),
                )
    return f"OK, meter values every {meter.interval} s"


async def _periodic(
    ctx: CaseContext, tx: int, interval: int, samples: int, tolerance: float, cursor: Any
) -> list[Message]:
    name = f"meter values every {interval} s while charging"
    limit = interval * (1 + tolerance)
    found = await sampled_meter_values(ctx, tx, ctx.settings.connector, samples + 1, limit, cursor)
    if len(found) < samples + 1:
        ctx.record(
            name,
            Outcome.FAIL,
            f"{len(found)} periodic MeterValues of transaction {tx}, "
            f"{samples + 1} expected, none later than {limit:g} s apart",
            tuple(m.entry_id for m in found),
        )
        return found
    ok, detail = spacing(found, limit)
    ctx.check(ok, name, detail, tuple(m.entry_id for m in found))
    return found


def _start_and_stop(ctx: CaseContext, tx: int, cursor: Any, stopped: bool) -> None:
    starts = [m for m in ctx.session.received("StartTransaction", cursor) if m.valid]
    start = starts[-1] if starts else None
    ctx.check(
        start is not None and "meterStart" in start.payload,
        "a meter value at the start of the transaction",
        f"meterStart={start.payload.get('meterStart')} Wh" if start else "none",
        (start.entry_id,) if start else (),
    )
    stops = [
        m
        for m in ctx.session.received("StopTransaction", cursor)
        if m.valid and m.payload["transactionId"] == tx
    ]
    if not stops:
        ctx.record(
            "a meter value at the stop of the transaction",
            Outcome.FAIL,
            "no StopTransaction" + ("" if stopped else " after RemoteStopTransaction"),
        )
        return
    stop = stops[-1].payload
    ends = [
        sv
        for mv in stop.get("transactionData", [])
        for sv in mv.get("sampledValue", [])
        if sv.get("context") == "Transaction.End"
    ]
    ctx.check(
        "meterStop" in stop,
        "a meter value at the stop of the transaction",
        f"meterStop={stop.get('meterStop')} Wh, {counted(len(ends), 'Transaction.End reading')}"
        if "meterStop" in stop
        else "no meterStop",
        (stops[-1].entry_id,),
    )


CASE = seed_case(8, run)

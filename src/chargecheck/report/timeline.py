"""The connector status timeline of a run, from its StatusNotification frames.

OCPP 1.6 section 4.9: a station reports each connector's status with a
StatusNotification (connector 0 is the station itself). A connector's status holds from
the journal time of one notification until the next one for the same connector, or the
end of the run. Times are the bench's journal times, not the station's ``timestamp``
field: the station's clock is itself under test.

``status_timeline`` is pure; ``layout`` turns a timeline into SVG boxes for the HTML
report. The colours of the statuses live in ``STATUS_COLOURS``, one table for the lanes
and the legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chargecheck.protocol.status_table import ChargePointStatus
from chargecheck.report.model import LogEntry

S = ChargePointStatus

# Status -> (fill, text colour). Warm colours for what stops charging, cool for use.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    S.AVAILABLE: ("#2da44e", "#ffffff"),
    S.PREPARING: ("#54aeff", "#0b2540"),
    S.CHARGING: ("#0969da", "#ffffff"),
    S.SUSPENDED_EV: ("#eac54f", "#3b2300"),
    S.SUSPENDED_EVSE: ("#bf8700", "#ffffff"),
    S.FINISHING: ("#8250df", "#ffffff"),
    S.RESERVED: ("#1b7c83", "#ffffff"),
    S.UNAVAILABLE: ("#8c959f", "#ffffff"),
    S.FAULTED: ("#cf222e", "#ffffff"),
}
UNKNOWN_COLOURS = ("#57606a", "#ffffff")

# Tick steps in seconds; the first that gives at most ``max_ticks`` ticks is used.
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Segment:
    status: str
    error_code: str
    start_s: float  # seconds since the timeline's start
    end_s: float
    start_utc: str
    entry_id: int  # the StatusNotification that began it
    info: str = ""  # info / vendorErrorCode, when the station gave them


@dataclass(frozen=True)
class Lane:
    connector_id: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Timeline:
    start_utc: str
    span_s: float
    lanes: tuple[Lane, ...]
    offline: tuple[tuple[float, float], ...]  # (start_s, end_s): socket closed until reconnect

    def at(self, seconds: float) -> datetime:
        return parse_utc(self.start_utc) + timedelta(seconds=seconds)


def status_timeline(
    entries: Sequence[LogEntry], start_utc: str | None = None, end_utc: str | None = None
) -> Timeline:
    """One lane per connector that reported a status, ordered by connector id."""
    if not entries and start_utc is None:
        return Timeline("", 0.0, (), ())
    start = parse_utc(start_utc or entries[0].utc)
    end = parse_utc(end_utc) if end_utc else parse_utc(entries[-1].utc) if entries else start
    span = max((end - start).total_seconds(), 0.0)

    def offset(utc: str) -> float:
        return min(max((parse_utc(utc) - start).total_seconds(), 0.0), span)

    reports: dict[int, list[tuple[float, LogEntry]]] = {}
    offline: list[tuple[float, float]] = []
    closed_at: float | None = None
    for entry in entries:
        if entry.kind == "close" and closed_at is None:
            closed_at = offset(entry.utc)
        elif entry.kind == "connect" and closed_at is not None:
            offline.append((closed_at, offset(entry.utc)))
            closed_at = None
        connector = _status_connector(entry)
        if connector is not None:
            reports.setdefault(connector, []).append((offset(entry.utc), entry))
    if closed_at is not None and closed_at < span:
        offline.append((closed_at, span))
    lanes = tuple(
        Lane(connector, _segments(reports[connector], span)) for connector in sorted(reports)
    )
    return Timeline(start_utc or entries[0].utc, span, lanes, tuple(offline))


def _status_connector(entry: LogEntry) -> int | None:
    if not (
        entry.direction == "in"
        and entry.message_type == "CALL"
        and entry.action == "StatusNotification"
        and entry.payload is not None
    ):
        return None
    connector = entry.payload.get("connectorId")
    if isinstance(connector, int) and not isinstance(connector, bool) and connector >= 0:
        return connector
    return None


def _segments(reports: list[tuple[float, LogEntry]], span: float) -> tuple[Segment, ...]:
    out = []
    for n, (at, entry) in enumerate(reports):
        payload = entry.payload or {}
        until = reports[n + 1][0] if n + 1 < len(reports) else span
        extra = [str(payload[k]) for k in ("info", "vendorErrorCode") if payload.get(k)]
        out.append(
            Segment(
                status=str(payload.get("status", "?")),
                error_code=str(payload.get("errorCode", "")),
                start_s=at,
                end_s=until,
                start_utc=entry.utc,
                entry_id=entry.id,
                info=", ".join(extra),
            )
        )
    return tuple(out)


# -- SVG geometry -----------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str
    text_colour: str
    label: str  # drawn inside when it fits, else ""
    title: str  # the tooltip
    entry_id: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class LaneBox:
    label: str
    y: float
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    left: float  # where time 0 is drawn
    lane_height: float
    lanes: tuple[LaneBox, ...]
    ticks: tuple[Tick, ...]
    offline: tuple[tuple[float, float], ...]  # (x, width) of the offline bands
    top: float
    bottom: float


def layout(
    timeline: Timeline,
    width: float = 1000.0,
    left: float = 110.0,
    lane_height: float = 26.0,
    gap: float = 10.0,
    max_ticks: int = 8,
) -> Layout:
    """Boxes for an SVG of ``width`` units: lanes under a time axis, one per connector."""
    top = 24.0
    chart = width - left - 10.0
    scale = chart / timeline.span_s if timeline.span_s > 0 else 0.0
    lanes = []
    for n, lane in enumerate(timeline.lanes):
        y = top + n * (lane_height + gap)
        boxes = tuple(_box(s, left, y, lane_height, scale, chart) for s in lane.segments)
        name = "Station (0)" if lane.connector_id == 0 else f"Connector {lane.connector_id}"
        lanes.append(LaneBox(name, y, boxes))
    bottom = top + len(lanes) * (lane_height + gap)
    return Layout(
        width=width,
        height=bottom + 8.0,
        left=left,
        lane_height=lane_height,
        lanes=tuple(lanes),
        ticks=tuple(
            Tick(left + s * scale, timeline.at(s).strftime("%H:%M:%S"))
            for s in _tick_seconds(timeline, max_ticks)
        ),
        offline=tuple((left + a * scale, max((b - a) * scale, 1.0)) for a, b in timeline.offline),
        top=top,
        bottom=bottom,
    )


def _box(segment: Segment, left: float, y: float, height: float, scale: float, chart: float) -> Box:
    fill, text = STATUS_COLOURS.get(segment.status, UNKNOWN_COLOURS)
    width = max((segment.end_s - segment.start_s) * scale, 1.5) if scale else chart
    label = segment.status if width >= 7.5 * len(segment.status) + 8 else ""
    error = f" ({segment.error_code})" if segment.error_code not in ("", "NoError") else ""
    info = f" [{segment.info}]" if segment.info else ""
    title = f"{segment.status}{error}{info} from {segment.start_utc} (entry {segment.entry_id})"
    return Box(
        left + segment.start_s * scale, y, width, height, fill, text, label, title, segment.entry_id
    )


def _tick_seconds(timeline: Timeline, max_ticks: int) -> list[float]:
    """Offsets of ticks on round wall-clock times (every 10 s, 1 min, 15 min, ...)."""
    span = timeline.span_s
    if span <= 0 or not timeline.start_utc:
        return [0.0]
    step = next((s for s in _TICK_STEPS if span / s <= max_ticks - 1), span / (max_ticks - 1))
    start = parse_utc(timeline.start_utc).timestamp()
    at = math.ceil(start / step) * step - start
    ticks = []
    while at <= span + 1e-9:
        ticks.append(at)
        at += step
    return ticks

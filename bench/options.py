"""What a benchmark run measures: sizes, durations, servers, sections (``Options``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
SERVERS = {
    "bare": "websockets + orjson parse + fixed answer (no validation, no journal)",
    "real": "chargecheck CentralSystem: every frame validated and journaled (SQLite)",
    "bare-wire": "websockets' sans-I/O protocol on an asyncio protocol (chargecheck's "
    "transport) + orjson parse + fixed answer",
    "real-writer": "chargecheck CentralSystem committing through its journal writer "
    "process (ServerSettings.journal_process on)",
    "real-tls": "chargecheck CentralSystem serving wss:// (TLS, a self-signed certificate; "
    "csms/tls.py)",
}
DEFAULT_SERVERS = ["bare", "real", "bare-wire"]  # --servers real,real-writer to compare
SECTION_NAMES = [
    "throughput",
    "memory",
    "client",
    "tls",
    "demo",
    "simulate",
    "simulate_charging",
    "fleet",
]
# What ``make bench`` runs: the fleet section (10,000 stations charging, against the bare
# server; issue #25) takes the place of simulate_charging (1,000 stations against the real
# server; issue #8, met in session 2), which ``--sections simulate_charging`` still runs.
DEFAULT_SECTIONS = [name for name in SECTION_NAMES if name != "simulate_charging"]

Row = dict[str, Any]


@dataclass
class Options:
    throughput_sizes: list[int] = field(default_factory=lambda: [100, 1000])
    memory_sizes: list[int] = field(default_factory=lambda: [10_000])
    client_sizes: list[int] = field(default_factory=lambda: [1000])
    meter_duration: float = 10.0
    heartbeat_duration: float = 12.0
    heartbeat_interval: float = 5.0
    processes: int = 1
    client_processes: list[int] = field(default_factory=lambda: [1, 2])
    tls_sizes: list[int] = field(default_factory=lambda: [100, 1000])  # real vs real-tls
    ramp: int = 100
    engine: str = "wire"
    servers: list[str] = field(default_factory=lambda: list(DEFAULT_SERVERS))
    sections: list[str] = field(default_factory=lambda: list(DEFAULT_SECTIONS))
    demo_timeout: float = 300.0
    simulate_counts: list[int] = field(default_factory=lambda: [100])
    simulate_duration: float = 20.0
    simulate_time_scale: float = 10.0
    simulate_charging_counts: list[int] = field(default_factory=lambda: [1000])
    simulate_charging_interval: int = 10  # MeterValueSampleInterval, seconds (real time)
    simulate_charging_window: float = 30.0
    fleet_count: int = 10_000  # the fleet section (issue #25): stations charging at once
    fleet_interval: int = 60  # MeterValueSampleInterval, seconds (real time)
    fleet_window: float = 60.0  # sampled window, s: at least one meter interval
    fleet_ramp: float = 250.0  # stations started per second (simulate --ramp)
    repeat: int = 3  # throughput measurements per (server, size); the median is judged
    out: Path = RESULTS
    name: str = "latest"
    uvloop: bool = True
    tuned_gc: bool = True  # both servers: chargecheck.csms.gc_tuning

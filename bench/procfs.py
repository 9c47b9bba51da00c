"""What the runner reads about a process from /proc (Linux): RSS, peak RSS, CPU time."""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass, field

_TICKS = os.sysconf("SC_CLK_TCK")


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (10,000 sockets need it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def status_kb(pid: int, field_name: str) -> int:
    """A ``kB`` field of /proc/<pid>/status (VmRSS, VmHWM, ...); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (0.0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children(pid: int) -> list[int]:
    """The process's child processes (every thread's), from /proc; [] once it is gone."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """``cpu_seconds`` of the process and of its descendants alive now (the Central
    System's journal writer process counts as the server's work)."""
    return cpu_seconds(pid) + sum(tree_cpu_seconds(child) for child in children(pid))


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_kb: int


@dataclass
class Sampler:
    """Samples a process's CPU time (with its child processes') and RSS every
    ``interval`` seconds in a thread."""

    pid: int
    interval: float = 0.2
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def sample(self) -> Sample:
        cpu = tree_cpu_seconds(self.pid)
        return Sample(time.monotonic(), cpu, status_kb(self.pid, "VmRSS"))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.interval)

    def cpu_percent(self, start: float, end: float) -> float:
        """CPU use between two monotonic times, in % of one core."""
        inside = [s for s in self.samples if start <= s.wall <= end]
        if len(inside) < 2:
            return 0.0
        first, last = inside[0], inside[-1]
        if last.wall <= first.wall:
            return 0.0
        return 100.0 * (last.cpu - first.cpu) / (last.wall - first.wall)

    def peak_rss_kb(self) -> int:
        return max((s.rss_kb for s in self.samples), default=0)

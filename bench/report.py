"""The report: the machine it ran on, and Markdown tables of every section."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.options import Row
from bench.sections import Section


def machine() -> dict[str, Any]:
    import websockets

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": _cores(),
        "python": platform.python_version(),
        "websockets": websockets.__version__,
        "platform": platform.platform(),
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def render(report: dict[str, Any], sections: list[Section]) -> str:
    m = report["machine"]
    o = report["options"]
    lines = [
        "# chargecheck benchmark",
        "",
        f"{m['date_utc']}; {m['cpu']}, {m['cores']} cores; Python {m['python']}, "
        f"websockets {m['websockets']}; load engine `{o['engine']}`, "
        f"{o['processes']} client process(es); uvloop {'on' if o['uvloop'] else 'off'}; "
        f"server GC thresholds {'tuned' if o.get('tuned_gc', True) else 'default'}.",
        "",
    ]
    for name, body in report["sections"].items():
        section = next(s for s in sections if s.name == name)
        lines += [f"## {section.title}", "", section.what, ""]
        lines += _table(section.columns, body["rows"])
        if body["verdicts"]:
            lines += ["", "| stations | ratio | value | target | met |", "|---|---|---|---|---|"]
            for v in body["verdicts"]:
                met = {True: "yes", False: "**no**", None: ""}[v["met"]]
                lines.append(
                    f"| {v['stations']} | {v['what']} | {v['value']} | {v['target'] or ''} "
                    f"| {met} |"
                )
        problems = [r for r in body["rows"] if r.get("problems")]
        for r in problems:
            lines.append(f"\nProblems seen ({r['server']}, {r['stations']}): {r['problems']}")
        lines.append("")
    return "\n".join(lines)


def _table(columns: list[tuple[str, str]], rows: list[Row]) -> list[str]:
    lines = [
        "| " + " | ".join(h for h, _ in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = ["" if row.get(k) is None else str(row.get(k)) for _, k in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines

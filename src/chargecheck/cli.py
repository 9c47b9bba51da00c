"""The ``chargecheck`` command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from chargecheck.sim.command import simulate

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()


@app.callback()
def _root() -> None:
    """chargecheck: OCPP 1.6J acceptance test bench for EV charge stations."""


@app.command()
def demo(
    out: Path = typer.Option(Path("runs"), help="Directory for the journal and reports."),
) -> None:
    """Start the Central System and a scripted station over loopback; show the frames."""
    from chargecheck.demo import run_demo

    asyncio.run(run_demo(out, console))


app.command()(simulate)


def main() -> None:
    app()

"""STYLE habit 1: the protocol core does no I/O and reads no clock."""

import ast
from pathlib import Path

import chargecheck.protocol

FORBIDDEN = {"asyncio", "websockets", "socket", "time", "datetime", "sqlite3", "threading"}


def test_protocol_package_imports_no_io_or_clock_module():
    package = Path(chargecheck.protocol.__file__).parent
    offenders = []
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []

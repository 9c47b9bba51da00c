"""The runner's /proc readings count a server's child processes (the journal writer)."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.procfs import children, cpu_seconds, tree_cpu_seconds

CHILD = """
import time
end = time.process_time() + 0.6
while time.process_time() < end:
    pass
time.sleep(30)
"""
PARENT = f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {CHILD!r}])
time.sleep(30)
"""


def test_the_cpu_of_a_busy_child_process_counts_for_its_parent():
    parent = subprocess.Popen([sys.executable, "-c", PARENT])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            kids = children(parent.pid)
            if kids and cpu_seconds(kids[0]) >= 0.5:
                break
            time.sleep(0.1)
        assert kids, "the child process never showed up in /proc"
        assert tree_cpu_seconds(parent.pid) >= cpu_seconds(parent.pid) + 0.5
    finally:
        for kid in children(parent.pid):
            subprocess.run(["kill", str(kid)], check=False)
        parent.kill()
        parent.wait()

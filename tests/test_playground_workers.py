"""playground.workers: worker processes start, answer, and end quietly with Python."""

import subprocess
import sys
import textwrap

import pytest

from optional import require

require("starlette")


@pytest.mark.parametrize("closed", [True, False])
def test_python_exits_quietly_with_workers_running(closed):
    # a host left open at exit: multiprocessing ends its daemon workers, and the reader must not
    # start a new one then (it would print "EOFError: Ran out of input" from a half-made process)
    script = textwrap.dedent(
        f"""
        import asyncio
        from micrograd_mlp.apps.playground.workers import ProcessHost
        host = ProcessHost(1)
        status, text, _ = asyncio.run(host.call(0, "create", "s1", {{"dataset": "xor", "points": 20}}))
        print(status, '"epoch": 0' in text)
        if {closed}:
            host.close()
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "True"]
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr, done.stderr

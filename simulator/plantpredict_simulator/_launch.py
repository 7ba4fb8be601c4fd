"""Running the simulator as a subprocess on loopback: for the demo, the benchmarks and the tests
that need a real server (uvicorn, TCP) rather than the in-process app."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ANNOUNCEMENT = re.compile(r"simulator listening on (http://\S+)")
# The folder that holds the `simulator` package: from a checkout it is not installed, only importable there.
_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def launched(*args: str) -> Iterator[str]:
    """Start ``python -m plantpredict_simulator --port 0 ARGS``, yield its base URL, stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "plantpredict_simulator", "--port", "0", *args],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        match = _ANNOUNCEMENT.fullmatch(line)
        if match is None:
            raise RuntimeError(f"the simulator did not start (first line {line!r}, exit code {process.poll()})")
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()

"""A uvicorn-served simulator for the example programs (over loopback, like a user would run them)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import REPO


@pytest.fixture
def simulator_url(request: pytest.FixtureRequest) -> Iterator[str]:
    extra: list[str] = getattr(request, "param", [])
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--admin", "--seed", "4", *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("simulator listening on "), line
        yield line.removeprefix("simulator listening on ")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

"""Prism (npm ``@stoplight/prism-cli``, pinned in ``tests/contract/prism/``), the mock server the
contract tests call every operation through: started on 127.0.0.1 on a free port for one document,
stopped at the end. ``make tools`` installs it into ``.tools/prism`` (ignored by git).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO
from tests.servers import free_port

PRISM = Path(os.environ.get("PRISM") or REPO / ".tools" / "prism" / "node_modules" / ".bin" / "prism")
#: Loading the live document (300 schemas) takes Prism about 25 s on a busy 2-core machine.
START_TIMEOUT = 240.0
LISTENING = "Prism is listening on"


class PrismError(RuntimeError):
    pass


@dataclass
class Prism:
    """A running Prism: its address and the last lines it printed (for failure messages)."""

    url: str
    process: subprocess.Popen[str]
    output: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    reader: threading.Thread | None = None

    def tail(self, lines: int = 20) -> str:
        return "\n".join(list(self.output)[-lines:])


def _drain(process: subprocess.Popen[str], output: deque[str], lines: queue.Queue[str | None]) -> None:
    """Read Prism's output to the end: it logs every request, and a full pipe would stop it."""
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line.rstrip())
        lines.put(line)
    lines.put(None)


def start(document: Path, *, seed: str | None = None) -> tuple[Prism, queue.Queue[str | None]]:
    """Launch Prism on ``document``: dynamic answers from ``seed`` when given, else the documents'
    own examples. Returns at once; ``wait_until_listening`` waits for it."""
    if not PRISM.is_file():
        raise PrismError(f"Prism is not installed at {PRISM}: run `make tools` (it installs the pinned version)")
    port = free_port()
    command = [str(PRISM), "mock", str(document), "--host", "127.0.0.1", "--port", str(port)]
    if seed is not None:
        command += ["--dynamic", "--seed", seed]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, so stopping it stops node and its children
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
    )
    prism = Prism(url=f"http://127.0.0.1:{port}", process=process)
    lines: queue.Queue[str | None] = queue.Queue()
    prism.reader = threading.Thread(target=_drain, args=(process, prism.output, lines), daemon=True)
    prism.reader.start()
    return prism, lines


def wait_until_listening(prism: Prism, lines: queue.Queue[str | None], timeout: float = START_TIMEOUT) -> None:
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise PrismError(f"Prism did not start within {timeout:.0f} s:\n{prism.tail()}") from None
        if line is None:
            raise PrismError(f"Prism exited with status {prism.process.wait()}:\n{prism.tail()}")
        if LISTENING in line:
            return


def stop(prism: Prism) -> None:
    """Stop Prism's process group (node and whatever it started), then close its output."""
    if prism.process.poll() is None:
        os.killpg(prism.process.pid, signal.SIGTERM)
        try:
            prism.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(prism.process.pid, signal.SIGKILL)
            prism.process.wait()
    if prism.reader is not None:
        prism.reader.join(timeout=10)  # the pipe's end reaches it once the process is gone
    if prism.process.stdout is not None:
        prism.process.stdout.close()


@contextmanager
def running(document: Path, *, seed: str | None = None) -> Iterator[Prism]:
    prism, lines = start(document, seed=seed)
    try:
        wait_until_listening(prism, lines)
        yield prism
    finally:
        stop(prism)


__all__ = ["PRISM", "Prism", "PrismError", "free_port", "running", "start", "stop", "wait_until_listening"]

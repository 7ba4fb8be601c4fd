"""The demo's batch job end to end, over loopback against a uvicorn-served simulator."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from plantpredict_auth import BatchProgress, JournalError, SqliteJournal, progress_of
from tests.conftest import REPO

pytestmark = pytest.mark.slow
BATCH = REPO / "examples" / "batch_predictions.py"


def batch(url: str, output: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(BATCH),
        "--base-url",
        url,
        "--output",
        str(output),
        "--poll",
        "0.2",
        "--poll-max",
        "0.5",
        "--rate-limit-wait",
        "0.5",
        *extra,
    ]


def rows(output: Path) -> list[dict[str, object]]:
    data = json.loads((output / "results.json").read_text())
    found: list[dict[str, object]] = data["rows"]
    return found


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "0.5"]], indirect=True)
def test_a_sweep_writes_a_table_a_plot_and_the_data(simulator_url: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    done = subprocess.run(
        batch(simulator_url, output, "--count", "6", "--concurrency", "3"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "specific yield" in done.stdout
    found = rows(output)
    assert [r["status"] for r in found] == ["success"] * 6
    assert [r["value"] for r in found] == [0.0, 9.2, 18.4, 27.6, 36.8, 46.0]
    yields = [float(r["specific_yield"]) for r in found]  # type: ignore[arg-type]
    assert max(yields) > min(yields)  # the swept parameter matters
    assert (output / "yield.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (output / "results.csv").read_text().count("\n") == 7


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "0.5", "--failed-run-rate", "0.5"]], indirect=True)
def test_failed_runs_are_reported_and_the_rest_plotted(simulator_url: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    done = subprocess.run(
        batch(simulator_url, output, "--count", "8"), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = rows(output)
    statuses = {r["status"] for r in found}
    assert statuses == {"success", "error"}
    assert all(r["specific_yield"] is None for r in found if r["status"] == "error")
    assert "did not succeed" in done.stdout
    assert (output / "yield.png").exists()


def journal_progress(output: Path) -> BatchProgress | None:
    """The sweep's progress from its journal, as another process sees it while the batch runs."""

    async def read() -> BatchProgress | None:
        journal = SqliteJournal(output / "journal.sqlite")
        try:
            await journal.open()
            records = await journal.records()
        except JournalError:  # the batch is still creating it
            return None
        finally:
            await journal.aclose()
        return progress_of(records, [key for key in records if key])

    return asyncio.run(read()) if (output / "journal.sqlite").exists() else None


@pytest.fixture(autouse=True)
def children_take_ctrl_c() -> Iterator[None]:
    """A test run started as a background job (`make test &`, `nohup`) ignores SIGINT, and so would
    the sweeps it starts: the Ctrl-C these tests send would be lost. While they start, this process
    has a handler instead, which (unlike SIG_IGN) a child does not inherit."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def interrupt_when(process: subprocess.Popen[str], output: Path, reached: Callable[[BatchProgress], bool]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = journal_progress(output)
        if progress is not None and reached(progress):
            process.send_signal(signal.SIGINT)
            return
        time.sleep(0.1)  # polling the journal file of another process
    process.kill()
    pytest.fail("the sweep never got there")


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "120"]], indirect=True)
def test_ctrl_c_cancels_the_runs_it_started(simulator_url: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    process = subprocess.Popen(
        batch(simulator_url, output, "--count", "4", "--cancel-on-interrupt"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    interrupt_when(process, output, lambda progress: progress.started == 4)
    out, _ = process.communicate(timeout=60)
    with httpx.Client(base_url=simulator_url, timeout=5) as admin:
        statuses = [p.get("processingStatus") for p in admin.get("/_sim/objects/predictions").json()]
    assert process.returncode == 130, out
    assert "Cancelled 4 started run(s)" in out
    assert "Run the same command again to resume" in out
    assert statuses == [5, 5, 5, 5]


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "0.5"]], indirect=True)
def test_an_interrupted_sweep_resumes_from_its_journal(simulator_url: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    command = batch(simulator_url, output, "--count", "6", "--concurrency", "2")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    interrupt_when(process, output, lambda progress: progress.finished >= 2)
    first, _ = process.communicate(timeout=60)
    assert process.returncode == 130, first
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    resumed = re.search(r"Resuming: (\d) of 6 finished", done.stdout)
    assert resumed is not None, done.stdout
    assert int(resumed.group(1)) >= 2
    assert f"{resumed.group(1)} prediction(s) were already finished in the journal: not touched." in done.stdout
    assert [r["status"] for r in rows(output)] == ["success"] * 6
    with httpx.Client(base_url=simulator_url, timeout=5) as admin:
        counters = admin.get("/_sim/counters").json()
    assert counters["objects"]["predictions"] == 6  # nothing created twice
    assert counters["runs"] == {"3": 6}  # every run started once

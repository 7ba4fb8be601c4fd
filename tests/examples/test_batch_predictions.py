"""The demo's batch job end to end, over loopback against a uvicorn-served simulator."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "120"]], indirect=True)
def test_ctrl_c_cancels_the_runs_it_started(simulator_url: str, tmp_path: Path) -> None:
    process = subprocess.Popen(
        batch(simulator_url, tmp_path / "out", "--count", "4", "--cancel-on-interrupt"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with httpx.Client(base_url=simulator_url, timeout=5) as admin:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            predictions = admin.get("/_sim/objects/predictions").json()
            if len([p for p in predictions if p.get("processingStatus") in (1, 2)]) == 4:
                break
            time.sleep(0.1)
        else:
            process.kill()
            pytest.fail("the runs never started")
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        statuses = [p.get("processingStatus") for p in admin.get("/_sim/objects/predictions").json()]
    assert process.returncode == 130, out
    assert "Cancelling 4 started run(s)" in out
    assert statuses == [5, 5, 5, 5]

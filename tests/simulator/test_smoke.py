"""`make smoke` (examples/smoke.py) against the simulator over loopback, and without credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.conftest import REPO, watch_for_leaks
from tests.simulator._support import RunningSimulator, project_body

pytestmark = pytest.mark.slow


def _smoke(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLANTPREDICT_")}
    return subprocess.run(
        [sys.executable, str(REPO / "examples" / "smoke.py")],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_smoke_reads_everything_and_writes_nothing(launch: Callable[..., RunningSimulator]) -> None:
    running = launch("--admin")
    with httpx.Client(base_url=running.base_url, timeout=10) as http:
        token = http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        ).json()["access_token"]
        watch_for_leaks(token)
        http.post("/Project", json=project_body(name="Mine"), headers={"Authorization": f"Bearer {token}"})
        before = http.get("/_sim/objects/projects").json()
        http.post("/_sim/counters/reset")
    finished = _smoke(
        {
            "PLANTPREDICT_USERNAME": DEFAULT_USERNAME,
            "PLANTPREDICT_PASSWORD": DEFAULT_PASSWORD,
            "PLANTPREDICT_CLIENT_ID": DEFAULT_CLIENT_ID,
            "PLANTPREDICT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
            "PLANTPREDICT_TOKEN_URL": f"{running.base_url}/oauth2/v1/token",
            "PLANTPREDICT_BASE_URL": running.base_url,
        }
    )
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["version", "definitions", "my", "one", "modules", "inverters"]
    assert "Mine" in lines[3]
    with httpx.Client(base_url=running.base_url, timeout=10) as http:
        assert http.get("/_sim/objects/projects").json() == before
        counters = http.get("/_sim/counters").json()
    assert counters["api_requests"] == {"200": 6}
    assert DEFAULT_PASSWORD not in finished.stdout + finished.stderr


def test_smoke_without_credentials_explains_in_one_line_and_exits_0() -> None:
    finished = _smoke({})
    assert finished.returncode == 0
    assert len(finished.stdout.splitlines()) == 1
    assert "no PlantPredict credentials" in finished.stdout
    assert finished.stderr == ""


def test_smoke_against_a_failing_api_exits_1_with_the_typed_error(launch: Callable[..., RunningSimulator]) -> None:
    running = launch("--rate-5xx", "1")
    finished = _smoke(
        {
            "PLANTPREDICT_CLIENT_ID": DEFAULT_CLIENT_ID,
            "PLANTPREDICT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
            "PLANTPREDICT_TOKEN_URL": f"{running.base_url}/oauth2/token",
            "PLANTPREDICT_BASE_URL": running.base_url,
        }
    )
    assert finished.returncode == 1
    assert "ServerError" in finished.stderr

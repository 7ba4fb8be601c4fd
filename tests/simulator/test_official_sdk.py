"""The official SDK (plantpredict 1.0.24, the `bench` extra) pointed at the simulator with base_url/auth_url.

The SDK is synchronous and its run() busy-waits with no timeout, so it runs in a subprocess
(tests/simulator/sdk_workflow.py) that this test kills if it takes too long.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench._support import PROJECT
from tests.conftest import REPO
from tests.simulator._support import INVERTER_ID, MODULE_ID, WEATHER_DAGGETT, RunningSimulator

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("plantpredict") is None,
        reason="the official SDK is in the bench extra: pip install -e '.[bench]'",
    ),
]

SCRIPT = Path(__file__).with_name("sdk_workflow.py")
STEPS = [
    "token",
    "create project",
    "get project",
    "create prediction",
    "get prediction",
    "attach power plant",
    "run",
    "results summary",
]


def test_official_sdk_completes_its_workflow(simulator_process: RunningSimulator) -> None:
    base = simulator_process.base_url
    httpx.post(f"{base}/_sim/counters/reset").raise_for_status()
    command = [sys.executable, str(SCRIPT), base, str(WEATHER_DAGGETT), str(MODULE_ID), str(INVERTER_ID)]
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["steps"] == STEPS, report["facts"]
    facts = report["facts"]
    assert facts["project_name"] == PROJECT["name"]
    assert facts["ashrae_station"] == "DAGGETT BARSTOW-DAGGETT AP, CA, USA"
    assert facts["processing_status"] == 3
    assert 1500 < facts["specific_yield"] < 2400
    counters = httpx.get(f"{base}/_sim/counters").json()
    # The SDK fetches its token once, by client credentials in the query string.
    assert counters["token_requests"] == {"client_credentials": {"ok": 1}}
    assert set(counters["api_requests"]) == {"200"}

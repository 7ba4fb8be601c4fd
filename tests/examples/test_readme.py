"""The README's quickstart runs as written (against the simulator instead of the real API)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def quickstart(index: int = 0) -> str:
    """The ``index``-th Python block of the README's Quickstart section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) > index
    return str(blocks[index])


def run(program: Path, simulator_url: str) -> subprocess.CompletedProcess[str]:
    """``program`` run as a user would, with the simulator's credentials in the environment."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANTPREDICT_")},
        "PLANTPREDICT_CLIENT_ID": DEFAULT_CLIENT_ID,
        "PLANTPREDICT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "PLANTPREDICT_TOKEN_URL": f"{simulator_url}/oauth2/token",
        "PLANTPREDICT_BASE_URL": simulator_url,
    }
    return subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_the_quickstart_reads_a_project(simulator_url: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=simulator_url) as http:
        token = http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        ).json()["access_token"]
        site = {
            "name": "Quickstart",
            "latitude": 40.0,
            "longitude": -105.0,
            "elevation": 1600,
            "standardOffsetFromUTC": -7,
        }
        project_id = http.post("/Project", json=site, headers={"Authorization": f"Bearer {token}"}).json()["id"]
    code = quickstart()
    assert "project_id=1234" in code
    program = tmp_path / "quickstart.py"
    program.write_text(code.replace("project_id=1234", f"project_id={project_id}"))
    done = run(program, simulator_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Quickstart 40.0 -105.0"


@pytest.mark.parametrize("simulator_url", [["--run-seconds", "0"]], indirect=True)
def test_the_workflow_runs_a_prediction_on_the_resource_client(simulator_url: str, tmp_path: Path) -> None:
    code = quickstart(1)
    assert "isinstance" not in code
    program = tmp_path / "workflow.py"
    program.write_text(code)
    done = run(program, simulator_url)
    assert done.returncode == 0, done.stderr
    years = [line.split() for line in done.stdout.splitlines()]
    assert years  # the result summary's years: year, annual energy
    assert all(int(year) > 1900 and float(energy) > 0 for year, energy in years)

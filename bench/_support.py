"""What the benchmarks share: a site to create, the simulator's service credentials, wrk, RSS."""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
from typing import Any

import httpx

from plantpredict_auth import ClientCredentials
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

#: A project as the benchmarks create it (the Mojave site of the demo).
PROJECT: dict[str, Any] = {
    "name": "Bench",
    "latitude": 34.85,
    "longitude": -116.79,
    "elevation": 588.0,
    "standardOffsetFromUTC": -8,
}


def client_credentials(base_url: str) -> ClientCredentials:
    """The simulator's Cognito-style service identity (token URL on the simulator itself)."""
    return ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, token_url=f"{base_url}/oauth2/token")


def service_token(base_url: str) -> str:
    """A token for the raw clients, which have no token manager."""
    answer = httpx.post(
        f"{base_url}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "transactions/get transactions/post"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def seed_project(base_url: str, token: str, **fields: Any) -> int:
    answer = httpx.post(
        f"{base_url}/Project", json=PROJECT | fields, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer.raise_for_status()
    return int(answer.json()["id"])


def rss_mb() -> float:
    """This process's peak resident set size, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed; `make bench` installs it (apt-get install -y wrk)", file=sys.stderr)
        raise SystemExit(2)


def wrk(
    base_url: str, token: str, path: str, *, connections: int, threads: int = 2, duration: int = 5
) -> dict[str, Any]:
    """``wrk`` against one authenticated GET: what the server sustains with no Python client involved."""
    require_wrk()
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {token}", f"{base_url}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "connections": connections,
        "requests_per_second": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else None,
        "raw": output,
    }

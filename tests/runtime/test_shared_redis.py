"""Four OS processes share one token through Redis: one token request per lifetime for all of them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from plantpredict_simulator import (
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    launched,
    password_grant_form,
)
from tests.conftest import REPO, watch_for_leaks

pytestmark = pytest.mark.slow

LIFETIME = 2.0
LIFETIMES = 3
PROCESSES = 4


@pytest.fixture
def served_simulator() -> Iterator[str]:
    with launched("--admin", "--token-lifetime", str(LIFETIME)) as url:
        yield url


def test_four_processes_share_one_token_per_lifetime(served_simulator: str, redis_url: str) -> None:
    base = served_simulator
    watch_for_leaks(DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET)
    with httpx.Client(base_url=base, timeout=10) as admin:
        login = admin.post(
            "/oauth2/v1/token",
            data=password_grant_form(),
        ).json()
        created = admin.post(
            "/Project",
            json={
                "name": "Shared",
                "latitude": 40.0,
                "longitude": -105.0,
                "elevation": 1600.0,
                "standardOffsetFromUTC": -7,
            },
            headers={"Authorization": f"Bearer {login['access_token']}"},
        ).json()
        admin.post("/_sim/counters/reset").raise_for_status()
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.runtime.shared_token_worker", base, redis_url, str(created["id"])],
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        for worker in workers:  # every worker imported and connected: then they all start at once
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        # Stop just short of three lifetimes, so at most LIFETIMES + 1 tokens can be needed.
        until = time.time() + LIFETIME * LIFETIMES - 0.2
        reports = []
        for worker in workers:
            out, _ = worker.communicate(f"{until}\n", timeout=60)
            assert worker.returncode == 0
            reports.append(json.loads(out.strip().splitlines()[-1]))
        counters = admin.get("/_sim/counters").json()
        issued = admin.get("/_sim/tokens/issued").json()
        watch_for_leaks(login["access_token"], *issued["access_tokens"], *issued["refresh_tokens"])
    token_requests = sum(sum(outcomes.values()) for outcomes in counters["token_requests"].values())
    assert all(r["failed"] == 0 for r in reports), reports
    assert sum(r["ok"] for r in reports) > 100
    assert token_requests <= LIFETIMES + 1, counters["token_requests"]
    assert sum(r["token_requests"] for r in reports) == token_requests
    gets = sum(r["ok"] for r in reports)
    print(f"\n{PROCESSES} processes, {LIFETIMES} lifetimes: {token_requests} token requests, {gets} GETs")

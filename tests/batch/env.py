"""An in-process simulator, a connected client and the test sweep, for the runner's tests."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from attrs import define

from plantpredict_auth import RetryPolicy, _time, connect
from plantpredict_client import Client
from tests.batch.sweep import library
from tests.runtime.simulated import BASE_URL, Simulated, password_credentials, simulated

MARK = re.compile(r'^\[plantpredict-batch (\w+)(?: (".*"))?\]$')


class SimulatorClock:
    """The runtime's virtual clock, which a test can stop: while stopped no run ends, however far
    the runtime's clock moves (a refresh-ahead task sleeping 45 virtual minutes moves it too)."""

    def __init__(self) -> None:
        self.stopped_at: float | None = None

    def __call__(self) -> float:
        return _time.now() if self.stopped_at is None else self.stopped_at

    def stop(self) -> None:
        self.stopped_at = _time.now()

    def go(self) -> None:
        self.stopped_at = None


@define
class Env:
    sim: Simulated
    client: Client
    ids: tuple[int, int, int]
    clock: SimulatorClock

    async def api_requests(self) -> dict[str, int]:
        counts: dict[str, int] = (await self.sim.counters())["api_requests"]
        return counts

    async def runs_started(self) -> int:
        """Runs the simulator started, ended ones counted once each (a rerun replaces a run only
        after it ended, and the simulator counts the one it replaces)."""
        counters = await self.sim.counters()
        predictions = await self.sim.objects("predictions")
        still_running = sum(1 for p in predictions if p.get("processingStatus") in (1, 2))
        return sum(counters["runs"].values()) + still_running

    async def marked(self, kind: str) -> Counter[str]:
        """How many stored objects of ``kind`` carry each mark (job key, or "" for the sweep's)."""
        found: Counter[str] = Counter()
        for item in await self.sim.objects(kind):
            for line in str(item.get("description") or "").splitlines():
                match = MARK.match(line)
                if match:
                    found[match.group(2) or ""] += 1
        return found


@asynccontextmanager
async def environment(
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None, **config: Any
) -> AsyncIterator[Env]:
    clock = SimulatorClock()
    settings: dict[str, Any] = {"clock": clock, "seed": 5, "run_seconds": 20.0, **config}
    async with simulated(**settings) as sim:
        transport = wrap(sim.transport) if wrap is not None else sim.transport
        async with connect(
            password_credentials(), base_url=BASE_URL, transport=transport, retry=RetryPolicy.batch(), seed=1
        ) as client:
            yield Env(sim, client, await library(client), clock)

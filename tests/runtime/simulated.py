"""Running the runtime against the simulator, in-process: the app, its transport, credentials
for it, and its admin endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from plantpredict_auth import ClientCredentials, PasswordCredentials
from plantpredict_simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorConfig,
    SimulatorTransport,
    create_app,
)
from tests.conftest import watch_for_leaks

BASE_URL = "http://127.0.0.1:8765"


def password_credentials(password: str = DEFAULT_PASSWORD) -> PasswordCredentials:
    return PasswordCredentials(
        DEFAULT_USERNAME, password, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, token_url=f"{BASE_URL}/oauth2/v1/token"
    )


def client_credentials() -> ClientCredentials:
    return ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, token_url=f"{BASE_URL}/oauth2/token")


class Simulated:
    """An in-process simulator with admin access."""

    def __init__(self, **config: Any) -> None:
        self.app = create_app(SimulatorConfig(admin=True, **config))
        self.transport = SimulatorTransport(self.app)
        self.admin = httpx.AsyncClient(transport=self.transport, base_url=BASE_URL)
        watch_for_leaks(DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET)

    async def counters(self) -> dict[str, Any]:
        response = await self.admin.get("/_sim/counters")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    async def token_requests(self, grant: str | None = None, outcome: str | None = None) -> int:
        counts = (await self.counters())["token_requests"]
        return sum(
            n
            for g, outcomes in counts.items()
            if grant in (None, g)
            for o, n in outcomes.items()
            if outcome in (None, o)
        )

    async def post(self, path: str, body: dict[str, Any] | None = None) -> None:
        response = await self.admin.post(f"/_sim/{path}", json=body)
        response.raise_for_status()

    async def put(self, path: str, body: dict[str, Any]) -> None:
        response = await self.admin.put(f"/_sim/{path}", json=body)
        response.raise_for_status()

    async def objects(self, kind: str) -> list[dict[str, Any]]:
        response = await self.admin.get(f"/_sim/objects/{kind}")
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()
        return data

    async def watch_issued(self) -> None:
        response = await self.admin.get("/_sim/tokens/issued")
        response.raise_for_status()
        issued = response.json()
        watch_for_leaks(*issued.get("access_tokens", []), *issued.get("refresh_tokens", []))

    async def aclose(self) -> None:
        await self.watch_issued()
        await self.admin.aclose()


@asynccontextmanager
async def simulated(**config: Any) -> AsyncIterator[Simulated]:
    sim = Simulated(**config)
    try:
        yield sim
    finally:
        await sim.aclose()

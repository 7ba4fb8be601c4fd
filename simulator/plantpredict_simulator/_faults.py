"""Injected faults: latency, 429, 5xx and dropped connections per route group, deterministic with the seed.

Each route group draws from its own `random.Random(f"{seed}:faults:{group}")`, so the faults one group
sees do not shift when traffic to another group changes.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from plantpredict_simulator._config import Faults, SimulatorConfig
from plantpredict_simulator._http import empty_response, text_response

# Set by SimulatorTransport in the ASGI scope: the in-process transport cannot see a half-sent response,
# so a drop is reported to it here and it raises httpx.RemoteProtocolError itself.
DROP_EXTENSION = "simulator.drop"
# Set by the app in the scope state so the status counter records a drop rather than the 200 it started.
DROPPED_STATE = "simulator_dropped"


class FaultEngine:
    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._rngs: dict[str, random.Random] = {}
        # Injected latency waits here; tests replace it to observe waits without spending them.
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    def _rng(self, group: str) -> random.Random:
        if group not in self._rngs:
            self._rngs[group] = random.Random(f"{self._config.seed}:faults:{group}")
        return self._rngs[group]

    @property
    def faults(self) -> Faults:
        return self._config.faults

    async def delay(self, group: str) -> None:
        route = self.faults.for_group(group)
        if route is not None and route.latency_ms > 0:
            await self.sleep(route.latency_ms / 1000.0)

    def rejection(self, group: str) -> Response | None:
        """A 429 or 5xx instead of processing the request, or None. Neither request was processed."""
        route = self.faults.for_group(group)
        if route is None or (route.rate_429 <= 0 and route.rate_5xx <= 0):
            return None
        draw = self._rng(group).random()
        if draw < route.rate_429:
            return empty_response(429)
        if draw < route.rate_429 + route.rate_5xx:
            return text_response("An error has occurred.", 500)
        return None

    def drops(self, group: str) -> bool:
        route = self.faults.for_group(group)
        return route is not None and route.drop_rate > 0 and self._rng(f"{group}:drop").random() < route.drop_rate


class DroppedResponse(Response):
    """The request was processed; the client gets no complete answer.

    Under a real server the status line and headers go out with a Content-Length that the body never
    meets, and the app returns: uvicorn then closes the connection, and the client reads EOF mid-response
    (httpx: RemoteProtocolError). In process, SimulatorTransport raises the same error.
    """

    def __init__(self) -> None:
        super().__init__(b"", status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[DROPPED_STATE] = True
        marker: dict[str, Any] | None = scope.get("extensions", {}).get(DROP_EXTENSION)
        if marker is not None:
            marker["dropped"] = True
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})

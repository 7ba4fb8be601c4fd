"""`SimulatorTransport`: the app in process, for httpx clients in tests."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from plantpredict_simulator._faults import DROP_EXTENSION


class SimulatorTransport(httpx.AsyncBaseTransport):
    """An `httpx.ASGITransport` that turns the app's dropped connection into `httpx.RemoteProtocolError`,
    as a real client sees it over a socket (the request was processed, the answer never arrived).
    """

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        marker: dict[str, Any] = {}

        async def app_with_marker(scope: Scope, receive: Receive, send: Send) -> None:
            extensions = dict(scope.get("extensions") or {})
            extensions[DROP_EXTENSION] = marker
            await self.app({**scope, "extensions": extensions}, receive, send)

        inner = httpx.ASGITransport(app=app_with_marker, client=self._client)
        response = await inner.handle_async_request(request)
        if marker.get("dropped"):
            await response.aclose()
            raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.", request=request)
        return response

    async def aclose(self) -> None:
        return None

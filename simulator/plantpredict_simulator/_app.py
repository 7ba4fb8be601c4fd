"""`create_app(config)`: the Starlette app with the token servers, the API and the admin API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plantpredict_simulator._admin import PREFIX as ADMIN_PREFIX
from plantpredict_simulator._admin import admin_routes
from plantpredict_simulator._api import api_routes
from plantpredict_simulator._config import SimulatorConfig
from plantpredict_simulator._faults import DROPPED_STATE, DroppedResponse
from plantpredict_simulator._http import text_response
from plantpredict_simulator._simulator import Simulator


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """A new simulator (its own state, keys and counters) as an ASGI app; the live object is `app.state.simulator`."""
    simulator = Simulator(config or SimulatorConfig())
    routes = [
        Route("/oauth2/v1/token", _token_endpoint("okta"), methods=["POST"]),
        # The real Okta URL carries an authorization-server id: /oauth2/aus3jzhulkrINTdnc356/v1/token.
        Route("/oauth2/{authServer}/v1/token", _token_endpoint("okta"), methods=["POST"]),
        Route("/oauth2/token", _token_endpoint("cognito"), methods=["POST"]),
        *admin_routes(),
        *api_routes(),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return text_response("No HTTP resource was found that matches the request URI.", 404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return text_response("The requested resource does not support this HTTP method.", 405)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(_Accounting, simulator=simulator)],
        exception_handlers={404: not_found, 405: not_allowed},
    )
    app.state.simulator = simulator
    return app


def _token_endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.simulator
        await sim.faults.delay("token")
        rejection = sim.faults.rejection("token")
        if rejection is not None:
            outcome = "rate_limited" if rejection.status_code == 429 else "unavailable"
            sim.counters.token_request("unknown", outcome)
            return rejection
        response = await (sim.tokens.cognito(request) if kind == "cognito" else sim.tokens.okta(request))
        return DroppedResponse() if sim.faults.drops("token") else response

    return endpoint


class _Accounting:
    """Pure ASGI middleware: requests in flight (and the peak) and API responses per status.

    Not a BaseHTTPMiddleware, which would cost the benchmarked GET an extra task per request.
    """

    def __init__(self, app: ASGIApp, simulator: Simulator) -> None:
        self.app = app
        self._simulator = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        counters = self._simulator.counters
        is_api = not scope["path"].startswith("/oauth2/")
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        counters.enter()
        try:
            await self.app(scope, receive, send_and_record)
        finally:
            counters.leave()
            if is_api:
                dropped = scope.get("state", {}).get(DROPPED_STATE, False)
                counters.api_request("dropped" if dropped else status)

"""The admin API under /_sim/: counters, fault switches, token expiry and revocation, stored objects.

Off unless `SimulatorConfig.admin` is true: every admin path then answers 404, like any unknown path.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plantpredict_simulator._config import ConfigError
from plantpredict_simulator._http import json_response, text_response
from plantpredict_simulator._simulator import Simulator

PREFIX = "/_sim"

AdminHandler = Callable[[Simulator, Request], Awaitable[Response]]


def _admin(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.simulator
        if not sim.config.admin:
            return text_response("Not Found", 404)
        try:
            return await handler(sim, request)
        except ConfigError as exc:
            return json_response({"error": str(exc)}, 400)

    return endpoint


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ConfigError("body must be a JSON object")
    return body


async def get_counters(sim: Simulator, request: Request) -> Response:
    return json_response(sim.counters_snapshot())


async def reset_counters(sim: Simulator, request: Request) -> Response:
    sim.counters.reset()
    return json_response(sim.counters_snapshot())


async def get_faults(sim: Simulator, request: Request) -> Response:
    return json_response(sim.config.faults.to_json())


async def put_faults(sim: Simulator, request: Request) -> Response:
    sim.config.faults.merge(await _json_object(request), sim.config.clock())
    return json_response(sim.config.faults.to_json())


async def get_config(sim: Simulator, request: Request) -> Response:
    return json_response(sim.config.public_json())


async def put_config(sim: Simulator, request: Request) -> Response:
    sim.config.update(await _json_object(request))
    return json_response(sim.config.public_json())


async def expire_tokens(sim: Simulator, request: Request) -> Response:
    return json_response({"expired": sim.expire_tokens()})


async def revoke_refresh_tokens(sim: Simulator, request: Request) -> Response:
    return json_response({"revoked": sim.revoke_refresh_tokens()})


async def issued_tokens(sim: Simulator, request: Request) -> Response:
    return json_response(sim.issued_tokens())


async def objects(sim: Simulator, request: Request) -> Response:
    try:
        return json_response(sim.objects(request.path_params["kind"]))
    except KeyError:
        return text_response("Not Found", 404)


def admin_routes() -> list[Route]:
    table: list[tuple[str, str, AdminHandler]] = [
        ("GET", "/counters", get_counters),
        ("POST", "/counters/reset", reset_counters),
        ("GET", "/faults", get_faults),
        ("PUT", "/faults", put_faults),
        ("GET", "/config", get_config),
        ("PUT", "/config", put_config),
        ("POST", "/tokens/expire", expire_tokens),
        ("POST", "/tokens/revoke-refresh", revoke_refresh_tokens),
        ("GET", "/tokens/issued", issued_tokens),
        ("GET", "/objects/{kind}", objects),
    ]
    return [Route(PREFIX + path, _admin(handler), methods=[method]) for method, path, handler in table]

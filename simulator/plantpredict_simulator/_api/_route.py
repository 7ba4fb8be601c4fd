"""What every API route shares: the wrapper that checks tokens and injects faults, and request helpers.

`api_route` applies, in order: injected latency, the bearer-token check (empty-body 401), injected
429/5xx (the request is not processed), the handler, and an injected dropped connection (the request
was processed). Paths match case-insensitively, as ASP.NET routes do (the official SDK calls
`/Inverter/{id}/kVa`). Handlers answer through `reply`, which shapes a JSON answer by the live
document's response schema of the operation (`_shape`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plantpredict_simulator import _documents
from plantpredict_simulator._faults import DroppedResponse
from plantpredict_simulator._http import (
    BadRequest,
    NotFound,
    dumps,
    empty_response,
    not_found,
    raw_json_response,
    unauthorized,
)
from plantpredict_simulator._models import validate
from plantpredict_simulator._shape import UTC, shape, utc_offset
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._state import PredictionRecord
from plantpredict_simulator._tokens import Principal

Handler = Callable[[Simulator, Request, Principal], Awaitable[Response]]
# (method, path, fault group, handler)
RouteSpec = tuple[str, str, str, Handler]

OWNED = frozenset(
    {
        "id",
        "companyId",
        "company",
        "ownerId",
        "owner",
        "createdDate",
        "lastModified",
        "lastModifiedById",
        "lastModifiedBy",
    }
)


def api_route(path: str, method: str, group: str, handler: Handler) -> Route:
    operation = _documents.operation(method, path)

    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.simulator
        await sim.faults.delay(group)
        principal = sim.tokens.authenticate(request.headers.get("authorization"))
        if principal is None:
            return unauthorized()
        rejection = sim.faults.rejection(group)
        if rejection is not None:
            return rejection
        request.state.operation = operation
        try:
            response = await handler(sim, request, principal)
        except BadRequest as exc:
            response = exc.response()
        except NotFound as exc:
            response = not_found(exc.what)
        if sim.faults.drops(group):
            return DroppedResponse()
        return response

    route = Route(path, endpoint, methods=[method], name=f"{method} {path}")
    # ASP.NET matches routes case-insensitively; keep the parameter values' case.
    route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
    return route


def shaped(request: Request, value: Any, site: Mapping[str, Any] | None = None) -> Any:
    """`value` as the operation's live response schema has it (unchanged for an operation without one)."""
    operation: _documents.Operation | None = getattr(request.state, "operation", None)
    if operation is None or operation.schema is None:
        return value
    return shape(value, operation.schema, utc_offset(site.get("standardOffsetFromUTC")) if site else UTC)


def reply(
    request: Request,
    value: Any,
    *,
    site: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A 200 JSON answer shaped by the live document; `site` (a project) gives wall-clock times their offset."""
    return raw_json_response(dumps(shaped(request, value, site)), headers=headers)


def project_of(sim: Simulator, project_id: int) -> dict[str, Any]:
    project = sim.store.projects.get(project_id)
    if project is None:
        raise NotFound("Project")
    return project


def prediction_of(sim: Simulator, project_id: int, prediction_id: int) -> PredictionRecord:
    project_of(sim, project_id)
    record = sim.store.predictions.get(prediction_id)
    if record is None or record.data.get("projectId") != project_id:
        raise NotFound("Prediction")
    return record


def body_model(cls: type, body: Any, parameter: str, owned: frozenset[str]) -> dict[str, Any]:
    data, errors = validate(cls, body, parameter)
    if data is None:
        raise BadRequest(errors)
    return {key: value for key, value in data.items() if key not in owned}


def path_int(request: Request, *names: str) -> int:
    """A path parameter by the first of its names present (the documents name some differently)."""
    for name in names:
        if name in request.path_params:
            value: int = request.path_params[name]
            return value
    raise KeyError(names[0])


def same_as_answered(model: str, before: Any, after: Any, site: Mapping[str, Any] | None) -> bool:
    """Whether two stored states of a model would be answered alike (what `changesMade` reports)."""
    key = _documents.model_schema(model)
    offset = utc_offset(site.get("standardOffsetFromUTC")) if site else UTC
    schema = {"$ref": key} if key else None
    return bool(shape(before, schema, offset) == shape(after, schema, offset))


def message_headers(message: str | None) -> dict[str, str] | None:
    return {"X-Message": message} if message else None


def done() -> Response:
    """200 without a body: what PlantPredict answers to updates, deletes and runs."""
    return empty_response()

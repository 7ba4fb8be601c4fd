"""Every operation the simulator does not model: an answer drawn from the documents.

The answer is the reference's recorded answer for the operation where it has one, otherwise a value
made from the response schema (`_shape.synthesize`), in both cases shaped by the live schema, with the
request's own ids written over the recorded ones. Parents the simulator does model (project,
prediction, module, inverter, weather) must exist (404 otherwise), so a call on a deleted prediction
fails as it would upstream. Nothing is stored: these operations are stateless here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_simulator._api._route import Handler, RouteSpec, prediction_of, project_of, shaped
from plantpredict_simulator._documents import Operation
from plantpredict_simulator._http import BadRequest, NotFound, dumps, empty_response
from plantpredict_simulator._shape import synthesize
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._tokens import Principal

# Fault groups by the generated client's module (its tag).
GROUPS = {
    "projects": "projects",
    "predictions": "predictions",
    "time_series": "predictions",
    "shade_scene": "predictions",
    "reports": "results",
    "results": "results",
    "financial_model": "results",
    "power_plant": "powerplant",
    "modules": "library",
    "inverters": "library",
    "weather": "library",
}
# Neither document declares a body for these downloads; PlantPredict answers a file, and the generated
# client reads it as one (application/octet-stream).
DOWNLOADS = frozenset(
    {
        "download_nodal_csv",
        "download_sun_solve_bifacial_time_series_csv",
        "download_table_rotation",
        "export_shade_scene_pvc",
        "get_table_rotation_template",
    }
)
_LIBRARY_PARENTS = {"moduleId": "modules", "inverterId": "inverters", "weatherId": "weather"}


def _int_parameter(request: Request, name: str, label: str) -> int:
    raw = str(request.path_params.get(name, ""))
    if not raw.lstrip("-").isdigit():
        raise NotFound(label)
    return int(raw)


def _check_parents(sim: Simulator, request: Request) -> None:
    """404 for a modelled parent that does not exist."""
    names = request.path_params
    if "projectId" in names:
        project_id = _int_parameter(request, "projectId", "Project")
        project_of(sim, project_id)
        if "predictionId" in names:
            prediction_of(sim, project_id, _int_parameter(request, "predictionId", "Prediction"))
    for name, kind in _LIBRARY_PARENTS.items():
        if name in names and _int_parameter(request, name, kind.title()) not in sim.store.library(kind):
            raise NotFound(kind.title().rstrip("s"))


def _with_request_ids(value: Any, ids: Mapping[str, int]) -> Any:
    """The recorded answer with its ids for the request's parents replaced by the request's."""
    if isinstance(value, dict):
        return {
            key: ids[key.lower()] if key.lower() in ids and isinstance(item, int) else _with_request_ids(item, ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_with_request_ids(item, ids) for item in value]
    return value


async def _check_body(request: Request) -> None:
    if "json" not in request.headers.get("content-type", ""):
        return
    raw = await request.body()
    if raw.strip():
        try:
            json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest({"body": [f"Unexpected character encountered while parsing value: {exc}"]}) from None


def handler_for(operation: Operation) -> Handler:
    async def answer(sim: Simulator, request: Request, _: Principal) -> Response:
        _check_parents(sim, request)
        await _check_body(request)
        if operation.name in DOWNLOADS:
            return Response(b"TimeStamp,Value\r\n", status_code=operation.status, media_type="application/octet-stream")
        if operation.media is None:
            return empty_response(operation.status)
        if operation.media != "application/json":
            text = operation.example if isinstance(operation.example, str) else ""
            return Response(text, status_code=operation.status, media_type=f"{operation.media}; charset=utf-8")
        value = copy.deepcopy(operation.example) if operation.has_example else synthesize(operation.schema)
        ids = {name.lower(): int(raw) for name, raw in request.path_params.items() if str(raw).lstrip("-").isdigit()}
        # Recorded date-times are the server's (UTC): no site offset on sample data.
        body = dumps(shaped(request, _with_request_ids(value, ids)))
        return Response(body, status_code=operation.status, media_type="application/json; charset=utf-8")

    return answer


def routes(operations: list[Operation]) -> list[RouteSpec]:
    return [(op.method, op.path, GROUPS.get(op.module, "reference"), handler_for(op)) for op in operations]

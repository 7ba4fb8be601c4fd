"""Projects: CRUD, the owner's lists, search by distance, and the overview of a project's predictions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_client import models
from plantpredict_simulator import _reference, _results
from plantpredict_simulator._api._route import (
    OWNED,
    RouteSpec,
    body_model,
    done,
    message_headers,
    path_int,
    project_of,
    reply,
    shaped,
)
from plantpredict_simulator._http import dumps, json_body, query_int, raw_json_response, require_float
from plantpredict_simulator._models import normalize
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._state import SUCCESS, USER_ID
from plantpredict_simulator._tokens import Principal

PROJECT_OWNED = OWNED | {"predictions", "distance", "location"}
DUPLICATE_PROJECT = "A project with this name already exists."


def project_json(project: dict[str, Any]) -> dict[str, Any]:
    return {**project, "predictions": []}


def _page(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    skip = max(0, query_int(request, "skip") or 0)
    top = query_int(request, "top")
    return items[skip : skip + top if top is not None else None]


def _newest_first(sim: Simulator) -> list[dict[str, Any]]:
    return [project for _, project in sorted(sim.store.projects.items(), reverse=True)]


async def list_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    return reply(request, _page(request, [project_json(p) for p in _newest_first(sim)]))


async def list_projects_by_status(sim: Simulator, request: Request, _: Principal) -> Response:
    status = query_int(request, "status")
    items = [project_json(p) for p in _newest_first(sim) if status is None or p.get("status", 0) == status]
    return reply(request, _page(request, items))


async def my_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    status = query_int(request, "status")
    items = [
        project_json(p)
        for p in _newest_first(sim)
        if p.get("ownerId") == USER_ID and (status is None or p.get("status", 0) == status)
    ]
    return reply(request, items)


async def my_projects_and_predictions(sim: Simulator, request: Request, _: Principal) -> Response:
    items = []
    for project in _newest_first(sim):
        if project.get("ownerId") != USER_ID:
            continue
        predictions = [
            dict(sim.store.prediction_json(pid), project=None) for pid in sim.store.predictions_of(project["id"])
        ]
        items.append({**project, "predictions": predictions})
    return reply(request, items)


async def search_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "latitude")
    longitude = require_float(request, "longitude")
    radius = require_float(request, "searchRadius")
    found = _reference.nearby((project_json(p) for p in sim.store.projects.values()), latitude, longitude, radius)
    return reply(request, found)


async def create_project(sim: Simulator, request: Request, _: Principal) -> Response:
    data = body_model(models.Project, await json_body(request, "project"), "project", PROJECT_OWNED)
    warning = DUPLICATE_PROJECT if sim.store.project_name_taken(data.get("name")) else None
    project_id = sim.store.new_project_id()
    project = normalize(models.Project, sim.store.stamp_new({"description": None, "status": 0, **data}, project_id))
    sim.store.put_project(project)
    return reply(request, {"id": project_id}, headers=message_headers(warning))


async def get_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    cached = sim.store.project_json.get(project_id)
    if cached is None:
        project = project_of(sim, project_id)
        cached = dumps(shaped(request, project_json(project), project))
        sim.store.project_json[project_id] = cached
    return raw_json_response(cached)


async def update_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    previous = project_of(sim, project_id)
    data = body_model(models.Project, await json_body(request, "project"), "project", PROJECT_OWNED)
    warning = DUPLICATE_PROJECT if sim.store.project_name_taken(data.get("name"), project_id) else None
    project = normalize(models.Project, sim.store.stamp_update({"description": None, "status": 0, **data}, previous))
    sim.store.put_project(project)
    response = done()
    if warning:
        response.headers["X-Message"] = warning
    return response


async def delete_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    project_of(sim, project_id)
    sim.store.delete_project(project_id)
    return done()


def _statistics(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "acSize": summary["acSize"],
        "dcSize": summary["dcSize"],
        "dcacRatio": summary["dcacRatio"],
        "groundCoverageRatio": summary["avgGCR"],
        "avgMountingType": 1 if summary["trackingType"] == "Horizontal Tracker" else 0,
    }


def _summaries(snapshots: list[_results.RunSnapshot | None], next_id: Callable[[], int]) -> list[dict[str, Any] | None]:
    return [None if snapshot is None else _results.result_summary(snapshot, next_id) for snapshot in snapshots]


async def project_overview(sim: Simulator, request: Request, _: Principal) -> Response:
    project = project_of(sim, path_int(request, "projectId"))
    predictions, snapshots = [], []
    # Everything is read before the physics thread is awaited: other requests (a delete, a create)
    # are answered meanwhile, and the overview stays the one moment it was asked at.
    for prediction_id in list(sim.store.predictions_of(project["id"])):
        record = sim.store.predictions[prediction_id]
        run = sim.store.run_fields(record)
        finished = record.run is not None and run["processingStatus"] == SUCCESS
        snapshots.append(record.run.snapshot if record.run is not None and finished else None)
        predictions.append(
            {
                "id": prediction_id,
                "name": record.data.get("name"),
                "projectId": project["id"],
                "ownerId": record.data.get("ownerId"),
                "status": record.data.get("status"),
                "createdDate": record.data.get("createdDate"),
                "lastModified": record.data.get("lastModified"),
                "runCompletedDateTimeUTC": run["runCompletedDateTimeUTC"],
                "isBatch": False,
                "batchQualified": True,
                "useMapBuilder": False,
                "isRunnable": prediction_id in sim.store.plants and record.data.get("weatherId") is not None,
                "hasResults": finished,
                "statistics": None,
                "results": None,
            }
        )
    if any(snapshots):  # one trip to the physics thread for all of them
        summaries = await sim.physics(functools.partial(_summaries, snapshots, sim.store.next_child_id))
        for entry, summary in zip(predictions, summaries, strict=True):
            entry["statistics"] = _statistics(summary)
    keys = (
        "id",
        "name",
        "country",
        "countryCode",
        "createdDate",
        "elevation",
        "region",
        "standardOffsetFromUTC",
        "lastModified",
        "locality",
        "latitude",
        "longitude",
        "stateProvinceCode",
        "status",
    )
    body = {key: project.get(key) for key in keys}
    body["predictions"] = predictions
    body["dataIsSubset"] = False
    return reply(request, normalize(models.ProjectItem, body), site=project)


ROUTES: list[RouteSpec] = [
    # The benchmarked route first: Starlette tries routes in order.
    ("GET", "/Project/{projectId:int}", "projects", get_project),
    ("GET", "/Project", "projects", list_projects),
    ("POST", "/Project", "projects", create_project),
    ("GET", "/Project/ByStatus", "projects", list_projects_by_status),
    ("GET", "/Project/Search", "projects", search_projects),
    ("GET", "/Project/My", "projects", my_projects),
    ("GET", "/ProjectsAndPredictions/My", "projects", my_projects_and_predictions),
    ("PUT", "/Project/{projectId:int}", "projects", update_project),
    ("DELETE", "/Project/{projectId:int}", "projects", delete_project),
    ("GET", "/Project/{projectId:int}/Overview", "projects", project_overview),
]

"""The PlantPredict API routes: paths, parameter names and JSON shapes of the real API.

Every route is wrapped by `api_route`, which applies, in order: injected latency, the bearer-token check
(empty-body 401), injected 429/5xx (the request is not processed), the handler, and an injected dropped
connection (the request was processed). Paths match case-insensitively, as ASP.NET routes do (the
official SDK calls `/Inverter/{id}/kVa`).
"""

from __future__ import annotations

import copy
import datetime
import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plantpredict_client import models
from plantpredict_simulator import _reference, _results
from plantpredict_simulator._faults import DroppedResponse
from plantpredict_simulator._http import (
    BadRequest,
    NotFound,
    dumps,
    empty_response,
    json_body,
    json_response,
    not_found,
    query,
    query_bool,
    query_float,
    query_int,
    raw_json_response,
    require_float,
    text_response,
    unauthorized,
)
from plantpredict_simulator._models import normalize, validate
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._state import QUEUED, RUNNING, SUCCESS, USER_ID, PredictionRecord, Run
from plantpredict_simulator._tokens import Principal

Handler = Callable[[Simulator, Request, Principal], Awaitable[Response]]

_OWNED = frozenset(
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
_PROJECT_OWNED = _OWNED | {"predictions", "distance", "location"}
_PREDICTION_OWNED = _OWNED | {
    "project",
    "projectId",
    "powerPlant",
    "powerPlantId",
    "weather",
    "processingStatus",
    "percentComplete",
    "processingStep",
    "processingMessage",
    "resultSummary",
    "resultSummaryId",
    "resultDetail",
    "runCompletedDateTimeUTC",
    "lastPublishedDateToQueue",
    "queueMessageId",
    "queuePopReceipt",
    "runningOnVMName",
    "numOfBlocks",
}
_MONTHS = _results.MONTHS
_DUPLICATE_PROJECT = "A project with this name already exists."


def api_route(path: str, method: str, group: str, handler: Handler) -> Route:
    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.simulator
        await sim.faults.delay(group)
        principal = sim.tokens.authenticate(request.headers.get("authorization"))
        if principal is None:
            return unauthorized()
        rejection = sim.faults.rejection(group)
        if rejection is not None:
            return rejection
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


# -- helpers -----------------------------------------------------------------------------------------------


def _project(sim: Simulator, project_id: int) -> dict[str, Any]:
    project = sim.store.projects.get(project_id)
    if project is None:
        raise NotFound("Project")
    return project


def _prediction(sim: Simulator, project_id: int, prediction_id: int) -> PredictionRecord:
    _project(sim, project_id)
    record = sim.store.predictions.get(prediction_id)
    if record is None or record.data.get("projectId") != project_id:
        raise NotFound("Prediction")
    return record


def _body_model(cls: type, body: Any, parameter: str, owned: frozenset[str]) -> dict[str, Any]:
    data, errors = validate(cls, body, parameter)
    if data is None:
        raise BadRequest(errors)
    return {key: value for key, value in data.items() if key not in owned}


def _path_int(request: Request, name: str) -> int:
    value: int = request.path_params[name]
    return value


def _project_json(project: dict[str, Any]) -> dict[str, Any]:
    return {**project, "predictions": []}


def _message_headers(message: str | None) -> dict[str, str] | None:
    return {"X-Message": message} if message else None


# -- projects ----------------------------------------------------------------------------------------------


async def list_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    skip = max(0, query_int(request, "skip") or 0)
    top = query_int(request, "top")
    items = [_project_json(p) for _, p in sorted(sim.store.projects.items(), reverse=True)]
    return json_response(items[skip : skip + top if top is not None else None])


async def list_projects_by_status(sim: Simulator, request: Request, _: Principal) -> Response:
    status = query_int(request, "status")
    skip = max(0, query_int(request, "skip") or 0)
    top = query_int(request, "top")
    items = [
        _project_json(p)
        for _, p in sorted(sim.store.projects.items(), reverse=True)
        if status is None or p.get("status", 0) == status
    ]
    return json_response(items[skip : skip + top if top is not None else None])


async def my_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    status = query_int(request, "status")
    items = [
        _project_json(p)
        for _, p in sorted(sim.store.projects.items(), reverse=True)
        if p.get("ownerId") == USER_ID and (status is None or p.get("status", 0) == status)
    ]
    return json_response(items)


async def my_projects_and_predictions(sim: Simulator, request: Request, _: Principal) -> Response:
    items = []
    for project_id, project in sorted(sim.store.projects.items(), reverse=True):
        if project.get("ownerId") != USER_ID:
            continue
        predictions = [
            dict(sim.store.prediction_json(pid), project=None) for pid in sim.store.predictions_of(project_id)
        ]
        items.append({**project, "predictions": predictions})
    return json_response(items)


async def search_projects(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "latitude")
    longitude = require_float(request, "longitude")
    radius = require_float(request, "searchRadius")
    found = []
    for project in sim.store.projects.values():
        distance = _reference.distance_miles(latitude, longitude, project["latitude"], project["longitude"])
        if distance <= radius:
            found.append({**_project_json(project), "distance": distance})
    return json_response(sorted(found, key=lambda p: p["distance"]))


async def create_project(sim: Simulator, request: Request, _: Principal) -> Response:
    data = _body_model(models.Project, await json_body(request, "project"), "project", _PROJECT_OWNED)
    warning = _DUPLICATE_PROJECT if sim.store.project_name_taken(data.get("name")) else None
    project_id = sim.store.new_project_id()
    project = normalize(models.Project, sim.store.stamp_new({"description": None, "status": 0, **data}, project_id))
    sim.store.put_project(project)
    return json_response({"id": project_id}, headers=_message_headers(warning))


async def get_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    cached = sim.store.project_json.get(project_id)
    if cached is None:
        cached = dumps(_project_json(_project(sim, project_id)))
        sim.store.project_json[project_id] = cached
    return raw_json_response(cached)


async def update_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    previous = _project(sim, project_id)
    data = _body_model(models.Project, await json_body(request, "project"), "project", _PROJECT_OWNED)
    warning = _DUPLICATE_PROJECT if sim.store.project_name_taken(data.get("name"), project_id) else None
    project = normalize(models.Project, sim.store.stamp_update({"description": None, "status": 0, **data}, previous))
    sim.store.put_project(project)
    return empty_response(headers=_message_headers(warning))


async def delete_project(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    _project(sim, project_id)
    sim.store.delete_project(project_id)
    return empty_response()


async def project_overview(sim: Simulator, request: Request, _: Principal) -> Response:
    project = _project(sim, _path_int(request, "projectId"))
    predictions = []
    for prediction_id in sim.store.predictions_of(project["id"]):
        record = sim.store.predictions[prediction_id]
        run = sim.store.run_fields(record)
        summary = None
        if record.run is not None and run["processingStatus"] == SUCCESS:
            summary = _results.result_summary(record.run.snapshot, sim.store.next_child_id)
        statistics = None
        if summary is not None:
            statistics = {
                "acSize": summary["acSize"],
                "dcSize": summary["dcSize"],
                "dcacRatio": summary["dcacRatio"],
                "groundCoverageRatio": summary["avgGCR"],
                "avgMountingType": 1 if summary["trackingType"] == "Horizontal Tracker" else 0,
            }
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
                "hasResults": run["processingStatus"] == SUCCESS,
                "statistics": statistics,
                "results": None,
            }
        )
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
    return json_response(normalize(models.ProjectItem, body))


# -- predictions -------------------------------------------------------------------------------------------


def _prediction_defaults(sim: Simulator) -> dict[str, Any]:
    return {
        "description": None,
        "status": 1,
        "start": None,
        "end": None,
        "startIndex": 0,
        "endIndex": 0,
        "yearRepeater": 1,
        "transpositionModel": 1,
        "perezCoefficients": 0,
        "diffuseDirectDecompModel": 3,
        "circumsolarTreatment": 0,
        "diffuseDirectDecompModelExecuted": False,
        "useMeteoDni": False,
        "useMeteoPOAI": False,
        "useBacksidePOAI": False,
        "useLeapYears": False,
        "useWeatherFileAlbedoData": False,
        "useMetastability": False,
        "enableLeTID": False,
        "airMassModel": 0,
        "soilingModel": 0,
        "modTempModel": 0,
        "incAngleModel": 5,
        "directBeamShadingModel": 5,
        "degradationModel": 0,
        "diffuseShadingModel": 1,
        "linearDegradationRate": 0.5,
        "firstYearDegradation": False,
        "nonLinearDegradationRates": [],
        "lightAndElevatedTemperatureDegradationRates": [],
        "errorModelAcc": 2.9,
        "errorSensAcc": 5,
        "errorIntAnnVar": 3,
        "errorMonAcc": 2,
        "errorSpaVar": 2,
        "spectralShiftModel": 2,
        "spectralWeatherType": 0,
        "monthlyFactors": [
            {
                "id": sim.store.next_child_id(),
                "month": m + 1,
                "monthName": _MONTHS[m],
                "soilingLoss": 2,
                "albedo": 0.2,
                "spectralShift": None,
            }
            for m in range(12)
        ],
        "horizonDetails": [],
        "ashraeStation": None,
        "weatherId": None,
        "shading3DModel": 0,
        "pValues": [],
        "isReadOnly": False,
        "pValuesString": "",
        "nodalData": False,
        "hasTimeSeriesData": False,
        "isBatch": False,
        "batchPredictionId": None,
        "childPredictions": [],
        "batchStepVariable": [],
        "batchQualified": True,
        "logicVersion": 12,
        "mapBuilderCreateDCAs": 0,
        "useMapBuilder": False,
        "setback": 0,
        "targetDC": 0,
        "weatherLocked": False,
        "electricalShadingFractionalEffect": 100,
        "numberOfModuleFractions": 0,
        "timeSeriesData": [],
        "canImportAlbedoData": True,
        "useSpectral30": False,
    }


def _check_weather_reference(sim: Simulator, data: dict[str, Any]) -> None:
    weather_id = data.get("weatherId")
    if weather_id is not None and weather_id not in sim.store.weather:
        raise BadRequest({"prediction.WeatherId": [f"Weather {weather_id} does not exist."]})


async def list_predictions(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    _project(sim, project_id)
    return json_response([sim.store.prediction_json(pid) for pid in sim.store.predictions_of(project_id)])


async def create_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    _project(sim, project_id)
    data = _body_model(models.Prediction, await json_body(request, "prediction"), "prediction", _PREDICTION_OWNED)
    _check_weather_reference(sim, data)
    prediction_id = sim.store.new_prediction_id()
    stored = sim.store.stamp_new({**_prediction_defaults(sim), **data, "projectId": project_id}, prediction_id)
    sim.store.predictions[prediction_id] = PredictionRecord(normalize(models.Prediction, stored))
    return json_response({"id": prediction_id})


async def update_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = _path_int(request, "projectId")
    _project(sim, project_id)
    body = await json_body(request, "prediction")
    data = _body_model(models.Prediction, body, "prediction", _PREDICTION_OWNED)
    raw_id = next((v for k, v in (body.items() if isinstance(body, dict) else []) if str(k).lower() == "id"), None)
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise BadRequest({"prediction.Id": ["The Id field is required."]})
    record = _prediction(sim, project_id, raw_id)
    _check_weather_reference(sim, data)
    defaults = _prediction_defaults(sim)
    stored = sim.store.stamp_update({**defaults, **data, "projectId": project_id}, record.data)
    stored = normalize(models.Prediction, stored)
    changed = _comparable(stored) != _comparable(record.data)
    record.data = stored
    return json_response({"changesMade": changed})


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    ignored = {"lastModified", "lastModifiedById", "monthlyFactors"}
    out = {k: v for k, v in data.items() if k not in ignored}
    out["monthlyFactors"] = [
        {k: v for k, v in f.items() if k != "id"} for f in data.get("monthlyFactors") or [] if isinstance(f, dict)
    ]
    return out


async def get_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    record_id = _path_int(request, "predictionId")
    _prediction(sim, _path_int(request, "projectId"), record_id)
    return json_response(sim.store.prediction_json(record_id))


async def delete_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = _path_int(request, "predictionId")
    _prediction(sim, _path_int(request, "projectId"), prediction_id)
    sim.store.delete_prediction(prediction_id)
    return empty_response()


async def clone_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id, prediction_id = _path_int(request, "projectId"), _path_int(request, "predictionId")
    record = _prediction(sim, project_id, prediction_id)
    query_bool(request, "cloneToBlockBuilder")
    new_id = sim.store.new_prediction_id()
    data = copy.deepcopy(record.data)
    data["name"] = f"{data.get('name') or 'Prediction'} - Copy"
    for factor in data.get("monthlyFactors") or []:
        factor["id"] = sim.store.next_child_id()
    sim.store.predictions[new_id] = PredictionRecord(sim.store.stamp_new(data, new_id))
    plant = sim.store.plants.get(prediction_id)
    if plant is not None:
        sim.store.plants[new_id] = _with_ids(sim, copy.deepcopy(plant), fresh=True, plant_id=sim.store.next_child_id())
    # Both documents declare no body; the new id is what a caller needs, so it comes back as on a create.
    return json_response({"id": new_id})


async def run_prediction(sim: Simulator, request: Request, principal: Principal) -> Response:
    project_id, prediction_id = _path_int(request, "projectId"), _path_int(request, "predictionId")
    record = _prediction(sim, project_id, prediction_id)
    body = await json_body(request, "expOptions", required=False)
    if body is not None:
        _body_model(models.ExportOptions, body, "expOptions", frozenset())
    now = sim.store.now()
    if record.run is not None and sim.store.settle(record.run, now) in (QUEUED, RUNNING):
        raise BadRequest("The prediction is already queued or running.")
    plant = sim.store.plants.get(prediction_id)
    if plant is None:
        raise BadRequest("The prediction has no power plant: create one before running it.")
    weather = sim.store.weather.get(record.data.get("weatherId") or -1)
    if weather is None:
        raise BadRequest("The prediction has no weather file: set weatherId before running it.")
    modules = {
        i: copy.deepcopy(sim.store.modules[i])
        for i in _referenced(plant, "dcFields", "moduleId")
        if i in sim.store.modules
    }
    inverters = {
        i: copy.deepcopy(sim.store.inverters[i])
        for i in _referenced(plant, "inverters", "inverterId")
        if i in sim.store.inverters
    }
    problem = _results.design_problems(plant, modules, inverters)
    if problem is not None:
        raise BadRequest(problem)
    project = _project(sim, project_id)
    record.data["start"] = weather.get("startDate") or "2005-01-01T00:00:00"
    record.data["end"] = weather.get("endDate") or "2005-12-31T23:00:00"
    duration = sim.config.run_seconds
    started = datetime.datetime.fromtimestamp(now, datetime.UTC).replace(tzinfo=None)
    snapshot = _results.RunSnapshot(
        project=copy.deepcopy(project),
        prediction=copy.deepcopy(record.data),
        plant=copy.deepcopy(plant),
        weather=copy.deepcopy(weather),
        modules=modules,
        inverters=inverters,
        seed=sim.config.seed,
        started=started,
        finished=started + datetime.timedelta(seconds=duration),
        run_by=principal.subject,
        summary_id=sim.store.next_child_id(),
    )
    record.run = Run(started=now, duration=duration, fails=sim.store.run_fails(prediction_id), snapshot=snapshot)
    return empty_response()


def _referenced(plant: dict[str, Any], level: str, key: str) -> set[int]:
    found: set[int] = set()
    for block in plant.get("blocks") or []:
        for array in block.get("arrays") or []:
            for inverter in array.get("inverters") or []:
                if level == "inverters" and isinstance(inverter.get(key), int):
                    found.add(inverter[key])
                for dc_field in inverter.get("dcFields") or []:
                    if level == "dcFields" and isinstance(dc_field.get(key), int):
                        found.add(dc_field[key])
    return found


async def cancel_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    record = _prediction(sim, _path_int(request, "projectId"), _path_int(request, "predictionId"))
    now = sim.store.now()
    status = sim.store.settle(record.run, now) if record.run is not None else 0
    if status == SUCCESS:
        return text_response("A successfully completed prediction cannot be cancelled.", 400)
    if record.run is None or status not in (QUEUED, RUNNING):
        return text_response("The prediction is not queued or running.", 400)
    record.run.cancelled_at = now
    sim.store.settle(record.run, now)
    return json_response("Prediction cancelled successfully.")


async def processing_status(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = _path_int(request, "predictionId")
    record = _prediction(sim, _path_int(request, "projectId"), prediction_id)
    fields = sim.store.run_fields(record)
    keys = ("processingStatus", "percentComplete", "processingStep", "processingMessage", "runCompletedDateTimeUTC")
    return json_response({"id": prediction_id, **{key: fields.get(key) for key in keys}})


# -- power plant -------------------------------------------------------------------------------------------


def _with_ids(sim: Simulator, plant: dict[str, Any], *, fresh: bool, plant_id: int) -> dict[str, Any]:
    """Give the plant and its children ids and default names, as the server does on save."""
    plant["id"] = plant_id

    def assign(item: dict[str, Any]) -> None:
        if fresh or not isinstance(item.get("id"), int) or item["id"] <= 0:
            item["id"] = sim.store.next_child_id()
        item.setdefault("repeater", 1)

    for b, block in enumerate(plant.get("blocks") or [], start=1):
        assign(block)
        block.setdefault("name", b)
        for a, array in enumerate(block.get("arrays") or [], start=1):
            assign(array)
            array.setdefault("name", a)
            for i, inverter in enumerate(array.get("inverters") or []):
                assign(inverter)
                inverter.setdefault("name", chr(ord("A") + i % 26))
                for f, dc_field in enumerate(inverter.get("dcFields") or [], start=1):
                    assign(dc_field)
                    dc_field.setdefault("name", f)
    return plant


def _plant_from_body(sim: Simulator, body: Any) -> dict[str, Any]:
    data = _body_model(models.PowerPlant, body, "powerPlant", frozenset({"id"}))
    errors: dict[str, list[str]] = {}
    for b, block in enumerate(data.get("blocks") or []):
        for a, array in enumerate(block.get("arrays") or []):
            for i, inverter in enumerate(array.get("inverters") or []):
                path = f"powerPlant.Blocks[{b}].Arrays[{a}].Inverters[{i}]"
                inverter.pop("inverter", None)  # the library object is embedded on read, never stored
                inverter_id = inverter.get("inverterId")
                if inverter_id is not None and inverter_id not in sim.store.inverters:
                    errors[f"{path}.InverterId"] = [f"Inverter {inverter_id} does not exist."]
                for f, dc_field in enumerate(inverter.get("dcFields") or []):
                    dc_field.pop("module", None)
                    module_id = dc_field.get("moduleId")
                    if module_id is not None and module_id not in sim.store.modules:
                        errors[f"{path}.DcFields[{f}].ModuleId"] = [f"Module {module_id} does not exist."]
    if errors:
        raise BadRequest(errors)
    return data


def _plant_json(sim: Simulator, plant: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(plant)
    for block in out.get("blocks") or []:
        for array in block.get("arrays") or []:
            for inverter in array.get("inverters") or []:
                inverter["inverter"] = copy.deepcopy(sim.store.inverters.get(inverter.get("inverterId") or -1))
                for dc_field in inverter.get("dcFields") or []:
                    dc_field["module"] = copy.deepcopy(sim.store.modules.get(dc_field.get("moduleId") or -1))
    return out


async def get_power_plant(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = _path_int(request, "predictionId")
    _prediction(sim, _path_int(request, "projectId"), prediction_id)
    plant = sim.store.plants.get(prediction_id)
    if plant is None:
        return empty_response(204)
    return json_response(_plant_json(sim, plant))


async def create_power_plant(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = _path_int(request, "predictionId")
    _prediction(sim, _path_int(request, "projectId"), prediction_id)
    data = _plant_from_body(sim, await json_body(request, "powerPlant"))
    plant = _with_ids(sim, data, fresh=True, plant_id=sim.store.next_child_id())
    sim.store.plants[prediction_id] = normalize(models.PowerPlant, plant)
    return empty_response()


async def update_power_plant(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = _path_int(request, "predictionId")
    _prediction(sim, _path_int(request, "projectId"), prediction_id)
    previous = sim.store.plants.get(prediction_id)
    if previous is None:
        raise NotFound("PowerPlant")
    data = _plant_from_body(sim, await json_body(request, "powerPlant"))
    plant = normalize(models.PowerPlant, _with_ids(sim, data, fresh=False, plant_id=previous["id"]))
    sim.store.plants[prediction_id] = plant
    return json_response({"changesMade": plant != previous})


# -- results -----------------------------------------------------------------------------------------------


def _finished_run(sim: Simulator, request: Request) -> _results.RunSnapshot | None:
    record = _prediction(sim, _path_int(request, "projectId"), _path_int(request, "predictionId"))
    if record.run is None or sim.store.settle(record.run, sim.store.now()) != SUCCESS:
        return None
    return record.run.snapshot


async def result_summary(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        return empty_response(204)
    return json_response(_results.result_summary(snapshot, sim.store.next_child_id))


async def result_details(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        raise NotFound("Results")
    return json_response(_results.result_details(snapshot))


async def nodal_json(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        raise NotFound("Results")
    # ASP.NET binds an absent int as 0 and the generated client sends its documented defaults (0, ""),
    # so 0 and "" mean "not given": numbering starts at 1.
    document = _results.nodal_json(
        snapshot,
        query_int(request, "blockNumber") or None,
        query_int(request, "arrayNumber") or None,
        query(request, "inverterName") or None,
        query_int(request, "dcFieldNumber") or None,
        query(request, "nodalParameters") or None,
    )
    return json_response(document)


# -- library: modules, inverters, weather ------------------------------------------------------------------

_LIBRARY = {
    "modules": (models.Module, "module", "Module", "moduleId"),
    "inverters": (models.Inverter, "inverter", "Inverter", "inverterId"),
    "weather": (models.Weather, "weather", "Weather", "weatherId"),
}


def library_handlers(kind: str) -> dict[str, Handler]:
    cls, parameter, label, id_param = _LIBRARY[kind]

    def item(sim: Simulator, request: Request) -> dict[str, Any]:
        found = sim.store.library(kind).get(_path_int(request, id_param))
        if found is None:
            raise NotFound(label)
        return found

    async def list_items(sim: Simulator, request: Request, _: Principal) -> Response:
        return json_response(list(sim.store.library(kind).values()))

    async def get_item(sim: Simulator, request: Request, _: Principal) -> Response:
        return json_response(item(sim, request))

    async def create_item(sim: Simulator, request: Request, _: Principal) -> Response:
        data = _body_model(cls, await json_body(request, parameter), parameter, _OWNED)
        new_id = sim.store.new_library_id(kind)
        sim.store.library(kind)[new_id] = normalize(cls, sim.store.stamp_new({"status": 1, **data}, new_id))
        return json_response({"id": new_id})

    async def update_item(sim: Simulator, request: Request, _: Principal) -> Response:
        previous = item(sim, request)
        data = _body_model(cls, await json_body(request, parameter), parameter, _OWNED)
        updated = normalize(cls, sim.store.stamp_update({"status": 1, **data}, previous))
        sim.store.library(kind)[previous["id"]] = updated
        return empty_response()

    async def delete_item(sim: Simulator, request: Request, _: Principal) -> Response:
        del sim.store.library(kind)[item(sim, request)["id"]]
        return empty_response()

    return {"list": list_items, "get": get_item, "create": create_item, "update": update_item, "delete": delete_item}


def _kva(inverter: dict[str, Any], elevation: float | None, temperature: float | None, use_cooling: bool) -> float:
    """The inverter's kVA at a site: the kVA curve for the site's elevation, interpolated in temperature."""
    base = float(inverter.get("apparentPower") or inverter.get("powerRated") or 0.0)
    curves = [c for c in inverter.get("kVACurves") or [] if c.get("kVAPoints")]
    if not use_cooling or temperature is None or not curves:
        return base
    site = elevation if elevation is not None else 0.0
    above = [c for c in curves if (c.get("elevation") or 0) >= site]
    curve = (
        min(above, key=lambda c: c.get("elevation") or 0)
        if above
        else max(curves, key=lambda c: c.get("elevation") or 0)
    )
    points = sorted(
        ((p.get("temperature") or 0.0, p.get("kVA") or 0.0) for p in curve["kVAPoints"]), key=lambda p: p[0]
    )
    if temperature <= points[0][0]:
        return float(points[0][1])
    for (t0, k0), (t1, k1) in itertools.pairwise(points):
        if t0 <= temperature <= t1:
            return float(k0 if t1 == t0 else k0 + (k1 - k0) * (temperature - t0) / (t1 - t0))
    return float(points[-1][1])


async def inverter_kva(sim: Simulator, request: Request, _: Principal) -> Response:
    inverter = sim.store.inverters.get(_path_int(request, "inverterId"))
    if inverter is None:
        raise NotFound("Inverter")
    use_cooling = query_bool(request, "useCoolingTemp")
    kva = _kva(
        inverter, query_float(request, "elevation"), query_float(request, "temperature"), use_cooling is not False
    )
    return json_response({"kVa": kva})


async def calculate_inverter_kva(sim: Simulator, request: Request, _: Principal) -> Response:
    inverter = _body_model(models.Inverter, await json_body(request, "inverter"), "inverter", frozenset())
    use_cooling = query_bool(request, "useCoolingTemp")
    kva = _kva(
        inverter, query_float(request, "elevation"), query_float(request, "temperature"), use_cooling is not False
    )
    return json_response({"kVa": kva})


async def search_weather(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    radius = require_float(request, "SearchRadius")
    found = []
    for weather in sim.store.weather.values():
        if not isinstance(weather.get("latitude"), int | float) or not isinstance(
            weather.get("longitude"), int | float
        ):
            continue
        distance = _reference.distance_miles(latitude, longitude, weather["latitude"], weather["longitude"])
        if distance <= radius:
            found.append({**weather, "distance": distance})
    return json_response(sorted(found, key=lambda w: w["distance"]))


async def update_weather_title(sim: Simulator, request: Request, _: Principal) -> Response:
    weather = sim.store.weather.get(_path_int(request, "weatherId"))
    if weather is None:
        raise NotFound("Weather")
    data = _body_model(models.Weather, await json_body(request, "weather"), "weather", _OWNED)
    weather["name"] = data.get("name")
    weather["lastModified"] = sim.store.timestamp()
    return empty_response()


# -- reference ---------------------------------------------------------------------------------------------


async def get_definitions(sim: Simulator, request: Request, _: Principal) -> Response:
    return json_response(_reference.definitions(query(request, "type")) or [])


async def list_countries(sim: Simulator, request: Request, _: Principal) -> Response:
    return json_response(_reference.countries())


async def get_ashrae(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    return json_response(_reference.ashrae_station(latitude, longitude))


async def get_ashrae_station(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    return json_response(_reference.ashrae_station(latitude, longitude, query(request, "StationName")))


async def get_version(sim: Simulator, request: Request, _: Principal) -> Response:
    return json_response({"version": _reference.API_VERSION})


async def maintenance_mode(sim: Simulator, request: Request, _: Principal) -> Response:
    return json_response({"maintenanceMode": False})


# -- route table -------------------------------------------------------------------------------------------


def api_routes() -> list[Route]:
    prediction = "/Project/{projectId:int}/Prediction/{predictionId:int}"
    modules, inverters, weather = (library_handlers(kind) for kind in ("modules", "inverters", "weather"))
    table: list[tuple[str, str, str, Handler]] = [
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
        ("GET", "/Project/{projectId:int}/Prediction", "predictions", list_predictions),
        ("POST", "/Project/{projectId:int}/Prediction", "predictions", create_prediction),
        ("PUT", "/Project/{projectId:int}/Prediction", "predictions", update_prediction),
        ("GET", prediction, "predictions", get_prediction),
        ("DELETE", prediction, "predictions", delete_prediction),
        ("GET", f"{prediction}/Clone", "predictions", clone_prediction),
        ("POST", f"{prediction}/Run", "predictions", run_prediction),
        ("POST", f"{prediction}/Cancel", "predictions", cancel_prediction),
        ("GET", f"{prediction}/ProcessingStatus", "predictions", processing_status),
        ("GET", f"{prediction}/PowerPlant", "powerplant", get_power_plant),
        ("POST", f"{prediction}/PowerPlant", "powerplant", create_power_plant),
        ("PUT", f"{prediction}/PowerPlant", "powerplant", update_power_plant),
        ("GET", f"{prediction}/ResultSummary", "results", result_summary),
        ("GET", f"{prediction}/ResultSummary/Common", "results", result_summary),
        ("GET", f"{prediction}/ResultDetails", "results", result_details),
        ("GET", f"{prediction}/NodalJson", "results", nodal_json),
        ("GET", "/Module", "library", modules["list"]),
        ("POST", "/Module", "library", modules["create"]),
        ("GET", "/Module/{moduleId:int}", "library", modules["get"]),
        ("PUT", "/Module/{moduleId:int}", "library", modules["update"]),
        ("DELETE", "/Module/{moduleId:int}", "library", modules["delete"]),
        ("GET", "/Inverter", "library", inverters["list"]),
        ("POST", "/Inverter", "library", inverters["create"]),
        ("POST", "/Inverter/kVA", "library", calculate_inverter_kva),
        ("GET", "/Inverter/{inverterId:int}", "library", inverters["get"]),
        ("PUT", "/Inverter/{inverterId:int}", "library", inverters["update"]),
        ("DELETE", "/Inverter/{inverterId:int}", "library", inverters["delete"]),
        ("GET", "/Inverter/{inverterId:int}/kVA", "library", inverter_kva),
        # Not in either document, but the issue asks for a weather library list, update and delete.
        ("GET", "/Weather", "library", weather["list"]),
        ("POST", "/Weather", "library", weather["create"]),
        ("GET", "/Weather/Search", "library", search_weather),
        ("GET", "/Weather/{weatherId:int}", "library", weather["get"]),
        ("PUT", "/Weather/{weatherId:int}", "library", weather["update"]),
        ("DELETE", "/Weather/{weatherId:int}", "library", weather["delete"]),
        ("PUT", "/Weather/{weatherId:int}/TitleUpdate", "library", update_weather_title),
        ("GET", "/Definitions", "reference", get_definitions),
        ("GET", "/Country", "reference", list_countries),
        ("GET", "/ASHRAE", "reference", get_ashrae),
        ("GET", "/ASHRAE/GetStation", "reference", get_ashrae_station),
        ("GET", "/System/Version", "reference", get_version),
        ("GET", "/Version", "reference", get_version),
        ("GET", "/System/MaintenanceMode", "reference", maintenance_mode),
    ]
    return [api_route(path, method, group, handler) for method, path, group, handler in table]

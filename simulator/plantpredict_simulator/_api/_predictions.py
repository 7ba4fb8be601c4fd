"""Predictions: CRUD, clone, and the run lifecycle (Run, Cancel, ProcessingStatus).

Start and end dates: both documents let a prediction be created without them (the reference's recorded
create request carries none, and the live schema has them nullable), and the recorded predictions carry
the weather file's first and last hour. So absent dates default to the weather file's period, on create,
on update and at the latest when the run starts; an end before the start is refused (400 ModelState).
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_client import models
from plantpredict_simulator import _results
from plantpredict_simulator._api._power_plant import referenced, with_ids
from plantpredict_simulator._api._route import (
    OWNED,
    RouteSpec,
    body_model,
    done,
    path_int,
    prediction_of,
    project_of,
    reply,
    same_as_answered,
)
from plantpredict_simulator._http import BadRequest, json_body, query_bool, text_response
from plantpredict_simulator._models import normalize
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._state import QUEUED, RUNNING, SUCCESS, PredictionRecord, Run
from plantpredict_simulator._tokens import Principal

MONTHS = _results.MONTHS

PREDICTION = "/Project/{projectId:int}/Prediction/{predictionId:int}"
PREDICTION_OWNED = OWNED | {
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
                "monthName": MONTHS[m],
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


def _default_dates(sim: Simulator, data: dict[str, Any]) -> None:
    """Absent start/end take the weather file's period (module docstring); an end before the start is a 400."""
    weather = sim.store.weather.get(data.get("weatherId") or -1) or {}
    if not data.get("start") and weather.get("startDate"):
        data["start"] = weather["startDate"]
    if not data.get("end") and weather.get("endDate"):
        data["end"] = weather["endDate"]
    start, end = _moment(data.get("start")), _moment(data.get("end"))
    if start is not None and end is not None and end < start:
        raise BadRequest({"prediction.End": ["The End date must not be before the Start date."]})


def _moment(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


async def list_predictions(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    project = project_of(sim, project_id)
    items = [sim.store.prediction_json(pid) for pid in sim.store.predictions_of(project_id)]
    return reply(request, items, site=project)


async def create_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    project_of(sim, project_id)
    data = body_model(models.Prediction, await json_body(request, "prediction"), "prediction", PREDICTION_OWNED)
    _check_weather_reference(sim, data)
    prediction_id = sim.store.new_prediction_id()
    stored = sim.store.stamp_new({**_prediction_defaults(sim), **data, "projectId": project_id}, prediction_id)
    _default_dates(sim, stored)
    sim.store.predictions[prediction_id] = PredictionRecord(normalize(models.Prediction, stored))
    return reply(request, {"id": prediction_id})


async def update_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id = path_int(request, "projectId")
    project_of(sim, project_id)
    body = await json_body(request, "prediction")
    data = body_model(models.Prediction, body, "prediction", PREDICTION_OWNED)
    raw_id = next((v for k, v in (body.items() if isinstance(body, dict) else []) if str(k).lower() == "id"), None)
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise BadRequest({"prediction.Id": ["The Id field is required."]})
    record = prediction_of(sim, project_id, raw_id)
    _check_weather_reference(sim, data)
    defaults = _prediction_defaults(sim)
    stored = sim.store.stamp_update({**defaults, **data, "projectId": project_id}, record.data)
    _default_dates(sim, stored)
    stored = normalize(models.Prediction, stored)
    changed = not same_as_answered(
        "Prediction", _comparable(stored), _comparable(record.data), project_of(sim, project_id)
    )
    record.data = stored
    return reply(request, {"changesMade": changed})


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    ignored = {"lastModified", "lastModifiedById", "monthlyFactors"}
    out = {k: v for k, v in data.items() if k not in ignored}
    out["monthlyFactors"] = [
        {k: v for k, v in f.items() if k != "id"} for f in data.get("monthlyFactors") or [] if isinstance(f, dict)
    ]
    return out


async def get_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    record_id = path_int(request, "predictionId")
    project_id = path_int(request, "projectId")
    prediction_of(sim, project_id, record_id)
    return reply(request, sim.store.prediction_json(record_id), site=project_of(sim, project_id))


async def delete_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = path_int(request, "predictionId")
    prediction_of(sim, path_int(request, "projectId"), prediction_id)
    sim.store.delete_prediction(prediction_id)
    return done()


async def clone_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    project_id, prediction_id = path_int(request, "projectId"), path_int(request, "predictionId")
    record = prediction_of(sim, project_id, prediction_id)
    query_bool(request, "cloneToBlockBuilder")
    new_id = sim.store.new_prediction_id()
    data = copy.deepcopy(record.data)
    data["name"] = f"{data.get('name') or 'Prediction'} - Copy"
    for factor in data.get("monthlyFactors") or []:
        factor["id"] = sim.store.next_child_id()
    sim.store.predictions[new_id] = PredictionRecord(sim.store.stamp_new(data, new_id))
    plant = sim.store.plants.get(prediction_id)
    if plant is not None:
        sim.store.plants[new_id] = with_ids(sim, copy.deepcopy(plant), fresh=True, plant_id=sim.store.next_child_id())
    # Both documents declare no body; the new id is what a caller needs, so it comes back as on a create.
    return reply(request, {"id": new_id})


async def run_prediction(sim: Simulator, request: Request, principal: Principal) -> Response:
    project_id, prediction_id = path_int(request, "projectId"), path_int(request, "predictionId")
    record = prediction_of(sim, project_id, prediction_id)
    body = await json_body(request, "expOptions", required=False)
    if body is not None:
        body_model(models.ExportOptions, body, "expOptions", frozenset())
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
        for i in referenced(plant, "dcFields", "moduleId")
        if i in sim.store.modules
    }
    inverters = {
        i: copy.deepcopy(sim.store.inverters[i])
        for i in referenced(plant, "inverters", "inverterId")
        if i in sim.store.inverters
    }
    problem = _results.design_problems(plant, modules, inverters)
    if problem is not None:
        raise BadRequest(problem)
    project = project_of(sim, project_id)
    _default_dates(sim, record.data)
    record.data["start"] = record.data.get("start") or "2005-01-01T00:00:00"
    record.data["end"] = record.data.get("end") or "2005-12-31T23:00:00"
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
    return done()


async def cancel_prediction(sim: Simulator, request: Request, _: Principal) -> Response:
    record = prediction_of(sim, path_int(request, "projectId"), path_int(request, "predictionId"))
    now = sim.store.now()
    status = sim.store.settle(record.run, now) if record.run is not None else 0
    if status == SUCCESS:
        return text_response("A successfully completed prediction cannot be cancelled.", 400)
    if record.run is None or status not in (QUEUED, RUNNING):
        return text_response("The prediction is not queued or running.", 400)
    record.run.cancelled_at = now
    sim.store.settle(record.run, now)
    return reply(request, "Prediction cancelled successfully.")


async def processing_status(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = path_int(request, "predictionId")
    record = prediction_of(sim, path_int(request, "projectId"), prediction_id)
    fields = sim.store.run_fields(record)
    keys = ("processingStatus", "percentComplete", "processingStep", "processingMessage", "runCompletedDateTimeUTC")
    return reply(request, {"id": prediction_id, **{key: fields.get(key) for key in keys}})


ROUTES: list[RouteSpec] = [
    ("GET", "/Project/{projectId:int}/Prediction", "predictions", list_predictions),
    ("POST", "/Project/{projectId:int}/Prediction", "predictions", create_prediction),
    ("PUT", "/Project/{projectId:int}/Prediction", "predictions", update_prediction),
    ("GET", PREDICTION, "predictions", get_prediction),
    ("DELETE", PREDICTION, "predictions", delete_prediction),
    ("GET", f"{PREDICTION}/Clone", "predictions", clone_prediction),
    ("POST", f"{PREDICTION}/Run", "predictions", run_prediction),
    ("POST", f"{PREDICTION}/Cancel", "predictions", cancel_prediction),
    ("GET", f"{PREDICTION}/ProcessingStatus", "predictions", processing_status),
]

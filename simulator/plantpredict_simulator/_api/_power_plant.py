"""The power plant of a prediction: blocks -> arrays -> inverters -> DC fields, built from library items."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_client import models
from plantpredict_simulator._api._route import (
    RouteSpec,
    body_model,
    done,
    path_int,
    prediction_of,
    project_of,
    reply,
    same_as_answered,
)
from plantpredict_simulator._http import BadRequest, NotFound, empty_response, json_body
from plantpredict_simulator._models import normalize
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._tokens import Principal

PLANT = "/Project/{projectId:int}/Prediction/{predictionId:int}/PowerPlant"


def referenced(plant: dict[str, Any], level: str, key: str) -> set[int]:
    """Library ids a plant uses: `referenced(plant, "inverters", "inverterId")` or ("dcFields", "moduleId")."""
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


def with_ids(sim: Simulator, plant: dict[str, Any], *, fresh: bool, plant_id: int) -> dict[str, Any]:
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
    data = body_model(models.PowerPlant, body, "powerPlant", frozenset({"id"}))
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
    prediction_id = path_int(request, "predictionId")
    prediction_of(sim, path_int(request, "projectId"), prediction_id)
    plant = sim.store.plants.get(prediction_id)
    if plant is None:
        return empty_response(204)
    return reply(request, _plant_json(sim, plant), site=project_of(sim, path_int(request, "projectId")))


async def create_power_plant(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = path_int(request, "predictionId")
    prediction_of(sim, path_int(request, "projectId"), prediction_id)
    data = _plant_from_body(sim, await json_body(request, "powerPlant"))
    plant = with_ids(sim, data, fresh=True, plant_id=sim.store.next_child_id())
    sim.store.plants[prediction_id] = normalize(models.PowerPlant, plant)
    return done()


async def update_power_plant(sim: Simulator, request: Request, _: Principal) -> Response:
    prediction_id = path_int(request, "predictionId")
    prediction_of(sim, path_int(request, "projectId"), prediction_id)
    previous = sim.store.plants.get(prediction_id)
    if previous is None:
        raise NotFound("PowerPlant")
    data = _plant_from_body(sim, await json_body(request, "powerPlant"))
    plant = normalize(models.PowerPlant, with_ids(sim, data, fresh=False, plant_id=previous["id"]))
    sim.store.plants[prediction_id] = plant
    site = project_of(sim, path_int(request, "projectId"))
    return reply(request, {"changesMade": not same_as_answered("PowerPlant", previous, plant, site)})


ROUTES: list[RouteSpec] = [
    ("GET", PLANT, "powerplant", get_power_plant),
    ("POST", PLANT, "powerplant", create_power_plant),
    ("PUT", PLANT, "powerplant", update_power_plant),
]

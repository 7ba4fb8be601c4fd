"""The company library: modules, inverters (with their kVA at a site) and weather files."""

from __future__ import annotations

import itertools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_client import models
from plantpredict_simulator import _reference
from plantpredict_simulator._api._route import OWNED, Handler, RouteSpec, body_model, done, path_int, reply
from plantpredict_simulator._http import NotFound, json_body, query_bool, query_float, require_float
from plantpredict_simulator._models import normalize
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._tokens import Principal

_LIBRARY = {
    "modules": (models.Module, "module", "Module", "moduleId"),
    "inverters": (models.Inverter, "inverter", "Inverter", "inverterId"),
    "weather": (models.Weather, "weather", "Weather", "weatherId"),
}


def _handlers(kind: str) -> dict[str, Handler]:
    cls, parameter, label, id_param = _LIBRARY[kind]

    def item(sim: Simulator, request: Request) -> dict[str, Any]:
        found = sim.store.library(kind).get(path_int(request, id_param))
        if found is None:
            raise NotFound(label)
        return found

    async def list_items(sim: Simulator, request: Request, _: Principal) -> Response:
        return reply(request, list(sim.store.library(kind).values()))

    async def get_item(sim: Simulator, request: Request, _: Principal) -> Response:
        return reply(request, item(sim, request))

    async def create_item(sim: Simulator, request: Request, _: Principal) -> Response:
        data = body_model(cls, await json_body(request, parameter), parameter, OWNED)
        new_id = sim.store.new_library_id(kind)
        sim.store.library(kind)[new_id] = normalize(cls, sim.store.stamp_new({"status": 1, **data}, new_id))
        return reply(request, {"id": new_id})

    async def update_item(sim: Simulator, request: Request, _: Principal) -> Response:
        previous = item(sim, request)
        data = body_model(cls, await json_body(request, parameter), parameter, OWNED)
        updated = normalize(cls, sim.store.stamp_update({"status": 1, **data}, previous))
        sim.store.library(kind)[previous["id"]] = updated
        return done()

    async def delete_item(sim: Simulator, request: Request, _: Principal) -> Response:
        del sim.store.library(kind)[item(sim, request)["id"]]
        return done()

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
    inverter = sim.store.inverters.get(path_int(request, "inverterId"))
    if inverter is None:
        raise NotFound("Inverter")
    use_cooling = query_bool(request, "useCoolingTemp")
    kva = _kva(
        inverter, query_float(request, "elevation"), query_float(request, "temperature"), use_cooling is not False
    )
    return reply(request, {"kVa": kva})


async def calculate_inverter_kva(sim: Simulator, request: Request, _: Principal) -> Response:
    inverter = body_model(models.Inverter, await json_body(request, "inverter"), "inverter", frozenset())
    use_cooling = query_bool(request, "useCoolingTemp")
    kva = _kva(
        inverter, query_float(request, "elevation"), query_float(request, "temperature"), use_cooling is not False
    )
    return reply(request, {"kVa": kva})


async def search_weather(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    radius = require_float(request, "SearchRadius")
    return reply(request, _reference.nearby(sim.store.weather.values(), latitude, longitude, radius))


async def update_weather_title(sim: Simulator, request: Request, _: Principal) -> Response:
    weather = sim.store.weather.get(path_int(request, "weatherId"))
    if weather is None:
        raise NotFound("Weather")
    data = body_model(models.Weather, await json_body(request, "weather"), "weather", OWNED)
    weather["name"] = data.get("name")
    weather["lastModified"] = sim.store.timestamp()
    return done()


def _routes() -> list[RouteSpec]:
    modules, inverters, weather = (_handlers(kind) for kind in ("modules", "inverters", "weather"))
    return [
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
        # List, update and delete are in neither document; a library of weather files needs them.
        ("GET", "/Weather", "library", weather["list"]),
        ("POST", "/Weather", "library", weather["create"]),
        ("GET", "/Weather/Search", "library", search_weather),
        ("GET", "/Weather/{weatherId:int}", "library", weather["get"]),
        ("PUT", "/Weather/{weatherId:int}", "library", weather["update"]),
        ("DELETE", "/Weather/{weatherId:int}", "library", weather["delete"]),
        ("PUT", "/Weather/{weatherId:int}/TitleUpdate", "library", update_weather_title),
    ]


ROUTES = _routes()

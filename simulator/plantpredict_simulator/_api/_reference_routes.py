"""Read-only reference data: Definitions, Country, ASHRAE stations, version, maintenance mode."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_simulator import _reference
from plantpredict_simulator._api._route import RouteSpec, reply
from plantpredict_simulator._http import query, require_float
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._tokens import Principal


async def get_definitions(sim: Simulator, request: Request, _: Principal) -> Response:
    return reply(request, _reference.definitions(query(request, "type")) or [])


async def list_countries(sim: Simulator, request: Request, _: Principal) -> Response:
    return reply(request, _reference.countries())


async def get_ashrae(sim: Simulator, request: Request, _: Principal) -> Response:
    # The reference marks both required (the live document does not): absent, they are a 400.
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    return reply(request, _reference.ashrae_station(latitude, longitude))


async def get_ashrae_station(sim: Simulator, request: Request, _: Principal) -> Response:
    latitude = require_float(request, "Latitude")
    longitude = require_float(request, "Longitude")
    return reply(request, _reference.ashrae_station(latitude, longitude, query(request, "StationName")))


async def get_version(sim: Simulator, request: Request, _: Principal) -> Response:
    return reply(request, {"version": _reference.API_VERSION})


async def maintenance_mode(sim: Simulator, request: Request, _: Principal) -> Response:
    return reply(request, {"maintenanceMode": False})


ROUTES: list[RouteSpec] = [
    ("GET", "/Definitions", "reference", get_definitions),
    ("GET", "/Country", "reference", list_countries),
    ("GET", "/ASHRAE", "reference", get_ashrae),
    ("GET", "/ASHRAE/GetStation", "reference", get_ashrae_station),
    ("GET", "/System/Version", "reference", get_version),
    ("GET", "/Version", "reference", get_version),
    ("GET", "/System/MaintenanceMode", "reference", maintenance_mode),
]

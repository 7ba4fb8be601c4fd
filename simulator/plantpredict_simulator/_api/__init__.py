"""The PlantPredict API routes: every operation of the generated client.

Modelled resources keep state (projects, predictions and their runs, power plants, results, the
library); every other operation answers from the documents (`_generic`). Routes are tried in order:
the modelled ones first, then one generic route per operation no modelled route serves.
"""

from __future__ import annotations

from starlette.routing import Match, Route

from plantpredict_simulator import _documents
from plantpredict_simulator._api import (
    _generic,
    _library,
    _power_plant,
    _predictions,
    _projects,
    _reference_routes,
    _result_routes,
)
from plantpredict_simulator._api._route import RouteSpec, api_route

__all__ = ["api_routes", "generic_operations", "serves"]

MODELLED: list[RouteSpec] = [
    *_projects.ROUTES,
    *_predictions.ROUTES,
    *_power_plant.ROUTES,
    *_result_routes.ROUTES,
    *_library.ROUTES,
    *_reference_routes.ROUTES,
]


def serves(routes: list[Route], method: str, path: str) -> bool:
    """Whether a route answers METHOD on a concrete path (parameters given as 1)."""
    scope = {"type": "http", "method": method, "path": path}
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def concrete(path: str) -> str:
    """A documented path with every parameter set to 1, as a request would send it."""
    return "/".join("1" if part.startswith("{") else part for part in path.split("/"))


def generic_operations(routes: list[Route]) -> list[_documents.Operation]:
    return [op for op in _documents.operations() if not serves(routes, op.method, concrete(op.path))]


def api_routes() -> list[Route]:
    modelled = [api_route(path, method, group, handler) for method, path, group, handler in MODELLED]
    generic = [
        api_route(path, method, group, handler)
        for method, path, group, handler in _generic.routes(generic_operations(modelled))
    ]
    return modelled + generic

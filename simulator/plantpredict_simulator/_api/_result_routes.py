"""Results of a finished run: ResultSummary (and its Common form), ResultDetails and NodalJson."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from plantpredict_simulator import _details, _results
from plantpredict_simulator._api._route import RouteSpec, path_int, prediction_of, reply
from plantpredict_simulator._http import NotFound, empty_response, query, query_int
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._state import SUCCESS
from plantpredict_simulator._tokens import Principal

RESULTS = "/Project/{projectId:int}/Prediction/{predictionId:int}"


def _finished_run(sim: Simulator, request: Request) -> _results.RunSnapshot | None:
    record = prediction_of(sim, path_int(request, "projectId"), path_int(request, "predictionId"))
    if record.run is None or sim.store.settle(record.run, sim.store.now()) != SUCCESS:
        return None
    return record.run.snapshot


async def result_summary(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        return empty_response(204)
    summary = snapshot.cached_summary or await sim.physics(
        functools.partial(_results.result_summary, snapshot, sim.store.next_child_id)
    )
    return reply(request, summary, site=snapshot.project)


async def result_details(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        raise NotFound("Results")
    details = await sim.physics(functools.partial(_details.result_details, snapshot))
    return reply(request, details, site=snapshot.project)


async def nodal_json(sim: Simulator, request: Request, _: Principal) -> Response:
    snapshot = _finished_run(sim, request)
    if snapshot is None:
        raise NotFound("Results")
    # ASP.NET binds an absent int as 0 and the generated client sends its documented defaults (0, ""),
    # so 0 and "" mean "not given": numbering starts at 1.
    nodal = functools.partial(
        _details.nodal_json,
        snapshot,
        query_int(request, "blockNumber") or None,
        query_int(request, "arrayNumber") or None,
        query(request, "inverterName") or None,
        query_int(request, "dcFieldNumber") or None,
        query(request, "nodalParameters") or None,
    )
    document = await sim.physics(nodal)
    return reply(request, document, site=snapshot.project)


ROUTES: list[RouteSpec] = [
    ("GET", f"{RESULTS}/ResultSummary", "results", result_summary),
    ("GET", f"{RESULTS}/ResultSummary/Common", "results", result_summary),
    ("GET", f"{RESULTS}/ResultDetails", "results", result_details),
    ("GET", f"{RESULTS}/NodalJson", "results", nodal_json),
]

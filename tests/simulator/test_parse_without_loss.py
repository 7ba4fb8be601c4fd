"""The operations the simulator models (keeps state for), called through the generated client, parse
without loss: what the simulator sends, the generated models give back field for field.

Every other operation answers from the documents; test_every_operation.py walks all 160.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import attrs
import pytest
from starlette.routing import Match

from plantpredict_client import AuthenticatedClient, models
from plantpredict_client.api.ashrae import get_ashrae, get_ashrae_station
from plantpredict_client.api.country import list_countries
from plantpredict_client.api.definitions import get_definitions
from plantpredict_client.api.inverters import (
    calculate_inverter_kva,
    create_inverter,
    delete_inverter,
    get_inverter,
    get_inverter_kva,
    list_inverters,
    update_inverter,
)
from plantpredict_client.api.modules import create_module, delete_module, get_module, list_modules, update_module
from plantpredict_client.api.power_plant import create_power_plant, get_power_plant, update_power_plant
from plantpredict_client.api.predictions import (
    cancel_prediction,
    clone_prediction,
    create_prediction,
    delete_prediction,
    get_prediction,
    get_prediction_processing_status,
    list_predictions,
    run_prediction,
    update_prediction,
)
from plantpredict_client.api.projects import (
    create_project,
    delete_project,
    get_my_projects,
    get_my_projects_and_predictions,
    get_project,
    get_project_overview,
    list_projects,
    list_projects_by_status,
    search_projects,
    update_project,
)
from plantpredict_client.api.results import (
    get_common_result_summary,
    get_nodal_json,
    get_result_details,
    get_result_summary,
)
from plantpredict_client.api.system import get_api_version, get_maintenance_status, get_version
from plantpredict_client.api.weather import create_weather, get_weather, search_weather, update_weather_title
from plantpredict_client.types import Response
from plantpredict_simulator import SimulatorTransport, _library
from tests.complete_bodies import complete
from tests.conftest import REPO
from tests.simulator._support import BASE_URL, WEATHER_TOLEDO, InProcess, plant_body, project_body

SURFACE = json.loads((Path(REPO) / "openapi" / "api-surface.json").read_text(encoding="utf-8"))["operations"]


def implemented_operations(app: Any) -> set[str]:
    found = set()
    for name, operation in SURFACE.items():
        path = operation["path"].replace("{", "").replace("}", "")
        concrete = "/".join("1" if "Id" in part or part in ("report", "month") else part for part in path.split("/"))
        scope = {"type": "http", "path": concrete, "method": operation["method"]}
        if any(route.matches(scope)[0] is Match.FULL for route in app.routes):
            found.add(name)
    return found


def _dump(parsed: Any) -> Any:
    if isinstance(parsed, list):
        assert all(attrs.has(type(item)) for item in parsed), parsed
        return [item.to_dict() for item in parsed]
    assert attrs.has(type(parsed)), f"not a model: {parsed!r}"
    return parsed.to_dict()


class Walk:
    def __init__(self) -> None:
        self.results: dict[str, str] = {}

    async def call(self, name: str, request: Awaitable[Response[Any]], *, status: int = 200) -> Any:
        response = await request
        assert response.status_code == status, f"{name}: {response.status_code} {response.content[:300]!r}"
        parsed = response.parsed
        if parsed is None:
            self.results[name] = "declared without a body"
            return json.loads(response.content) if response.content else None
        if isinstance(parsed, str):
            is_json = "json" in response.headers.get("content-type", "")
            sent_text = json.loads(response.content) if is_json else response.content.decode("utf-8")
            assert parsed == sent_text, name
            self.results[name] = "string, parsed without loss"
            return parsed
        if isinstance(parsed, dict) or (isinstance(parsed, list) and not any(attrs.has(type(i)) for i in parsed)):
            # An answer the documents leave untyped: the generated client returns the decoded JSON.
            assert parsed == json.loads(response.content), name
            self.results[name] = "decoded JSON, without loss"
            return parsed
        sent = json.loads(response.content)
        assert _dump(parsed) == sent, f"{name} lost data"
        self.results[name] = "model, parsed without loss"
        return parsed


async def test_every_modelled_operation_parses_with_the_generated_models(sim: InProcess) -> None:
    walk = Walk()
    token = await sim.token()
    client = AuthenticatedClient(
        base_url=BASE_URL,
        token=token,
        httpx_args={"transport": SimulatorTransport(sim.app)},
        raise_on_unexpected_status=True,
    )
    async with client:
        c = client
        # Projects
        created = await walk.call(
            "create_project", create_project.asyncio_detailed(client=c, body=models.Project.from_dict(project_body()))
        )
        project_id = created.id
        project = await walk.call("get_project", get_project.asyncio_detailed(project_id, client=c))
        project.name = "Renamed"
        await walk.call("update_project", update_project.asyncio_detailed(project_id, client=c, body=project))
        await walk.call("list_projects", list_projects.asyncio_detailed(client=c))
        await walk.call("list_projects_by_status", list_projects_by_status.asyncio_detailed(client=c, status=0))
        await walk.call(
            "search_projects",
            search_projects.asyncio_detailed(client=c, latitude=41.6, longitude=-83.5, search_radius=100),
        )
        await walk.call("get_my_projects", get_my_projects.asyncio_detailed(client=c))

        # Predictions and the power plant
        body = complete(models.Prediction.from_dict({"name": "Walk", "weatherId": WEATHER_TOLEDO, "yearRepeater": 2}))
        prediction_id = (
            await walk.call("create_prediction", create_prediction.asyncio_detailed(project_id, client=c, body=body))
        ).id
        await walk.call(
            "get_power_plant (none yet)",
            get_power_plant.asyncio_detailed(project_id, prediction_id, client=c),
            status=204,
        )
        plant = complete(models.PowerPlant.from_dict(plant_body()))
        await walk.call(
            "create_power_plant", create_power_plant.asyncio_detailed(project_id, prediction_id, client=c, body=plant)
        )
        plant = await walk.call(
            "get_power_plant", get_power_plant.asyncio_detailed(project_id, prediction_id, client=c)
        )
        await walk.call(
            "update_power_plant", update_power_plant.asyncio_detailed(project_id, prediction_id, client=c, body=plant)
        )
        prediction = await walk.call(
            "get_prediction", get_prediction.asyncio_detailed(project_id, prediction_id, client=c)
        )
        await walk.call("update_prediction", update_prediction.asyncio_detailed(project_id, client=c, body=prediction))
        await walk.call("list_predictions", list_predictions.asyncio_detailed(project_id, client=c))
        await walk.call("run_prediction", run_prediction.asyncio_detailed(project_id, prediction_id, client=c))
        await walk.call(
            "get_prediction_processing_status",
            get_prediction_processing_status.asyncio_detailed(project_id, prediction_id, client=c),
        )
        await walk.call(
            "get_result_summary (not yet)",
            get_result_summary.asyncio_detailed(project_id, prediction_id, client=c),
            status=204,
        )
        sim.clock.advance(2)
        await walk.call(
            "get_prediction (finished)", get_prediction.asyncio_detailed(project_id, prediction_id, client=c)
        )
        await walk.call("get_result_summary", get_result_summary.asyncio_detailed(project_id, prediction_id, client=c))
        await walk.call(
            "get_common_result_summary", get_common_result_summary.asyncio_detailed(project_id, prediction_id, client=c)
        )
        await walk.call("get_result_details", get_result_details.asyncio_detailed(project_id, prediction_id, client=c))
        await walk.call("get_nodal_json", get_nodal_json.asyncio_detailed(project_id, prediction_id, client=c))
        await walk.call(
            "get_nodal_json (inverter)",
            get_nodal_json.asyncio_detailed(
                project_id, prediction_id, client=c, block_number=1, array_number=1, inverter_name="A"
            ),
        )
        await walk.call("get_project_overview", get_project_overview.asyncio_detailed(project_id, client=c))
        await walk.call("get_my_projects_and_predictions", get_my_projects_and_predictions.asyncio_detailed(client=c))
        clone_id = (
            await walk.call("clone_prediction", clone_prediction.asyncio_detailed(project_id, prediction_id, client=c))
        )["id"]
        await walk.call("run_prediction (clone)", run_prediction.asyncio_detailed(project_id, clone_id, client=c))
        await walk.call("cancel_prediction", cancel_prediction.asyncio_detailed(project_id, clone_id, client=c))

        # Library
        module_id = (
            await walk.call(
                "create_module", create_module.asyncio_detailed(client=c, body=models.Module.from_dict(_library.MODULE))
            )
        ).id
        module = await walk.call("get_module", get_module.asyncio_detailed(module_id, client=c))
        await walk.call("update_module", update_module.asyncio_detailed(module_id, client=c, body=module))
        await walk.call("list_modules", list_modules.asyncio_detailed(client=c))
        inverter_body = models.Inverter.from_dict(_library.INVERTER)
        inverter_id = (
            await walk.call("create_inverter", create_inverter.asyncio_detailed(client=c, body=inverter_body))
        ).id
        inverter = await walk.call("get_inverter", get_inverter.asyncio_detailed(inverter_id, client=c))
        await walk.call("update_inverter", update_inverter.asyncio_detailed(inverter_id, client=c, body=inverter))
        await walk.call("list_inverters", list_inverters.asyncio_detailed(client=c))
        await walk.call(
            "get_inverter_kva",
            get_inverter_kva.asyncio_detailed(
                inverter_id, client=c, elevation=100, temperature=45, use_cooling_temp=True
            ),
        )
        await walk.call(
            "calculate_inverter_kva", calculate_inverter_kva.asyncio_detailed(client=c, body=inverter, temperature=45)
        )
        weather_body = models.Weather.from_dict(_library.WEATHER[1])
        weather_id = (
            await walk.call("create_weather", create_weather.asyncio_detailed(client=c, body=weather_body))
        ).id
        weather = await walk.call("get_weather", get_weather.asyncio_detailed(weather_id, client=c))
        await walk.call(
            "update_weather_title", update_weather_title.asyncio_detailed(weather_id, client=c, body=weather)
        )
        await walk.call(
            "search_weather",
            search_weather.asyncio_detailed(client=c, latitude=34.9, longitude=-116.8, search_radius=50),
        )

        # Reference
        await walk.call("get_definitions", get_definitions.asyncio_detailed(client=c))
        await walk.call(
            "get_definitions (type)", get_definitions.asyncio_detailed(client=c, type_="TranspositionModelType")
        )
        await walk.call("list_countries", list_countries.asyncio_detailed(client=c))
        await walk.call("get_ashrae", get_ashrae.asyncio_detailed(client=c, latitude=41.6, longitude=-83.5))
        await walk.call(
            "get_ashrae_station",
            get_ashrae_station.asyncio_detailed(client=c, latitude=41.6, longitude=-83.5, station_name="x"),
        )
        await walk.call("get_version", get_version.asyncio_detailed(client=c))
        await walk.call("get_api_version", get_api_version.asyncio_detailed(client=c))
        await walk.call("get_maintenance_status", get_maintenance_status.asyncio_detailed(client=c))

        # Deletes last
        await walk.call("delete_module", delete_module.asyncio_detailed(module_id, client=c))
        await walk.call("delete_inverter", delete_inverter.asyncio_detailed(inverter_id, client=c))
        await walk.call("delete_prediction", delete_prediction.asyncio_detailed(project_id, clone_id, client=c))
        await walk.call("delete_project", delete_project.asyncio_detailed(project_id, client=c))

    walked = {name.split(" (")[0] for name in walk.results}
    assert walked <= implemented_operations(sim.app)
    assert len(walked) == 49
    with_body = {n: r for n, r in walk.results.items() if r != "declared without a body"}
    assert all(r.endswith("without loss") for r in with_body.values())
    operations = {name.split(" (")[0] for name in with_body}
    print(
        f"\nwalked {len(walked)} operations ({len(walk.results)} calls): {len(operations)} operations answer a body "
        f"the generated client parses, all parsed without loss; "
        f"{len(walked - operations)} are declared without a body: {sorted(walked - operations)}"
    )


@pytest.mark.parametrize("operation", ["get_project", "run_prediction", "get_nodal_json", "search_weather"])
def test_route_discovery_finds_known_operations(operation: str, sim: InProcess) -> None:
    assert operation in implemented_operations(sim.app)


def test_route_discovery_misses_a_path_no_route_serves(sim: InProcess) -> None:
    assert implemented_operations(sim.app) == set(SURFACE)  # every operation of the generated client
    scope = {"type": "http", "path": "/Project/1/Nowhere", "method": "GET"}
    assert not any(route.matches(scope)[0] is Match.FULL for route in sim.app.routes)

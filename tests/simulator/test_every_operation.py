"""Every generated function of `plantpredict_client.api` runs end to end against the simulator.

The operations are found by walking the generated package (each module names its method and path), not
from a list kept here, so a regenerated client with a new operation is walked too. Each is called through
`plantpredict_auth.connect(..., transport=SimulatorTransport(app))` with arguments built from its own
signature (ids of objects that exist, bodies made from the generated models), and must answer a 2xx (or
the 302 a report URL redirects with) and, where the client declares a body, a parsed one.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import io
import json
import pkgutil
import types
import typing
import uuid
from collections.abc import Callable
from enum import Enum
from typing import Any

import attrs
import pytest

import plantpredict_client.api
from plantpredict_auth import PasswordCredentials, connect
from plantpredict_client import Client, models
from plantpredict_client.types import UNSET, File, Unset
from plantpredict_simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorTransport,
    _library,
)
from tests.complete_bodies import complete, complete_request
from tests.conftest import REPO
from tests.simulator._support import WEATHER_TOLEDO, InProcess, plant_body, project_body

BASE_URL = "http://127.0.0.1:8765"
SURFACE: dict[str, Any] = json.loads((REPO / "openapi" / "api-surface.json").read_text(encoding="utf-8"))["operations"]


def generated_operations() -> dict[str, types.ModuleType]:
    """Every module of `plantpredict_client.api.<tag>` that defines an operation, by function name."""
    found = {}
    for tag in pkgutil.iter_modules(plantpredict_client.api.__path__):
        package = importlib.import_module(f"plantpredict_client.api.{tag.name}")
        for module in pkgutil.iter_modules(package.__path__):
            loaded = importlib.import_module(f"{package.__name__}.{module.name}")
            if hasattr(loaded, "asyncio_detailed"):
                found[module.name] = loaded
    return found


def method_and_path(module: types.ModuleType) -> tuple[str, str]:
    """The request a generated module sends, read from its own `_get_kwargs`."""
    signature = inspect.signature(module._get_kwargs)
    hints = typing.get_type_hints(module._get_kwargs)
    arguments = {
        name: 1 if hints[name] is int else sample(hints[name])
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty
    }
    kwargs = module._get_kwargs(**complete_request(module, arguments))
    return str(kwargs["method"]).upper(), str(kwargs["url"])


class World:
    """Objects the calls refer to: a project with a finished run, an idle and a running prediction."""

    def __init__(self, sim: InProcess) -> None:
        self.sim = sim
        self.ids: dict[str, int] = {}

    async def build(self) -> None:
        sim = self.sim
        project_id, finished = await sim.finished_prediction()
        idle = await sim.create_prediction(project_id, name="Idle")
        await sim.attach_plant(project_id, idle)
        running = await sim.create_prediction(project_id, name="Running")
        await sim.attach_plant(project_id, running)
        assert (await sim.run(project_id, running)).status_code == 200
        spare_project = await sim.create_project(name="To delete")
        spare_prediction = await sim.create_prediction(project_id, name="To delete")
        module = await sim.api("POST", "/Module", json={**_library.MODULE, "name": "To delete"})
        inverter = await sim.api("POST", "/Inverter", json={**_library.INVERTER, "name": "To delete"})
        self.ids = {
            "project_id": project_id,
            "prediction_id": finished,
            "idle": idle,
            "running": running,
            "spare_project": spare_project,
            "spare_prediction": spare_prediction,
            "spare_module": int(module.json()["id"]),
            "spare_inverter": int(inverter.json()["id"]),
            "module_id": _library_id(sim, "modules"),
            "inverter_id": _library_id(sim, "inverters"),
            "weather_id": WEATHER_TOLEDO,
        }

    def argument(self, operation: str, name: str, annotation: Any) -> Any:
        ids = self.ids
        special = {
            ("delete_project", "project_id"): ids["spare_project"],
            ("delete_prediction", "prediction_id"): ids["spare_prediction"],
            ("delete_module", "module_id"): ids["spare_module"],
            ("delete_inverter", "inverter_id"): ids["spare_inverter"],
            ("cancel_prediction", "prediction_id"): ids["running"],
            ("run_prediction", "prediction_id"): ids["idle"],
        }
        if (operation, name) in special:
            return special[(operation, name)]
        values: dict[str, Any] = {
            **{key: value for key, value in ids.items() if key.endswith("_id")},
            "target_prediction_id": ids["idle"],
            "prediction_ids": f"{ids['prediction_id']},{ids['idle']}",
            "report": "PlantSummary",
            "properties_key": uuid.UUID("00000000-0000-4000-8000-000000000001"),
            "latitude": 41.6,
            "longitude": -83.5,
            "search_radius": 100.0,
        }
        if name in values:
            return values[name]
        if name == "body":
            return self.body(operation, annotation)
        return sample(annotation)

    def body(self, operation: str, annotation: Any) -> Any:
        known: dict[type, Callable[[], dict[str, Any]]] = {
            models.Project: lambda: project_body(name=f"Walked by {operation}"),
            models.PowerPlant: plant_body,
            models.Module: lambda: dict(_library.MODULE),
            models.Inverter: lambda: dict(_library.INVERTER),
            models.Weather: lambda: dict(_library.WEATHER[0]),
            models.Prediction: lambda: {"id": self.ids["prediction_id"], "name": "Walked", "weatherId": WEATHER_TOLEDO},
        }
        for cls, make in known.items():
            if cls in _members(annotation):
                return complete(typing.cast(Any, cls).from_dict(make()))
        return complete(sample(annotation))


def _library_id(sim: InProcess, kind: str) -> int:
    return min(sim.simulator.store.library(kind))


def _members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(annotation) if a not in (Unset, type(None)))
    return (annotation,)


def sample(annotation: Any, depth: int = 0) -> Any:
    """A valid value of a generated annotation: models get their required fields, files a small CSV."""
    target = _members(annotation)[0]
    origin = typing.get_origin(target)
    if origin is list:
        (item,) = typing.get_args(target) or (Any,)
        return [sample(item, depth + 1)] if depth < 3 and attrs.has(item) else []
    if origin is dict or target is dict:
        return {}
    if target is File:
        return File(payload=io.BytesIO(b"TimeStamp,GHI\r\n2005-01-01T00:00:00,0\r\n"), file_name="data.csv")
    if isinstance(target, type) and issubclass(target, Enum):
        return next(iter(target))
    if isinstance(target, type) and attrs.has(target):
        hints = typing.get_type_hints(
            target, globalns={**vars(importlib.import_module(target.__module__)), **vars(models)}
        )
        required = {
            f.name: sample(hints[f.name], depth + 1)
            for f in attrs.fields(target)
            if f.default is attrs.NOTHING and f.name != "additional_properties"
        }
        return target(**required)
    simple: dict[Any, Any] = {
        int: 1,
        float: 1.0,
        str: "x",
        bool: False,
        datetime.datetime: datetime.datetime(2005, 1, 1),
        datetime.date: datetime.date(2005, 1, 1),
        uuid.UUID: uuid.UUID(int=1),
    }
    return simple.get(target, UNSET)


# The generated client marks these optional (as the live document does); the reference and the simulator
# require them. Until the client says so, the walk passes them explicitly.
EXPLICIT: dict[str, dict[str, Any]] = {
    "get_ashrae": {"latitude": 41.6, "longitude": -83.5},
    "get_ashrae_station": {"latitude": 41.6, "longitude": -83.5, "station_name": "TOLEDO EXPRESS AP, OH, USA"},
    "search_projects": {"latitude": 41.6, "longitude": -83.5, "search_radius": 100.0},
}


def _order(name: str) -> tuple[int, str]:
    # Deletes last, so every other call still finds what it refers to.
    return (1 if name.startswith("delete_") else 0, name)


async def test_every_generated_operation_answers_through_connect(sim: InProcess) -> None:
    operations = generated_operations()
    assert len(operations) == len(SURFACE) == 160
    world = World(sim)
    await world.build()
    credentials = PasswordCredentials(
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        token_url=f"{BASE_URL}/oauth2/v1/token",
    )
    failures: dict[str, str] = {}
    parsed_bodies = 0
    async with connect(credentials, base_url=BASE_URL, transport=SimulatorTransport(sim.app)) as client:
        for name in sorted(operations, key=_order):
            module = operations[name]
            outcome = await _call(world, client, name, module)
            if isinstance(outcome, str):
                failures[name] = outcome
            else:
                parsed_bodies += outcome
    assert failures == {}, json.dumps(failures, indent=1)
    declared = sum(
        1
        for op in SURFACE.values()
        if any(kind != "no body" for status, kind in op["responses"].items() if status.startswith(("2", "3")))
    )
    print(
        f"\n{len(operations)} generated operations answered; {parsed_bodies} of {declared} declaring a body parsed one"
    )


async def _call(world: World, client: Client, name: str, module: types.ModuleType) -> int | str:
    """1 when the answer parsed into its declared type, 0 when none is declared, or what went wrong."""
    signature = inspect.signature(module.asyncio_detailed)
    hints = typing.get_type_hints(module.asyncio_detailed)
    arguments = {
        p.name: world.argument(name, p.name, hints[p.name])
        for p in signature.parameters.values()
        if p.name != "client" and p.default is inspect.Parameter.empty
    }
    arguments.update(EXPLICIT.get(name, {}))
    complete_request(module, arguments)
    method, path = method_and_path(module)
    try:
        response = await module.asyncio_detailed(client=client, **arguments)
    except Exception as exc:
        return f"{method} {path}: {type(exc).__name__}: {str(exc)[:200]}"
    if b"No HTTP resource" in response.content:
        return f"{method} {path}: not routed"
    if not (200 <= response.status_code < 300 or response.status_code == 302):
        return f"{method} {path}: {response.status_code}"
    declared = SURFACE[name]["responses"].get(str(response.status_code), "no body")
    if declared == "no body":
        return 0
    if declared.startswith("Any") and not response.content.strip():
        return 0  # untyped in the documents (the live one declares no body): decoded JSON, or None when empty
    if response.parsed is None:
        return f"{method} {path}: declared {declared}, parsed nothing from {response.content[:120]!r}"
    return 1


@pytest.mark.parametrize("name", ["get_project", "import_pvsyst_project", "get_shade_results", "get_home"])
def test_the_walk_reads_method_and_path_from_the_generated_module(name: str) -> None:
    method, path = method_and_path(generated_operations()[name])
    assert (method, "/".join("{}" if part in ("1", "x") else part for part in path.split("/"))) == (
        SURFACE[name]["method"],
        "/".join("{}" if part.startswith("{") else part for part in SURFACE[name]["path"].split("/")),
    )

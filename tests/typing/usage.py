"""How users call the client, written to be type-checked with ``mypy --strict`` (never run).

Each call is a resource method used without a ``None`` check; ``assert_type`` pins the exact type
mypy infers, so a return type that loosens (``Project | None``) or a method that moves fails the
check (``tests/typing/test_usage.py`` runs it, and a file of mistakes that must not pass).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_type

from plantpredict_auth import ClientStats, ConnectedClient, ConnectedSyncClient, RetryPolicy
from plantpredict_client import Client, SyncClient
from plantpredict_client.models import (
    Block,
    CreateEntityInfo,
    DCField,
    DCFieldTrackingTypeEnum,
    Module,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    PredictionResultSummary,
    Project,
    Weather,
)


def plant(module: Module, inverter_id: int | None) -> PowerPlant:
    field = DCField(
        name=1,
        module_id=module.id,
        tracking_type=DCFieldTrackingTypeEnum.FIXED_TILT,
        module_tilt=25.0,
        modules_wired_in_series=28,
        number_of_series_strings_wired_in_parallel=200.0,
    )
    inverter = PowerPlantInverter(name="1", inverter_id=inverter_id, setpoint_kw=2500.0, dc_fields=[field])
    return PowerPlant(blocks=[Block(name=1, arrays=[PowerPlantArray(name=1, inverters=[inverter])])])


async def workflow(client: ConnectedClient) -> PredictionResultSummary | None:
    """The typical workflow: create a project, a prediction and its power plant, run, wait, read."""
    modules = assert_type(await client.modules.list(), list[Module])
    weather = assert_type(
        await client.weather.search(latitude=34.9, longitude=-116.8, search_radius=200.0), list[Weather]
    )
    project = assert_type(
        await client.projects.create(Project(name="Daggett", latitude=34.9, longitude=-116.8)), CreateEntityInfo
    )
    start, end = dt.datetime(2023, 1, 1), dt.datetime(2023, 12, 31)
    p50 = Prediction(name="P50", project_id=project.id, weather_id=weather[0].id, start=start, end=end)
    prediction = assert_type(await client.predictions.create(project.id, p50), CreateEntityInfo)
    assert_type(await client.power_plants.create(project.id, prediction.id, plant(modules[0], None)), None)
    assert_type(await client.predictions.run_and_wait(project.id, prediction.id, deadline=600), Prediction)
    assert_type(await client.projects.get(project.id), Project)
    return assert_type(await client.results.summary(project.id, prediction.id), PredictionResultSummary | None)


async def helpers(client: ConnectedClient) -> None:
    assert_type(client.stats, ClientStats)
    patient = client.with_options(retry=RetryPolicy.batch(), timeout=120)
    assert_type(patient, ConnectedClient)
    assert_type(await patient.projects.get(1), Project)
    assert_type(await client.with_options(timeout=5.0).predictions.get(1, 2), Prediction)
    # An answer the documents leave untyped is the decoded JSON.
    assert_type(await client.predictions.processing_status(1, 2), Any)


def sync_workflow(client: ConnectedSyncClient) -> Prediction:
    created = assert_type(client.projects.create(Project(name="Daggett")), CreateEntityInfo)
    assert_type(client.projects.get(created.id), Project)
    assert_type(client.projects.delete(created.id), None)
    assert_type(client.stats, ClientStats)
    assert_type(client.with_options(timeout=30).modules.list(), list[Module])
    return assert_type(client.predictions.run_and_wait(created.id, 2), Prediction)


async def plain_clients(client: Client, sync_client: SyncClient) -> None:
    """Generated clients not made by connect(): the same resources, the same types."""
    assert_type(await client.projects.get(1), Project)
    assert_type(sync_client.projects.get(1), Project)
    assert_type(await client.predictions.get(1, 2), Prediction)

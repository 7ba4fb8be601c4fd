"""A sweep for the batch tests: tilt angles of a small fixed-tilt plant on the simulator's seeded
library, either in one shared project (like the demo) or one project per job (a sweep of sites)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plantpredict_auth import BatchJob, BatchRunner, Journal
from plantpredict_client import Client
from plantpredict_client.api.inverters import list_inverters
from plantpredict_client.api.modules import list_modules
from plantpredict_client.api.weather import search_weather
from plantpredict_client.models import (
    Block,
    DCField,
    DCFieldTrackingTypeEnum,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    PredictionResultSummary,
    Project,
)
from tests.complete_bodies import complete

SITE = {"latitude": 34.85, "longitude": -116.79, "elevation": 588.0, "standard_offset_from_utc": -8.0}


def sweep_project(name: str = "Tilt sweep") -> Project:
    return Project(name=name, **SITE)  # type: ignore[arg-type]  # the generated model's keyword arguments


def power_plant(module_id: int, inverter_id: int, tilt: float) -> PowerPlant:
    field = DCField(
        name=1,
        repeater=1,
        module_id=module_id,
        tracking_type=DCFieldTrackingTypeEnum.FIXED_TILT,
        module_tilt=tilt,
        module_azimuth=180.0,
        modules_wired_in_series=28,
        number_of_series_strings_wired_in_parallel=230.0,
        ground_coverage_ratio=0.4,
        planned_module_rating=550.0,
    )
    inverter = PowerPlantInverter(
        name="1", repeater=1, inverter_id=inverter_id, setpoint_kw=2750.0, power_factor=1.0, dc_fields=[field]
    )
    array = PowerPlantArray(name=1, repeater=1, inverters=[inverter])
    return complete(
        PowerPlant(blocks=[Block(name=1, repeater=1, arrays=[array])], power_factor=1.0, availability_loss=0.0)
    )


async def library(client: Client) -> tuple[int, int, int]:
    """The seeded module, inverter and the weather file nearest the site (Daggett)."""
    modules = await list_modules.asyncio(client=client) or []
    inverters = await list_inverters.asyncio(client=client) or []
    weathers = await search_weather.asyncio(client=client, latitude=34.85, longitude=-116.79, search_radius=50.0)
    weather = min(weathers or [], key=lambda w: w.distance if isinstance(w.distance, float) else 1e9)
    ids = (modules[0].id, inverters[0].id, weather.id)
    assert all(isinstance(i, int) for i in ids)
    return ids  # type: ignore[return-value]  # checked just above


def jobs(count: int, ids: tuple[int, int, int], *, own_projects: bool = False) -> list[BatchJob]:
    module_id, inverter_id, weather_id = ids
    found = []
    for index in range(count):
        tilt = round(index * 45.0 / max(1, count - 1), 3)
        key = f"tilt={tilt:g}"
        prediction = complete(
            Prediction(
                name=f"tilt {tilt:g}",
                weather_id=weather_id,
                start=dt.datetime(2023, 1, 1),
                end=dt.datetime(2023, 12, 31, 23),
            )
        )
        project = sweep_project(f"Site for {key}") if own_projects else None
        found.append(BatchJob(key, prediction, power_plant(module_id, inverter_id, tilt), project=project))
    return found


def small_summary(summary: PredictionResultSummary) -> dict[str, Any]:
    years = summary.years if isinstance(summary.years, list) else []
    energy = years[0].total_energy if years else None
    return {"energy": energy if isinstance(energy, int | float) else None}


def runner(client: Client, journal: Journal, **options: Any) -> BatchRunner:
    settings: dict[str, Any] = {
        "project": sweep_project(),
        "concurrency": 10,
        "poll_initial": 0.5,
        "poll_max": 1.0,
        "reconcile_grace": 5.0,
        # On the virtual clock a refresh-ahead task's sleep moves time by 45 minutes at a stroke.
        "deadline": 1e6,
        "summarize": small_summary,
        **options,
    }
    return BatchRunner(client, journal, **settings)

"""Waiting for a run: backoff, a deadline, and a return on every end state (never a hang).

The simulator runs on the runtime's virtual clock, so a 2 s run and a 30 s deadline cost nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Iterator

import pytest

from plantpredict_auth import (
    PredictionFailedError,
    PredictionTimeoutError,
    _time,
    connect,
    run_and_wait,
    set_testing,
    status_of,
    wait_for_prediction,
)
from plantpredict_client import Client
from plantpredict_client.api.inverters import list_inverters
from plantpredict_client.api.modules import list_modules
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.predictions import cancel_prediction, create_prediction, run_prediction
from plantpredict_client.api.projects import create_project
from plantpredict_client.api.weather import search_weather
from plantpredict_client.models import (
    Block,
    DCField,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    ProcessingStatusEnum,
    Project,
)
from tests.complete_bodies import complete
from tests.runtime.simulated import BASE_URL, password_credentials, simulated


@pytest.fixture(autouse=True)
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


async def ready_prediction(client: Client) -> tuple[int, int]:
    """A project and a prediction with a power plant, ready to run (library picked from the seed)."""
    module = (await list_modules.asyncio(client=client) or [])[0]
    inverter = (await list_inverters.asyncio(client=client) or [])[0]
    weather = (await search_weather.asyncio(client=client, latitude=34.85, longitude=-116.79, search_radius=50) or [])[
        0
    ]
    project = await create_project.asyncio(
        client=client,
        body=Project(name="Wait site", latitude=34.85, longitude=-116.79, elevation=588.0, standard_offset_from_utc=-8),
    )
    assert project is not None
    assert isinstance(project.id, int)
    prediction = await create_prediction.asyncio(
        project_id=project.id,
        client=client,
        body=complete(
            Prediction(
                name="wait",
                project_id=project.id,
                weather_id=weather.id,
                start=dt.datetime(2023, 1, 1),
                end=dt.datetime(2023, 12, 31),
            )
        ),
    )
    assert prediction is not None
    assert isinstance(prediction.id, int)
    plant = PowerPlant(
        blocks=[
            Block(
                name=1,
                arrays=[
                    PowerPlantArray(
                        name=1,
                        inverters=[
                            PowerPlantInverter(
                                name="1",
                                inverter_id=inverter.id,
                                setpoint_kw=2500.0,
                                dc_fields=[
                                    DCField(
                                        name=1,
                                        module_id=module.id,
                                        module_tilt=25.0,
                                        modules_wired_in_series=28,
                                        number_of_series_strings_wired_in_parallel=200.0,
                                    )
                                ],
                            )
                        ],
                    )
                ],
            )
        ]
    )
    await create_power_plant.asyncio_detailed(
        project_id=project.id, prediction_id=prediction.id, client=client, body=complete(plant)
    )
    return project.id, prediction.id


async def test_a_successful_run_returns_with_backed_off_polls() -> None:
    polls: list[float] = []
    async with (
        simulated(clock=_time.now, run_seconds=60.0) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client,
    ):
        project_id, prediction_id = await ready_prediction(client)
        started = _time.now()
        finished = await run_and_wait(
            client,
            project_id,
            prediction_id,
            poll_initial=2.0,
            poll_max=10.0,
            on_poll=lambda p: polls.append(_time.now() - started),
        )
    assert status_of(finished) is ProcessingStatusEnum.SUCCESS
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert gaps[0] == pytest.approx(2.0, abs=0.05)
    assert gaps[1] == pytest.approx(3.0, abs=0.05)  # backs off by 1.5x
    assert max(gaps) <= 10.0 + 0.05
    assert len(polls) < 15  # a 60 s run, not a busy loop


async def test_a_failed_run_returns_its_error_status_instead_of_hanging() -> None:
    async with simulated(clock=_time.now, run_seconds=5.0) as sim:
        await sim.put("faults", {"failed_run_rate": 1.0})
        async with connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client:
            project_id, prediction_id = await ready_prediction(client)
            await run_prediction.asyncio_detailed(project_id=project_id, prediction_id=prediction_id, client=client)
            finished = await wait_for_prediction(client, project_id, prediction_id, deadline=60)
            with pytest.raises(PredictionFailedError, match="ended error") as caught:
                await run_and_wait(client, project_id, prediction_id, deadline=60)
    assert status_of(finished) is ProcessingStatusEnum.ERROR
    assert caught.value.processing_status == ProcessingStatusEnum.ERROR


async def test_a_cancelled_run_returns_cancelled() -> None:
    async with (
        simulated(clock=_time.now, run_seconds=600.0) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client,
    ):
        project_id, prediction_id = await ready_prediction(client)
        await run_prediction.asyncio_detailed(project_id=project_id, prediction_id=prediction_id, client=client)
        waiting = asyncio.create_task(wait_for_prediction(client, project_id, prediction_id, deadline=3600))
        await asyncio.sleep(0)
        await cancel_prediction.asyncio_detailed(project_id=project_id, prediction_id=prediction_id, client=client)
        finished = await waiting
    assert status_of(finished) is ProcessingStatusEnum.CANCELLED


async def test_a_run_past_its_deadline_raises_instead_of_waiting_forever() -> None:
    async with (
        simulated(clock=_time.now, run_seconds=10_000.0) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client,
    ):
        project_id, prediction_id = await ready_prediction(client)
        await run_prediction.asyncio_detailed(project_id=project_id, prediction_id=prediction_id, client=client)
        started = _time.now()
        with pytest.raises(PredictionTimeoutError, match=r"still (queued|running) after 120s") as caught:
            await wait_for_prediction(client, project_id, prediction_id, deadline=120, poll_max=30)
        waited = _time.now() - started
    assert 120 <= waited <= 121
    assert caught.value.prediction_id == prediction_id

"""The user's workflow through the generated client: project -> prediction -> power plant -> run -> summary,
against the in-process app and against `python -m plantpredict_simulator` over loopback.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from plantpredict_client import AuthenticatedClient, models
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.predictions import create_prediction, get_prediction, run_prediction
from plantpredict_client.api.projects import create_project
from plantpredict_client.api.results import get_result_summary
from plantpredict_client.models import ProcessingStatusEnum
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SimulatorTransport, password_grant_form
from tests.complete_bodies import complete
from tests.simulator._support import (
    BASE_URL,
    WEATHER_TOLEDO,
    InProcess,
    RunningSimulator,
    plant_body,
    project_body,
)


async def _workflow(client: AuthenticatedClient, wait: float) -> models.PredictionResultSummary:
    project = await create_project.asyncio(client=client, body=models.Project.from_dict(project_body()))
    assert isinstance(project, models.CreateEntityInfo)
    assert isinstance(project.id, int)
    body = complete(models.Prediction.from_dict({"name": "Workflow", "weatherId": WEATHER_TOLEDO}))
    prediction = await create_prediction.asyncio(project.id, client=client, body=body)
    assert isinstance(prediction, models.CreateEntityInfo)
    assert isinstance(prediction.id, int)
    plant = complete(models.PowerPlant.from_dict(plant_body()))
    attached = await create_power_plant.asyncio_detailed(project.id, prediction.id, client=client, body=plant)
    assert attached.status_code == 200
    started = await run_prediction.asyncio_detailed(project.id, prediction.id, client=client)
    assert started.status_code == 200
    current: models.Prediction | None = None
    for _ in range(200):
        current = await get_prediction.asyncio(project.id, prediction.id, client=client)
        assert isinstance(current, models.Prediction)
        if current.processing_status in (ProcessingStatusEnum.SUCCESS, ProcessingStatusEnum.ERROR):
            break
        await asyncio.sleep(wait)
    assert current is not None
    assert current.processing_status == ProcessingStatusEnum.SUCCESS
    summary = await get_result_summary.asyncio(project.id, prediction.id, client=client)
    assert isinstance(summary, models.PredictionResultSummary)
    return summary


def _check(summary: models.PredictionResultSummary) -> None:
    assert isinstance(summary.years, list)
    year = summary.years[0]
    assert isinstance(year.total_energy, float)
    assert year.total_energy > 1e6
    assert isinstance(year.summary_factors, list)
    factors = year.summary_factors[0]
    assert isinstance(factors.performance_ratio, float)
    assert 70 < factors.performance_ratio < 95


async def test_workflow_through_the_generated_client_in_process(sim: InProcess) -> None:
    token = await sim.token()
    client = AuthenticatedClient(base_url=BASE_URL, token=token, httpx_args={"transport": SimulatorTransport(sim.app)})

    async def tick() -> None:
        while True:
            sim.clock.advance(0.25)
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        async with client:
            _check(await _workflow(client, wait=0))
    finally:
        ticker.cancel()


@pytest.mark.slow
async def test_workflow_through_the_generated_client_over_loopback(simulator_process: RunningSimulator) -> None:
    async with httpx.AsyncClient(base_url=simulator_process.base_url, timeout=10) as http:
        token = (await http.post("/oauth2/v1/token", data=password_grant_form())).json()["access_token"]
        cognito = await http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        )
        assert cognito.status_code == 200
    client = AuthenticatedClient(base_url=simulator_process.base_url, token=token, timeout=httpx.Timeout(10))
    async with client:
        _check(await asyncio.wait_for(_workflow(client, wait=0.05), timeout=30))

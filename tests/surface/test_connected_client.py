"""What ``connect()`` and ``connect_sync()`` yield: the generated clients with their resources, and
the runtime's helpers where users look for them (``stats``, ``with_options``,
``predictions.run_and_wait``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest

import plantpredict_client
from plantpredict_auth import (
    ConnectedClient,
    ConnectedSyncClient,
    NotFoundError,
    PredictionRunError,
    RetryPolicy,
    ServerError,
    _time,
    connect,
    connect_sync,
    set_testing,
)
from plantpredict_client.models import (
    Block,
    DCField,
    DCFieldTrackingTypeEnum,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    PredictionResultSummary,
    ProcessingStatusEnum,
    Project,
)
from tests.complete_bodies import complete
from tests.runtime.fakes import BASE_URL, CREDENTIALS, FakePlantPredict
from tests.runtime.simulated import password_credentials, simulated

PROJECT = {"id": 12, "name": "Desert Ridge", "latitude": 33.4, "longitude": -112.1}


@pytest.fixture(autouse=True)
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


async def test_connect_yields_the_generated_client_with_its_resources() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, json=PROJECT))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        assert isinstance(client, plantpredict_client.Client)
        assert isinstance(client, ConnectedClient)
        project = await client.projects.get(12)
    assert project == Project.from_dict(PROJECT)
    assert fake.api_requests[0].headers["authorization"] == "Bearer token-1"


def test_connect_sync_yields_the_generated_sync_client_with_plain_methods() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, json=PROJECT))
    with connect_sync(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        assert isinstance(client, plantpredict_client.SyncClient)
        project = client.projects.get(12)
        assert client.stats.requests == 1
    assert project.name == "Desert Ridge"


async def test_errors_are_the_runtimes_typed_errors() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(404, text="Project not found"))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(NotFoundError):
            await client.projects.get(12)


def _failing_twice() -> FakePlantPredict:
    answers = iter([httpx.Response(503), httpx.Response(503), httpx.Response(200, json=PROJECT)])
    return FakePlantPredict(lambda request: next(answers))


async def test_with_options_has_its_own_retry_policy_on_the_same_token_and_statistics() -> None:
    fake = _failing_twice()
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        impatient = client.with_options(retry=RetryPolicy.none())
        with pytest.raises(ServerError):
            await impatient.projects.get(12)
        project = await client.projects.get(12)  # the client itself still retries (503, then 200)
        assert client.stats.attempts == 3
        assert client.stats.requests == 2
        assert impatient.stats is client.stats
    assert project.id == 12
    assert len(fake.issued) == 1  # one token for the client and its view


async def test_with_options_has_its_own_timeout_and_the_same_connections() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, json=PROJECT))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        quick = client.with_options(timeout=5)
        http, quick_http = client.get_async_httpx_client(), quick.get_async_httpx_client()
        assert quick_http.timeout == httpx.Timeout(5)
        assert http.timeout.read == 60.0
        assert quick_http._transport is http._transport  # one connection pool
        # A view used as a context manager leaves the pool open for the client it came from.
        async with quick:
            await quick.projects.get(12)
        await client.projects.get(12)
        assert not http.is_closed


async def test_views_share_the_concurrency_limit() -> None:
    release = asyncio.Event()
    in_flight = 0
    peak = 0

    class Gate(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            if request.url.path.endswith("/token"):
                body = {"access_token": "t", "expires_in": 3600, "token_type": "Bearer"}
                return httpx.Response(200, json=body)
            in_flight += 1
            peak = max(peak, in_flight)
            await release.wait()
            in_flight -= 1
            return httpx.Response(200, json=PROJECT)

    async with connect(CREDENTIALS, base_url=BASE_URL, transport=Gate(), max_concurrency=2) as client:
        views = [client, client.with_options(timeout=30), client.with_options(retry=RetryPolicy.none())]
        calls = [asyncio.create_task(views[i % 3].projects.get(12)) for i in range(6)]
        for _ in range(50):  # let every task get as far as it can: two reach the transport
            await asyncio.sleep(0)
        assert (peak, client.stats.in_flight) == (2, 2)
        release.set()
        await asyncio.gather(*calls)
        assert client.stats.peak_in_flight == 2


async def test_the_workflow_runs_on_resource_methods_alone() -> None:
    """Create a project, a prediction and its power plant, run, wait, read the result summary:
    no isinstance guard, no None check for a typed answer."""
    async with (
        simulated(clock=_time.now, run_seconds=60.0) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client,
    ):
        module = (await client.modules.list())[0]
        inverter = (await client.inverters.list())[0]
        weather = (await client.weather.search(latitude=34.85, longitude=-116.79, search_radius=50))[0]
        site = Project(
            name="Resource site", latitude=34.85, longitude=-116.79, elevation=588.0, standard_offset_from_utc=-8
        )
        project = await client.projects.create(site)
        prediction = await client.predictions.create(
            project.id,
            complete(
                Prediction(
                    name="P50",
                    project_id=project.id,
                    weather_id=weather.id,
                    start=dt.datetime(2023, 1, 1),
                    end=dt.datetime(2023, 12, 31, 23),
                )
            ),
        )
        field = DCField(
            name=1,
            module_id=module.id,
            tracking_type=DCFieldTrackingTypeEnum.FIXED_TILT,
            module_tilt=25.0,
            modules_wired_in_series=28,
            number_of_series_strings_wired_in_parallel=200.0,
        )
        inverters = [PowerPlantInverter(name="1", inverter_id=inverter.id, setpoint_kw=2500.0, dc_fields=[field])]
        await client.power_plants.create(
            project.id,
            prediction.id,
            complete(PowerPlant(blocks=[Block(name=1, arrays=[PowerPlantArray(name=1, inverters=inverters)])])),
        )
        finished = await client.predictions.run_and_wait(project.id, prediction.id, poll_initial=5)
        summary = await client.results.summary(project.id, prediction.id)
        stored = await sim.objects("powerplants")
    assert finished.processing_status == ProcessingStatusEnum.SUCCESS
    assert isinstance(summary, PredictionResultSummary)
    # On the wire the JSON keys are the API's own: setpoint_kw travels as setpointkW.
    assert json.dumps(stored).count('"setpointkW": 2500.0') == 1


def _scripted_run(statuses: list[int]) -> FakePlantPredict:
    """POST .../Run, then GET .../Prediction/34 answering each status in turn (the last repeats)."""
    remaining = list(statuses)

    def api(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200)
        status = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return httpx.Response(200, json={"id": 34, "projectId": 12, "processingStatus": status})

    return FakePlantPredict(api)


def test_sync_run_and_wait_returns_the_finished_prediction() -> None:
    fake = _scripted_run([1, 2, 2, 3])
    with connect_sync(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        assert isinstance(client, ConnectedSyncClient)
        finished = client.predictions.run_and_wait(12, 34, poll_initial=1.0)
    assert finished.processing_status == ProcessingStatusEnum.SUCCESS
    assert [f"{r.method} {r.url.path}" for r in fake.api_requests][:2] == [
        "POST /Project/12/Prediction/34/Run",
        "GET /Project/12/Prediction/34",
    ]
    assert len(fake.api_requests) == 5


def test_sync_run_and_wait_raises_on_a_failed_run_and_past_its_deadline() -> None:
    failing = _scripted_run([2, 4]).transport
    with (
        connect_sync(CREDENTIALS, base_url=BASE_URL, transport=failing) as client,
        pytest.raises(PredictionRunError, match="ended error") as failed,
    ):
        client.predictions.run_and_wait(12, 34)
    assert failed.value.processing_status == ProcessingStatusEnum.ERROR
    with connect_sync(CREDENTIALS, base_url=BASE_URL, transport=_scripted_run([2]).transport) as client:
        started = _time.now()
        with pytest.raises(PredictionRunError, match="still running after 60s"):
            client.predictions.run_and_wait(12, 34, deadline=60, poll_max=10)
        assert 60 <= _time.now() - started <= 61


def test_a_sync_view_shares_statistics_and_closes_nothing() -> None:
    fake = _failing_twice()
    with connect_sync(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with client.with_options(retry=RetryPolicy.none()) as impatient, pytest.raises(ServerError):
            impatient.projects.get(12)
        assert client.projects.get(12).id == 12
        assert client.stats.attempts == 3

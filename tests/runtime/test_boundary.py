"""One boundary turns every answer into a result or a typed, readable error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from plantpredict_auth import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PlantPredictWarning,
    RateLimitError,
    RetryPolicy,
    ServerError,
    connect,
    connect_sync,
    set_testing,
)
from plantpredict_client.api.projects import create_project, get_project
from plantpredict_client.models import Project
from tests.complete_bodies import complete
from tests.runtime.fakes import BASE_URL, CREDENTIALS, FakePlantPredict

PROJECT = {"id": 12, "name": "Desert Ridge", "latitude": 33.4, "longitude": -112.1}


@pytest.fixture(autouse=True)
def no_real_waiting() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def answer(response: httpx.Response) -> FakePlantPredict:
    return FakePlantPredict(lambda request: response)


async def fetch(fake: FakePlantPredict, retry: RetryPolicy | None = None) -> object:
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport, retry=retry) as client:
        return await get_project.asyncio(project_id=12, client=client)


async def test_a_project_is_fetched_with_a_bearer_token() -> None:
    fake = answer(httpx.Response(200, json=PROJECT))
    project = await fetch(fake)
    assert isinstance(project, Project)
    assert project.name == "Desert Ridge"
    assert fake.api_requests[0].headers["authorization"] == "Bearer token-1"


async def test_an_html_page_with_status_200_is_a_readable_error() -> None:
    fake = answer(httpx.Response(200, html="<!DOCTYPE html><html><body>Sign in to continue</body></html>"))
    with pytest.raises(APIResponseError, match=r"GET /Project/12 -> 200, but it is an HTML page"):
        await fetch(fake)


async def test_a_truncated_json_body_is_a_readable_error_not_a_json_decode_error() -> None:
    body = json.dumps(PROJECT)[:-9].encode()
    fake = answer(httpx.Response(200, content=body, headers={"content-type": "application/json; charset=utf-8"}))
    with pytest.raises(APIResponseError, match="its body is not valid JSON") as caught:
        await fetch(fake)
    assert not isinstance(caught.value, json.JSONDecodeError)
    assert caught.value.body.startswith('{"id": 12')


async def test_a_plain_text_400_is_a_bad_request_with_its_message() -> None:
    fake = answer(httpx.Response(400, text="Latitude is out of range.", headers={"content-type": "text/plain"}))
    with pytest.raises(
        BadRequestError, match=r"GET /Project/12 -> 400 Bad Request: Latitude is out of range\."
    ) as caught:
        await fetch(fake)
    assert caught.value.model_state == {}
    assert caught.value.status_code == 400


async def test_a_model_state_400_names_the_fields() -> None:
    body = {
        "message": "The request is invalid.",
        "modelState": {"project.Latitude": ["The Latitude field is required."]},
    }
    fake = answer(httpx.Response(400, json=body))
    with pytest.raises(BadRequestError) as caught:
        await fetch(fake)
    assert caught.value.model_state == {"project.Latitude": ["The Latitude field is required."]}
    assert "project.Latitude: The Latitude field is required." in str(caught.value)


async def test_a_problem_details_body_is_understood() -> None:
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"Name": ["The Name field is required."]},
    }
    fake = answer(httpx.Response(400, json=body, headers={"content-type": "application/problem+json"}))
    with pytest.raises(BadRequestError, match="One or more validation errors occurred") as caught:
        await fetch(fake)
    assert caught.value.model_state == {"Name": ["The Name field is required."]}


async def test_a_plain_text_404_is_not_found() -> None:
    fake = answer(httpx.Response(404, text="Project not found.", headers={"content-type": "text/plain"}))
    with pytest.raises(NotFoundError, match=r"Project not found\."):
        await fetch(fake)


async def test_server_errors_on_a_get_are_retried_then_succeed() -> None:
    answers = iter(
        [httpx.Response(503, text="busy"), httpx.Response(500, text="oops"), httpx.Response(200, json=PROJECT)]
    )
    fake = FakePlantPredict(lambda request: next(answers))
    assert isinstance(await fetch(fake), Project)
    assert len(fake.api_requests) == 3


async def test_a_get_that_keeps_failing_raises_a_server_error_after_its_attempts() -> None:
    fake = answer(httpx.Response(502, text="Bad Gateway", headers={"content-type": "text/plain"}))
    with pytest.raises(ServerError, match="502"):
        await fetch(fake)
    assert len(fake.api_requests) == RetryPolicy().max_attempts


async def test_a_post_answered_500_is_not_retried() -> None:
    fake = answer(httpx.Response(500, text="Object reference not set.", headers={"content-type": "text/plain"}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(ServerError, match="POST /Project -> 500"):
            await create_project.asyncio(client=client, body=complete(Project(name="A", latitude=1.0, longitude=2.0)))
    assert len(fake.api_requests) == 1


async def test_a_post_whose_answer_is_lost_has_an_unknown_outcome() -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake = FakePlantPredict(lost)
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(OutcomeUnknownError, match="look it up before sending it again") as caught:
            await create_project.asyncio(client=client, body=complete(Project(name="A", latitude=1.0, longitude=2.0)))
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(fake.api_requests) == 1


async def test_a_post_that_could_not_connect_is_retried() -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"id": 5})

    fake = FakePlantPredict(flaky)
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        created = await create_project.asyncio(
            client=client, body=complete(Project(name="A", latitude=1.0, longitude=2.0))
        )
    assert created is not None
    assert created.id == 5
    assert len(attempts) == 2


async def test_a_get_that_cannot_connect_is_an_api_connection_error() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with pytest.raises(APIConnectionError, match="GET /Project/12: ConnectError"):
        await fetch(FakePlantPredict(refused))


async def test_rate_limits_that_outlast_the_policy_raise_rate_limit_error() -> None:
    fake = answer(httpx.Response(429))
    with pytest.raises(RateLimitError):
        await fetch(fake, retry=RetryPolicy(rate_limit_attempts=3))
    assert len(fake.api_requests) == 3


async def test_x_message_reaches_the_caller_as_a_warning() -> None:
    fake = answer(
        httpx.Response(200, json={"id": 7}, headers={"X-Message": "A project with this name already exists."})
    )
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.warns(PlantPredictWarning, match="POST /Project: A project with this name already exists."):
            await create_project.asyncio(client=client, body=complete(Project(name="A", latitude=1.0, longitude=2.0)))


async def test_a_post_refused_with_401_is_replayed_once_with_the_identical_body() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, json={"id": 3}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        await get_project.asyncio_detailed(project_id=1, client=client)  # obtain token-1
        fake.expire_all()
        await create_project.asyncio(client=client, body=complete(Project(name="Replay", latitude=1.0, longitude=2.0)))
    first, second = fake.api_requests[-2:]
    assert first.headers["authorization"] == "Bearer token-1"
    assert second.headers["authorization"] == "Bearer token-2"
    assert first.content == second.content
    assert json.loads(second.content)["name"] == "Replay"


async def test_a_second_401_raises_authentication_error_naming_the_request() -> None:
    fake = answer(httpx.Response(401))
    with pytest.raises(AuthenticationError, match=r"GET /Project/12 was refused with 401 twice") as caught:
        await fetch(fake)
    assert "token-" not in str(caught.value)
    assert len(fake.api_requests) == 2


async def test_the_token_is_never_sent_to_another_origin() -> None:
    fake = answer(httpx.Response(200, json=PROJECT))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        http = client.get_async_httpx_client()
        with pytest.raises(APIStatusError, match="401"):
            await http.get("http://elsewhere.example:9/Project/12")
    assert fake.api_requests[-1].url.host == "elsewhere.example"
    assert "authorization" not in fake.api_requests[-1].headers


def test_the_generated_sync_functions_work_through_connect_sync() -> None:
    fake = answer(httpx.Response(200, json=PROJECT))
    with connect_sync(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        project = get_project.sync(project_id=12, client=client)
        fake.expire_all()
        again = get_project.sync(project_id=12, client=client)
    assert isinstance(project, Project)
    assert isinstance(again, Project)
    assert [r.headers["authorization"] for r in fake.api_requests] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]

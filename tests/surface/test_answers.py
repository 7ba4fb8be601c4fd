"""What the four functions and the resource methods return on a plain generated client (no
runtime): the parsed model, never ``None`` for a typed answer; ``None`` for an answer without a
body; the decoded JSON for an answer the documents leave untyped; the generated errors otherwise."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from plantpredict_client import Client, SyncClient, errors
from plantpredict_client.api.projects import get_project
from plantpredict_client.models import PredictionResultSummary, Project

PROJECT = {"id": 12, "name": "Desert Ridge", "latitude": 33.4}


def clients(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[Client, SyncClient]:
    transport = httpx.MockTransport(handler)
    return (
        Client(base_url="https://api.test").set_async_httpx_client(
            httpx.AsyncClient(base_url="https://api.test", transport=transport)
        ),
        SyncClient(base_url="https://api.test").set_httpx_client(
            httpx.Client(base_url="https://api.test", transport=transport)
        ),
    )


async def test_a_typed_answer_is_the_model() -> None:
    client, sync_client = clients(lambda r: httpx.Response(200, json=PROJECT))
    project = await client.projects.get(12)
    assert isinstance(project, Project)
    assert project.name == "Desert Ridge"
    assert sync_client.projects.get(12) == project
    assert (await get_project.asyncio(12, client=client)) == project


async def test_an_undocumented_status_raises_even_without_raise_on_unexpected_status() -> None:
    client, sync_client = clients(lambda r: httpx.Response(404, text="Project not found"))
    assert client.raise_on_unexpected_status is False
    with pytest.raises(errors.UnexpectedStatus) as caught:
        await client.projects.get(12)
    assert caught.value.status_code == 404
    with pytest.raises(errors.UnexpectedStatus):
        sync_client.projects.get(12)
    # The detailed functions keep the generator's contract: the response, parsed None.
    detailed = await get_project.asyncio_detailed(12, client=client)
    assert (detailed.status_code, detailed.parsed) == (404, None)


async def test_a_body_that_does_not_parse_raises_unexpected_body() -> None:
    client, _ = clients(lambda r: httpx.Response(200, json=[1, 2]))
    with pytest.raises(errors.UnexpectedBody) as caught:
        await client.projects.get(12)
    assert isinstance(caught.value.cause, AttributeError | TypeError | KeyError | ValueError)


async def test_an_answer_without_a_body_is_none() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(200)

    client, sync_client = clients(handler)
    # Typed None: mypy refuses to use the value, which is the point; the test checks it anyway.
    assert await client.projects.delete(12) is None  # type: ignore[func-returns-value]
    assert sync_client.predictions.run(12, 34) is None  # type: ignore[func-returns-value]
    assert seen == ["DELETE /Project/12", "POST /Project/12/Prediction/34/Run"]


async def test_a_documented_not_yet_answer_is_none_and_a_result_the_model() -> None:
    answers = iter([httpx.Response(204), httpx.Response(200, json={"years": []})])
    client, _ = clients(lambda r: next(answers))
    assert await client.results.summary(12, 34) is None
    assert isinstance(await client.results.summary(12, 34), PredictionResultSummary)


async def test_an_untyped_answer_is_the_decoded_json() -> None:
    answers = iter([httpx.Response(200, json={"processingStatus": 2, "percentComplete": 40.0}), httpx.Response(200)])
    client, _ = clients(lambda r: next(answers))
    assert await client.predictions.processing_status(12, 34) == {"processingStatus": 2, "percentComplete": 40.0}
    assert await client.predictions.processing_status(12, 34) is None  # an empty body decodes to None

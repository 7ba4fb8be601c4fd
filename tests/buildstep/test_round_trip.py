"""What the server adds after the client was generated survives a GET -> modify -> PUT round trip."""

from __future__ import annotations

import json
from typing import Any

import httpx

from plantpredict_client import Client
from plantpredict_client.api.projects import get_project, update_project
from plantpredict_client.models import Project, ProjectStatusEnum

SERVER_PROJECT = {
    "id": 7,
    "name": "Desert Ridge",
    "latitude": 33.4,
    "longitude": -112.1,
    "elevation": 330.0,
    "standardOffsetFromUTC": -7,
    "status": 7,  # a status this client has no name for
    "carbonIntensity": {"gramsPerKWh": 412.5, "source": "eGRID"},  # a field this client does not know
    "tags": ["utility", "phase-2"],
}


async def test_unknown_fields_and_enum_values_survive_get_modify_put() -> None:
    sent: list[dict[str, Any]] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=SERVER_PROJECT)
        sent.append(json.loads(request.content))
        return httpx.Response(200)

    client = Client(base_url="https://example.invalid")
    client.set_async_httpx_client(
        httpx.AsyncClient(base_url="https://example.invalid", transport=httpx.MockTransport(server))
    )
    async with client:
        project = await get_project.asyncio(project_id=7, client=client)
        assert isinstance(project, Project)
        assert project.status == 7
        assert project.status is not ProjectStatusEnum.ACTIVE
        assert project.additional_properties["carbonIntensity"] == {"gramsPerKWh": 412.5, "source": "eGRID"}
        project.name = "Desert Ridge II"
        await update_project.asyncio_detailed(project_id=7, client=client, body=project)
    assert sent == [{**SERVER_PROJECT, "name": "Desert Ridge II"}]


def test_an_unknown_enum_value_is_a_stable_unnamed_member() -> None:
    value = ProjectStatusEnum(42)
    assert value == 42
    assert value.name == "UNKNOWN_42"
    assert ProjectStatusEnum(42) is value
    assert ProjectStatusEnum(0) is ProjectStatusEnum.ACTIVE

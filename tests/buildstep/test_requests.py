"""Requests the documents forbid never leave the client (docs/normalization.md#required-request-fields),
and each operation asks for the answer it can read (docs/normalization.md#content-types)."""

from __future__ import annotations

import importlib
import inspect
import io
import json
import re
import typing
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest

from openapi import Result
from plantpredict_auth import connect
from plantpredict_client import Client, errors, models
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.projects import create_project, update_project
from plantpredict_client.api.reports import get_report_url
from plantpredict_client.api.time_series import download_time_series_csv
from plantpredict_client.models import Block, DCField, PowerPlant, PowerPlantArray, PowerPlantInverter, Project
from plantpredict_client.types import File
from tests.complete_bodies import complete
from tests.runtime.fakes import BASE_URL, CREDENTIALS, FakePlantPredict

SITE = {"latitude": 34.85, "longitude": -116.79, "elevation": 588.0, "standard_offset_from_utc": -8.0}


def recording(answer: Callable[[httpx.Request], httpx.Response]) -> tuple[Client, list[httpx.Request]]:
    """A plain generated client whose requests are kept, with the client-wide ``Accept`` that
    ``connect()`` sets."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    client = Client(base_url="https://api.test", headers={"Accept": "application/json"})
    client.set_async_httpx_client(
        httpx.AsyncClient(
            base_url="https://api.test", headers={"Accept": "application/json"}, transport=httpx.MockTransport(handler)
        )
    )
    return client, sent


def incomplete_plant() -> PowerPlant:
    field = DCField(name=1, module_id=7, modules_wired_in_series=28, number_of_series_strings_wired_in_parallel=200.0)
    inverter = PowerPlantInverter(name="1", inverter_id=3, setpoint_kw=2500.0, dc_fields=[field])
    return PowerPlant(blocks=[Block(name=1, arrays=[PowerPlantArray(name=1, inverters=[inverter])])])


async def test_a_body_missing_required_fields_is_refused_before_anything_is_sent() -> None:
    client, sent = recording(lambda r: httpx.Response(200))
    with pytest.raises(errors.MissingRequiredFields) as refused:
        await create_power_plant.asyncio(1, 2, client=client, body=incomplete_plant())
    assert sent == []
    missing = refused.value.missing
    assert missing[:2] == ["body.powerFactor", "body.blocks[0].repeater"]
    assert "body.blocks[0].arrays[0].inverters[0].dcFields[0].dcHealth" in missing
    assert len(missing) == 1 + 1 + 8 + 3 + 39  # plant, block, array, inverter, DC field: what was left out
    assert refused.value.operation == "create_power_plant"
    assert str(refused.value).startswith("create_power_plant: not sent, the body lacks 52 field(s) the API requires")
    assert "and 40 more (see .missing)" in str(refused.value)
    assert isinstance(refused.value, ValueError)


async def test_a_complete_body_is_sent_as_the_caller_built_it() -> None:
    client, sent = recording(lambda r: httpx.Response(200))
    plant = complete(incomplete_plant())
    await create_power_plant.asyncio(1, 2, client=client, body=plant)
    assert json.loads(sent[0].content) == plant.to_dict()


async def test_a_field_given_through_additional_properties_counts_as_given() -> None:
    client, sent = recording(lambda r: httpx.Response(200, json={"id": 9}))
    project = Project(name="Daggett", latitude=34.85, longitude=-116.79, elevation=588.0)
    project["standardOffsetFromUTC"] = -8
    await create_project.asyncio(client=client, body=project)
    assert json.loads(sent[0].content)["standardOffsetFromUTC"] == -8


async def test_what_the_reference_requires_binds_its_own_operations_only() -> None:
    # The reference requires a project's name of POST /Project; PUT /Project/{id} is the live
    # document's alone, which does not.
    client, sent = recording(lambda r: httpx.Response(200, json={"id": 9}))
    nameless = Project(**SITE)  # type: ignore[arg-type]  # the generated model's keyword arguments
    with pytest.raises(errors.MissingRequiredFields) as refused:
        await create_project.asyncio(client=client, body=nameless)
    assert refused.value.missing == ["body.name"]
    await update_project.asyncio_detailed(9, client=client, body=nameless)
    assert [r.method for r in sent] == ["PUT"]


async def test_connect_lets_the_refusal_through_and_sends_nothing() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, json={"id": 1}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(errors.MissingRequiredFields):
            await client.power_plants.create(1, 2, incomplete_plant())
    assert fake.api_requests == []


def test_answers_lacking_required_fields_still_parse(reference_document: dict[str, Any]) -> None:
    # The recorded result summary lacks 5 fields a request would have to carry; it parses, and the
    # check (which only requests run) names them.
    recorded = reference_document["paths"]["/Project/{projectId}/Prediction/{predictionId}/ResultSummary"]["get"]
    value = next(iter(recorded["responses"]["200"]["content"]["application/json"]["examples"].values()))["value"]
    summary = models.PredictionResultSummary.from_dict(value)
    assert summary.to_dict() == summary.from_dict(summary.to_dict()).to_dict()
    assert len(errors.missing_fields(summary)) == 5


def test_the_query_parameters_the_reference_requires_are_required_arguments(
    normalized: Result, api_surface: dict[str, Any]
) -> None:
    required = {
        (name, parameter)
        for name, module in _operation_modules(api_surface).items()
        for parameter, spec in inspect.signature(module.asyncio_detailed).parameters.items()
        if spec.kind is inspect.Parameter.KEYWORD_ONLY and spec.default is inspect.Parameter.empty
        if parameter not in ("client", "body")
    }
    assert {
        ("get_ashrae", "latitude"),
        ("get_ashrae", "longitude"),
        ("get_ashrae_station", "station_name"),
        ("get_default_iam", "ashrae_iam"),
        ("search_projects", "search_radius"),
        ("convert_pvc_to_pvj", "latitude"),
        ("convert_shd_to_pvj", "longitude"),
    } <= required
    assert normalized.figures["query parameters required by the reference"] == 13


async def test_the_report_name_is_one_of_the_four_the_reference_lists() -> None:
    assert typing.get_type_hints(get_report_url.asyncio)["report"] is models.ReportType
    assert [m.value for m in models.ReportType] == [
        "BlockSummary8760",
        "InputsAssumptions",
        "PlantSummary",
        "PlantSummary8760",
    ]
    client, sent = recording(lambda r: httpx.Response(200, json={"reportURL": "https://x"}))
    await get_report_url.asyncio(1, 2, models.ReportType.PLANT_SUMMARY_8760, client=client)
    assert sent[0].url.path == "/Project/1/Prediction/2/ReportURL/PlantSummary8760"


def test_every_multipart_upload_requires_its_file() -> None:
    bodies: list[Any] = [
        cls
        for _, cls in inspect.getmembers(models, inspect.isclass)
        if attrs.has(cls) and hasattr(cls, "to_multipart") and "file" in attrs.fields_dict(cls)
    ]
    assert len(bodies) == 13
    for cls in bodies:
        assert attrs.fields_dict(cls)["file"].default is attrs.NOTHING, cls.__name__
        with pytest.raises(TypeError):
            cls()
        assert cls(file=File(payload=io.BytesIO(b"a,b\n"), file_name="a.csv")).to_multipart()


async def test_a_csv_download_asks_for_csv_whatever_the_client_wide_accept() -> None:
    client, sent = recording(
        lambda r: httpx.Response(200, text="TimeStamp,GHI\n", headers={"content-type": "text/csv"})
    )
    assert await download_time_series_csv.asyncio(1, 2, 3, client=client) == "TimeStamp,GHI\n"
    assert sent[0].headers.get_list("accept") == ["text/csv"]


async def test_connect_sends_the_operations_accept_not_its_own() -> None:
    fake = FakePlantPredict(lambda request: httpx.Response(200, text="a,b\n", headers={"content-type": "text/csv"}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        await download_time_series_csv.asyncio(1, 2, 3, client=client)
    assert fake.api_requests[0].headers.get_list("accept") == ["text/csv"]


def test_every_operation_asks_for_the_media_types_of_its_answers(api_surface: dict[str, Any]) -> None:
    asked: dict[str, str | None] = {}
    for name, module in _operation_modules(api_surface).items():
        found = re.search(r'headers\["Accept"\] = "([^"]+)"', inspect.getsource(module._get_kwargs))
        asked[name] = found.group(1) if found else None
    answers = {name: list(op["responses"].values()) for name, op in api_surface["operations"].items()}
    assert {n for n, a in asked.items() if a == "text/csv"} == {
        n for n, kinds in answers.items() if any("(text/csv)" in kind for kind in kinds)
    }
    assert asked["download_table_rotation"] == "application/octet-stream"
    assert asked["get_project"] == asked["cancel_prediction"] == "application/json"
    # An operation whose answers have no body leaves the client's own Accept alone.
    assert {n for n, a in asked.items() if a is None} == {
        n for n, kinds in answers.items() if all(kind == "no body" for kind in kinds)
    }


def _operation_modules(api_surface: dict[str, Any]) -> dict[str, Any]:
    return {
        name: importlib.import_module(f"plantpredict_client.api.{op['module']}.{name}")
        for name, op in api_surface["operations"].items()
    }

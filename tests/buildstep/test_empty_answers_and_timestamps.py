"""Every documented answer is handled: a typed answer the live document declares without a body
gives None when it comes empty (docs/normalization.md#empty-and-untyped-answers), and a timestamp
the parser cannot read is kept as received instead of failing the whole answer
(docs/normalization.md#timestamps)."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import typing
from typing import Any

import httpx
import pytest

from openapi import recorded_examples
from plantpredict_client import Client, models
from plantpredict_client.api.predictions import get_prediction, update_prediction
from plantpredict_client.types import Unset

#: The 11 operations whose 200 the live document declares without a body, typed from the reference.
MAY_BE_EMPTY = [
    "cancel_prediction",
    "create_shade_scene",
    "get_plant_block_details",
    "get_prediction_albedo_data",
    "get_report_url",
    "get_shade_processing_status",
    "get_shade_scene_properties",
    "get_tabt_processing_status",
    "get_time_series_details",
    "list_time_series",
    "update_shade_scene_properties",
]


def plain_client(answer: httpx.Response) -> tuple[Client, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer

    client = Client(base_url="https://api.test", raise_on_unexpected_status=True)
    client.set_async_httpx_client(
        httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(handler))
    )
    return client, sent


@pytest.mark.parametrize("name", MAY_BE_EMPTY)
async def test_an_empty_200_the_live_document_declares_is_none_not_an_error(
    name: str, api_surface: dict[str, Any], reference_document: dict[str, Any]
) -> None:
    operation = api_surface["operations"][name]
    assert operation["responses"]["200"].endswith(" or no body")
    module = importlib.import_module(f"plantpredict_client.api.{operation['module']}.{name}")
    assert type(None) in typing.get_args(typing.get_type_hints(module.asyncio)["return"])
    client, _ = plain_client(httpx.Response(200))
    arguments: dict[str, Any] = {
        parameter: 1
        for parameter, hint in typing.get_type_hints(module.asyncio).items()
        if parameter not in ("client", "return", "body")
    }
    if name == "get_report_url":
        arguments["report"] = models.ReportType.PLANT_SUMMARY
    if "body" in typing.get_type_hints(module.asyncio):
        body_type = typing.get_args(typing.get_type_hints(module.asyncio)["body"]) or (
            typing.get_type_hints(module.asyncio)["body"],
        )
        arguments["body"] = body_type[0]()
    assert await module.asyncio(client=client, **arguments) is None


async def test_the_same_operations_still_parse_a_body_when_there_is_one(reference_document: dict[str, Any]) -> None:
    from plantpredict_client.api.predictions import get_prediction_albedo_data

    recorded = [e for e in recorded_examples(reference_document) if e.path.endswith("/GetAlbedoData")]
    client, _ = plain_client(httpx.Response(200, json=recorded[0].value))
    albedo = await get_prediction_albedo_data.asyncio(1, 2, client=client)
    assert isinstance(albedo, list)
    assert [m.to_dict() for m in albedo] == recorded[0].value


PREDICTION = "/Project/{projectId}/Prediction/{predictionId}"


def _recorded(reference_document: dict[str, Any], path: str) -> dict[str, Any]:
    return next(
        copy.deepcopy(e.value)
        for e in recorded_examples(reference_document)
        if e.method == "get" and e.path == path and isinstance(e.value, dict)
    )


async def test_an_unreadable_timestamp_is_kept_as_received_and_the_rest_parses(
    reference_document: dict[str, Any],
) -> None:
    body = _recorded(reference_document, PREDICTION)
    body["createdDate"] = "25/11/2025 16:21"  # what no ISO 8601 parser reads
    body["start"] = "not a date"  # a timestamp that may also be null
    client, _ = plain_client(httpx.Response(200, json=body))
    prediction = await get_prediction.asyncio(body["projectId"], body["id"], client=client)
    assert isinstance(prediction, models.Prediction)
    assert prediction.name == body["name"]
    assert prediction.last_modified == dt.datetime(2025, 11, 25, 16, 22, 16, 553000)
    assert prediction.end == dt.datetime(2005, 12, 31, 23)
    assert isinstance(prediction.created_date, Unset)
    assert isinstance(prediction.start, Unset)
    assert prediction.additional_properties["createdDate"] == "25/11/2025 16:21"
    assert prediction.additional_properties["start"] == "not a date"
    # Sent back as it came: GET, modify, PUT loses nothing.
    prediction.name = "Renamed"
    put_client, put = plain_client(httpx.Response(200, json=body))
    await update_prediction.asyncio_detailed(body["projectId"], client=put_client, body=prediction)
    sent = json.loads(put[0].content)
    assert (sent["createdDate"], sent["start"], sent["name"]) == ("25/11/2025 16:21", "not a date", "Renamed")


async def test_a_null_timestamp_stays_null(reference_document: dict[str, Any]) -> None:
    body = _recorded(reference_document, PREDICTION)
    body["end"] = None
    client, _ = plain_client(httpx.Response(200, json=body))
    prediction = await get_prediction.asyncio(body["projectId"], body["id"], client=client)
    assert isinstance(prediction, models.Prediction)
    assert prediction.end is None
    assert "end" not in prediction.additional_properties


def test_a_timestamp_that_is_not_a_string_is_kept_as_received() -> None:
    note = models.Note.from_dict({"contents": "x", "date": 20260209})
    assert note.additional_properties == {"date": 20260209}
    assert note.to_dict() == {"contents": "x", "date": 20260209}

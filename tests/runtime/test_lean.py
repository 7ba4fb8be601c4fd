"""The two trims of httpx's per-request work (``_lean.py``) give what httpx itself gives."""

from __future__ import annotations

import httpx
import pytest

from plantpredict_auth._client import PlantPredictAsyncClient, PlantPredictClient

BASES = [
    "https://api.plantpredict.com",
    "https://api.plantpredict.com/",
    "http://127.0.0.1:8080/api/v2/",
    "https://user:pw@api.plantpredict.com:8443/v1",
    "https://api.plantpredict.com/base?key=1",
]
TARGETS = [
    "/Project/12",
    "/Project/12/Prediction/3/PowerPlant",
    "/Inverter/kVA",
    "/Project/1.5/x_y~z-w",
    "/Project/./12",
    "/Project/../12",
    "/Project/12/.",
    "/Projekt/Gr\u00fcn",
    "/Project/{id}",
    "/Project/12/",
    "/",
    "/Project/12/Prediction/3/Run",
    "/Project?enableMeteonormDownload=false",
    "/Weather/Search#frag",
    "/Project/a%20b",
    "/Project/a b",
    "//other.example/x",
    "https://elsewhere.example/Project/1",
    "Project/1",
    "",
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("params", [None, {}, {"top": 10}])
def test_a_merged_url_is_the_one_httpx_builds(base: str, target: str, params: dict[str, int] | None) -> None:
    with httpx.Client(base_url=base) as plain, PlantPredictClient(base_url=base) as lean:
        assert (
            lean.build_request("GET", target, params=params).url
            == plain.build_request("GET", target, params=params).url
        )


def test_client_params_still_merge_into_every_request() -> None:
    with PlantPredictClient(base_url=BASES[0], params={"culture": "en"}) as lean:
        assert str(lean.build_request("GET", "/Project/1", params={}).url).endswith("/Project/1?culture=en")


def answer(headers: list[tuple[str, str]]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, json={}))


async def test_a_cookie_the_api_sets_is_still_kept() -> None:
    transport = answer([("set-cookie", "affinity=node-3; Path=/")])
    async with PlantPredictAsyncClient(base_url=BASES[0], transport=transport) as http:
        await http.get("/Project/1")
        assert http.cookies.get("affinity") == "node-3"


async def test_answers_without_cookies_leave_the_jar_as_it_was() -> None:
    async with PlantPredictAsyncClient(base_url=BASES[0], transport=answer([]), cookies={"a": "1"}) as http:
        await http.get("/Project/1")
        assert dict(http.cookies) == {"a": "1"}
        http.cookies = {"b": "2"}
        await http.get("/Project/1")
        assert dict(http.cookies) == {"b": "2"}

"""A large answer is decoded and parsed off the event loop: the loop keeps turning meanwhile.

The proof counts the turns a ticker task gets while ``PowerPlant.from_dict`` runs: none when the
parse runs on the loop, several when it runs on the parse thread. No wall-clock threshold.
"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import httpx
import pytest

from bench._plants import utility_plant
from plantpredict_auth import ClientCredentials, connect
from plantpredict_client.client import LARGE_ANSWER
from plantpredict_client.models import PowerPlant

PLANT = json.dumps(utility_plant(blocks=6)).encode()  # about 1.1 MB: well above the threshold


class Answers(httpx.AsyncBaseTransport):
    """A token, then the plant, for every other request."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})
        return httpx.Response(200, headers={"content-type": "application/json; charset=utf-8"}, content=PLANT)


class Ticks:
    def __init__(self) -> None:
        self.count = 0
        self.during_parse: list[int] = []

    async def run(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0)


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    """Records how many times the ticker ran while each ``PowerPlant.from_dict`` was running."""
    counter = Ticks()
    parse = PowerPlant.from_dict.__func__  # type: ignore[attr-defined]  # the classmethod's function

    def counted(cls: type[PowerPlant], src_dict: Any) -> PowerPlant:
        before = counter.count
        plant = parse(cls, src_dict)
        counter.during_parse.append(counter.count - before)
        return plant

    monkeypatch.setattr(PowerPlant, "from_dict", classmethod(counted))
    return counter


async def fetch_plants(threshold: int | None, ticks: Ticks) -> list[PowerPlant | None]:
    credentials = ClientCredentials("id", "secret", token_url="https://auth.plantpredict.test/oauth2/token")
    async with connect(
        credentials, base_url="https://api.plantpredict.test", transport=Answers(), parse_in_thread_above=threshold
    ) as client:
        ticker = asyncio.create_task(ticks.run())
        try:
            return await asyncio.gather(*(client.power_plants.get(1, prediction) for prediction in range(3)))
        finally:
            ticker.cancel()


async def test_the_event_loop_keeps_turning_while_a_large_answer_is_parsed(ticks: Ticks) -> None:
    assert len(PLANT) > LARGE_ANSWER
    plants = await fetch_plants(LARGE_ANSWER, ticks)
    assert all(isinstance(p, PowerPlant) and isinstance(p.blocks, list) and len(p.blocks) == 6 for p in plants)
    assert len(ticks.during_parse) == 3
    assert min(ticks.during_parse) > 0  # the ticker ran while each parse was under way


async def test_a_parse_on_the_event_loop_holds_the_ticker_still(ticks: Ticks) -> None:
    """The same fetch with the threshold off: the baseline the first test is measured against."""
    await fetch_plants(None, ticks)
    assert ticks.during_parse == [0, 0, 0]


async def test_small_answers_stay_on_the_event_loop(ticks: Ticks) -> None:
    await fetch_plants(len(PLANT) + 1, ticks)
    assert ticks.during_parse == [0, 0, 0]


async def test_the_garbage_collector_is_as_it_was_after_an_off_loop_parse(ticks: Ticks) -> None:
    await fetch_plants(LARGE_ANSWER, ticks)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
